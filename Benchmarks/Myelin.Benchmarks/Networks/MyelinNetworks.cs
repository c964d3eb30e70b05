namespace Myelin.Benchmarks.Networks;

// The benchmarked networks, the same as Samples/Mnist/Models.cs. LeNet-5 sits in LeNet5Source.cs because the
// generator benchmark also reads that file as text.

/// <summary>The MLP 784-128-10: 101,770 parameters.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class Mlp;

/// <summary>The three-convolution MNIST CNN: 93,322 parameters.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(32, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation.ReLU)]
[Flatten]
[Dense(64, Activation.ReLU)]
[Dense(10)]
public partial class Cnn;

/// <summary>
/// The MNIST CLI's ResNet (Samples/Mnist/Models.cs, MnistResNet): a 16-channel stem and three residual blocks with batch
/// norm, 1x1 projection shortcuts where the size halves, global average pooling and a dense head. 77,754 parameters.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false, Name = "stem")]
[BatchNorm2D(Name = "stem_bn")] [ReLU(Name = "block1_in")]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false, Name = "block1_conv1")] [BatchNorm2D(Name = "block1_bn1")] [ReLU]
[Conv2D(16, 3, Padding = Padding.Same, Bias = false, Name = "block1_conv2")] [BatchNorm2D(Name = "block1_bn2")]
[Add("block1_in", "block1_bn2", Activation = Activation.ReLU, Name = "block1_out")]
[Conv2D(32, 3, Stride = 2, PaddingSize = 1, Bias = false, Name = "block2_conv1")] [BatchNorm2D(Name = "block2_bn1")] [ReLU]
[Conv2D(32, 3, Padding = Padding.Same, Bias = false, Name = "block2_conv2")] [BatchNorm2D(Name = "block2_bn2")]
[Conv2D(32, 1, Stride = 2, Bias = false, From = "block1_out", Name = "block2_shortcut")] [BatchNorm2D(Name = "block2_shortcut_bn")]
[Add("block2_bn2", "block2_shortcut_bn", Activation = Activation.ReLU, Name = "block2_out")]
[Conv2D(64, 3, Stride = 2, PaddingSize = 1, Bias = false, Name = "block3_conv1")] [BatchNorm2D(Name = "block3_bn1")] [ReLU]
[Conv2D(64, 3, Padding = Padding.Same, Bias = false, Name = "block3_conv2")] [BatchNorm2D(Name = "block3_bn2")]
[Conv2D(64, 1, Stride = 2, Bias = false, From = "block2_out", Name = "block3_shortcut")] [BatchNorm2D(Name = "block3_shortcut_bn")]
[Add("block3_bn2", "block3_shortcut_bn", Activation = Activation.ReLU, Name = "block3_out")]
[GlobalAvgPool2D(Name = "pool")]
[Dense(10, Name = "head")]
public partial class ResNet;
