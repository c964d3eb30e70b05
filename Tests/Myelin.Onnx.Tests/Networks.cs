namespace Myelin.Tests.OnnxExport;

// Networks that together use every layer kind, activation and padding the exporter maps.

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class Mlp;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU)]
[Dense(10)]
public partial class LeNet;

/// <summary>A residual block with batch norm, a strided projection shortcut, global pooling and a softmax head.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2, 9, 9)]
[Conv2D(4, 3, Padding = Padding.Same, Bias = false, Name = "stem")]
[BatchNorm2D] [ReLU(Name = "block_in")]
[Conv2D(6, 3, Stride = 2, PaddingSize = 1, Bias = false)] [BatchNorm2D] [LeakyReLU(0.2f)]
[Conv2D(6, 3, Padding = Padding.Same)] [BatchNorm2D(Name = "branch", Epsilon = 1e-3f)]
[Conv2D(6, 1, Stride = 2, From = "block_in", Name = "shortcut")]
[Add("branch", "shortcut", Activation = Activation.ReLU)]
[GlobalAvgPool2D]
[Dense(5, Activation.Softmax)]
public partial class Residual;

/// <summary>Branches of different widths joined by Concat, batch norm over features, dropout, tanh and sigmoid.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(12)]
[Dense(16, Activation.Tanh, Name = "wide")]
[Dense(5, Activation.LeakyReLU, NegativeSlope = 0.3f, From = "input", Name = "narrow")]
[Concat("wide", "narrow", "input")]
[BatchNorm1D]
[Dropout(0.3f)]
[Dense(3)]
[Sigmoid]
public partial class Branching;

/// <summary>Average pooling with a stride other than the window, an even kernel with same padding (asymmetric pads).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 10, 11)]
[Conv2D(4, 4, Activation.Sigmoid, Padding = Padding.Same)]
[AvgPool2D(3, Stride = 2)]
[Conv2D(2, 2, Stride = 2, PaddingSize = 1, Bias = false)]
[Tanh]
[Flatten]
[Dense(4)]
public partial class Pooling;

/// <summary>Logits for cross-entropy, to test the optional appended softmax.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6)]
[Dense(4)]
public partial class Logits;

/// <summary>Recurrent networks and dense layers on sequences, which the exporter refuses by name.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(5, 3)]
[Dense(4, Activation.ReLU, Name = "per_step")]
[Flatten]
[Dense(2)]
public partial class DenseOnSequence;

/// <summary>An LSTM over 5 steps of 3 features.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(5, 3)]
[LSTM(4, Name = "lstm1")]
[Dense(2)]
public partial class Lstm;
