namespace Myelin.Distributed.Worker;

// The MLP of the scenarios is the MNIST app's own MnistMlp (784-128-10, 101,770 parameters).

/// <summary>
/// A small convolutional network with every layer whose training depends on the rank's shard: batch norm (shard
/// statistics, running buffers that the ranks average) and dropout (masks drawn per rank).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(4, 3, Name = "conv")]
[BatchNorm2D(Name = "bn")]
[ReLU]
[MaxPool2D(2)]
[Flatten]
[Dropout(0.25f)]
[Dense(10, Name = "head")]
public partial class NoisyConvNet;

/// <summary>A tiny classifier on 12 features for the in-process tests, where several ranks are threads.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(12)]
[Dense(16, Activation.Tanh)]
[Dense(3)]
public partial class TinyClassifier;

/// <summary>A tiny regression network with batch norm and dropout, for the in-process tests (float targets, buffers, masks).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(12)]
[Dense(16)]
[BatchNorm1D]
[ReLU]
[Dropout(0.2f)]
[Dense(2)]
public partial class TinyRegressor;

/// <summary>A tiny regression network for the in-process tests (float targets, no batch norm or dropout).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(12)]
[Dense(8, Activation.Tanh)]
[Dense(2)]
public partial class TinyLinearRegressor;
