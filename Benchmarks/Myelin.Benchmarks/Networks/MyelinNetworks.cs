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

