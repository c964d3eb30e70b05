namespace Myelin.Integration.Tests;

/// <summary>Two inputs, two tanh layers, one logit: learns the two-circles problem.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class CircleClassifier;

/// <summary>A classifier with dropout and batch norm, for determinism and resume tests.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(20)]
[Dense(32, Name = "hidden")]
[BatchNorm1D]
[ReLU]
[Dropout(0.25f)]
[Dense(4, Name = "head")]
public partial class NoisyClassifier;

/// <summary>A small regression network.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(8, Activation.LeakyReLU)]
[Dense(2)]
public partial class Regressor;

/// <summary>A small convolutional classifier on 1x8x8 images.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 8, 8)]
[Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)]
[BatchNorm2D]
[MaxPool2D(2)]
[Flatten]
[Dense(3)]
public partial class TinyConvNet;

/// <summary>An inference-only network (no loss).</summary>
[Network]
[Input(4)]
[Dense(3, Activation.Softmax)]
public partial class InferenceOnly;

/// <summary>Wide enough (64 x 256 x 256 multiply-adds per batch) that its matrix products are split across cores.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(256)]
[Dense(256, Activation.ReLU)]
[Dense(10)]
public partial class WideNet;
