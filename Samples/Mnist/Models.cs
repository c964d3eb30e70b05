namespace Myelin.Samples.Mnist;

// The MLP, LeNet-5 and the CNN also get int8 code (Int8 = true): the 'quantize' command turns a trained checkpoint into
// an int8 one, which 'evaluate' runs.

/// <summary>The MLP 784-128-10.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class MnistMlp;

/// <summary>LeNet-5 with 3x3 kernels.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU)]
[Dense(10)]
public partial class LeNet5;

/// <summary>The three-convolution CNN.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
[Input(1, 28, 28)]
[Conv2D(32, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation.ReLU)]
[Flatten]
[Dense(64, Activation.ReLU)]
[Dense(10)]
public partial class MnistCnn;

/// <summary>
/// A small ResNet: a 16-channel stem and three residual blocks (16 channels at 28x28, 32 at 14x14, 64 at 7x7), each two
/// 3x3 convolutions with batch norm, the sum with its shortcut through a fused ReLU; the blocks that halve the size
/// and widen take a strided 1x1 projection shortcut. Global average pooling and a dense head. 78k parameters.
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
public partial class MnistResNet;

/// <summary>
/// Sequential MNIST with an LSTM: each digit is read as 28 rows of 28 pixels, one row per step; the final hidden state
/// of an LSTM(128) feeds a linear head. PyTorch's <c>nn.LSTM(28, 128, batch_first=True)</c> and <c>nn.Linear(128, 10)</c>.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(28, 28)]
[LSTM(128)]
[Dense(10)]
public partial class MnistLstm;

/// <summary>Sequential MNIST with a GRU(128), as <see cref="MnistLstm"/>: PyTorch's <c>nn.GRU(28, 128, batch_first=True)</c>.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(28, 28)]
[GRU(128)]
[Dense(10)]
public partial class MnistGru;

// Transfer learning (the `transfer` command). Each pair shares a body, the feature layers, whose layers have the SAME
// explicit names, so a checkpoint of the 0–4 network loads into the 5–9 network with strict: false. The heads (a
// hidden dense layer and the 5-way output) have different names, so their tensors are reported as missing (the new
// head keeps its fresh initialisation) and unexpected (the old head is ignored), as PyTorch's
// load_state_dict(strict=False) reports them.

/// <summary>An MLP for the digits 0–4 (labels 0 to 4), the network that is pretrained: body 784-256, head 256-128-5.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU, Name = "body1")]
[Dense(128, Activation.ReLU, Name = "head04_hidden")]
[Dense(5, Name = "head04_out")]
public partial class MlpDigits04;

/// <summary>The same MLP body with a new head for the digits 5–9 (labels 5..9 remapped to 0..4).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU, Name = "body1")]
[Dense(128, Activation.ReLU, Name = "head59_hidden")]
[Dense(5, Name = "head59_out")]
public partial class MlpDigits59;

/// <summary>LeNet-5 (3x3 kernels) for the digits 0–4, the network that is pretrained: the two convolutions are the body, the dense layers the head.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU, Name = "body1")]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU, Name = "body2")]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU, Name = "head04_hidden")]
[Dense(5, Name = "head04_out")]
public partial class LeNetDigits04;

/// <summary>The same LeNet-5 convolutional body with a new head for the digits 5–9.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU, Name = "body1")]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU, Name = "body2")]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU, Name = "head59_hidden")]
[Dense(5, Name = "head59_out")]
public partial class LeNetDigits59;
