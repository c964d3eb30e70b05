namespace Myelin.GpuBenchmarks.Networks;

/// <summary>
/// A residual network for MNIST: a stem and three residual blocks of two 3x3 convolutions with batch norm (16 channels,
/// the blocks separated by 2x2 max pooling: 28x28, 14x14, 7x7), global average pooling and a dense head.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false, Name = "stem")]
[BatchNorm2D]
[ReLU(Name = "block0")]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false)]
[BatchNorm2D]
[ReLU]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false)]
[BatchNorm2D(Name = "branch1")]
[Add("block0", "branch1", Activation = Activation.ReLU, Name = "block1")]
[MaxPool2D(2)]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false, Name = "entry2")]
[BatchNorm2D]
[ReLU]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false)]
[BatchNorm2D(Name = "branch2")]
[Add("maxpool1", "branch2", Activation = Activation.ReLU, Name = "block2")]
[MaxPool2D(2)]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false, Name = "entry3")]
[BatchNorm2D]
[ReLU]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false)]
[BatchNorm2D(Name = "branch3")]
[Add("maxpool2", "branch3", Activation = Activation.ReLU, Name = "block3")]
[GlobalAvgPool2D]
[Dense(10)]
public partial class ResidualNet;

/// <summary>One 256 x 256 matrix product (inference): the generated tiled kernel at a size the CPU simulator finishes.</summary>
[Network]
[Input(256)]
[Dense(256, Bias = false)]
public partial class Product256;

/// <summary>One 4096 x 4096 matrix product: at batch 4096, a 4096^3 product (137 GFLOP).</summary>
[Network]
[Input(4096)]
[Dense(4096, Bias = false)]
public partial class Product4096;

/// <summary>One 8192 x 8192 matrix product: at batch 8192, an 8192^3 product (1.1 TFLOP).</summary>
[Network]
[Input(8192)]
[Dense(8192, Bias = false)]
public partial class Product8192;
