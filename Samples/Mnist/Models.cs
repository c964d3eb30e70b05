namespace Myelin.Samples.Mnist;

/// <summary>The MLP 784-128-10.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class MnistMlp;

/// <summary>LeNet-5 with 3x3 kernels.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
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
public partial class MnistCnn;

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
