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

// Transfer learning (the `transfer` command): each pair shares a body whose layers have the SAME explicit names, so
// a checkpoint of the 0–4 network loads into the 5–9 network with strict: false; the heads have different names, so
// their tensors are reported as missing (the new head keeps its fresh initialisation) and unexpected (the old head is
// ignored), as PyTorch's load_state_dict(strict=False) reports them.

/// <summary>An MLP 784-256-128-5 for the digits 0–4 (labels 0 to 4): the network that is pretrained.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU, Name = "body1")]
[Dense(128, Activation.ReLU, Name = "body2")]
[Dense(5, Name = "head04")]
public partial class MlpDigits04;

/// <summary>The same MLP body with a new head for the digits 5–9 (labels 5..9 remapped to 0..4).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU, Name = "body1")]
[Dense(128, Activation.ReLU, Name = "body2")]
[Dense(5, Name = "head59")]
public partial class MlpDigits59;

/// <summary>LeNet-5 (3x3 kernels) for the digits 0–4: the network that is pretrained.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU, Name = "body1")]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU, Name = "body2")]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU, Name = "body3")]
[Dense(5, Name = "head04")]
public partial class LeNetDigits04;

/// <summary>The same LeNet-5 body with a new head for the digits 5–9.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU, Name = "body1")]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU, Name = "body2")]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU, Name = "body3")]
[Dense(5, Name = "head59")]
public partial class LeNetDigits59;
