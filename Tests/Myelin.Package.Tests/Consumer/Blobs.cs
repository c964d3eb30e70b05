using Myelin;

/// <summary>Three classes of points in the plane: 2 inputs, one hidden layer, 3 logits.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2)]
[Dense(16, Activation.ReLU)]
[Dense(3)]
public partial class Blobs;
