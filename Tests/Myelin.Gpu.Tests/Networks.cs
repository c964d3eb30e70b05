namespace Myelin.Gpu.Tests;

// Small networks covering every layer, loss and graph construct, declared once: the generator gives each a CPU class
// and, because this project references Myelin.Gpu, a nested Gpu class. The CPU class is the reference.

/// <summary>Dense layers with each element-wise activation fused into the epilogue.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(12)]
[Dense(16, Activation.ReLU)]
[Dense(9, Activation.Tanh)]
[Dense(7, Activation.LeakyReLU, NegativeSlope = 0.1f)]
[Dense(6, Activation.Sigmoid)]
[Dense(5)]
public partial class DenseNet;

/// <summary>Binary cross-entropy with its sigmoid absorbed, a dense layer without bias, and a stand-alone softmax the loss does not absorb.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(6)]
[Dense(8, Bias = false)]
[Softmax]
[Dense(3, Activation.Sigmoid)]
public partial class BinaryNet;

/// <summary>Mean squared error, stand-alone activations that cannot fuse, and average pooling.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)]
[Conv2D(3, 3, Activation.Tanh, Padding = Padding.Same)]
[AvgPool2D(2)]
[LeakyReLU(0.2f)]
[Flatten]
[Dense(4)]
public partial class RegressionNet;

/// <summary>Direct convolutions (few weights): padding, stride, max pooling with overlapping windows.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2, 9, 9)]
[Conv2D(3, 3, Activation.ReLU, Padding = Padding.Same)]
[MaxPool2D(3, Stride = 2)]
[Conv2D(4, 2, Stride = 2, PaddingSize = 1)]
[Flatten]
[Dense(4)]
public partial class ConvNet;

/// <summary>Convolutions large enough to run as implicit GEMMs, with split-K weight gradients, and global average pooling.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8, 7, 7)]
[Conv2D(20, 3, Activation.ReLU, Padding = Padding.Same)]
[Conv2D(18, 3, Stride = 2)]
[GlobalAvgPool2D]
[Dense(3)]
public partial class GemmConvNet;

/// <summary>Batch normalisation (2-D and 1-D, with fused activations) and dropout.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(3, 6, 6)]
[Conv2D(4, 3)]
[BatchNorm2D]
[ReLU]
[MaxPool2D(2)]
[Flatten]
[Dense(10)]
[BatchNorm1D(Momentum = 0.2f)]
[Tanh]
[Dropout(0.3f)]
[Dense(4)]
public partial class NormNet;

/// <summary>A residual block (Add with a fused ReLU), a value read by three ops, and a Concat of images.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4, 5, 5)]
[Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same, Name = "stem")]
[Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same, Name = "branch1")]
[Conv2D(4, 3, Padding = Padding.Same, Name = "branch2")]
[Add("stem", "branch2", "input", Activation = Activation.ReLU, Name = "residual")]
[Concat("residual", "stem", Name = "joined")]
[MaxPool2D(2)]
[Flatten]
[Dense(3)]
public partial class GraphNet;

/// <summary>Vector merges: a Concat of features and an Add of two dense branches.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5)]
[Dense(6, Activation.Tanh, Name = "left")]
[Dense(6, Activation.Sigmoid, From = "input", Name = "right")]
[Add("left", "right", Name = "sum")]
[Concat("sum", "left", "input", Name = "features")]
[Dense(2)]
public partial class VectorGraphNet;

/// <summary>An inference-only network (no loss).</summary>
[Network]
[Input(4)]
[Dense(5, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class InferenceNet;

/// <summary>A SimpleRNN (tanh) whose final state feeds a dense head.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(5, 3)]
[SimpleRNN(6)]
[Dense(4)]
public partial class RnnNet;

/// <summary>A bidirectional ReLU SimpleRNN returning every step, a dense layer applied to every step, then a head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 3)]
[SimpleRNN(5, Activation.ReLU, ReturnSequences = true, Bidirectional = true)]
[Dense(3, Activation.Tanh)]
[Flatten]
[Dense(2)]
public partial class ReluRnnNet;

/// <summary>An LSTM whose final state feeds a dense head; six steps of three samples span two tiles of the simulator's products.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6, 4)]
[LSTM(6)]
[Dense(3)]
public partial class LstmNet;

/// <summary>A GRU whose final state feeds a dense head.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6, 4)]
[GRU(6)]
[Dense(3)]
public partial class GruNet;

/// <summary>Stacked recurrent layers: a bidirectional LSTM and a bidirectional GRU returning every step, dropout between them, a dense layer on every step.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(4, 3)]
[LSTM(5, ReturnSequences = true, Bidirectional = true)]
[Dropout(0.25f)]
[GRU(4, ReturnSequences = true, Bidirectional = true)]
[Dense(3, Activation.LeakyReLU, NegativeSlope = 0.1f)]
[Flatten]
[Dense(2, Activation.Sigmoid)]
public partial class StackedRecurrentNet;
