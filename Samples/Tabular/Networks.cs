namespace Myelin.Samples.Tabular;

// The networks this app can train. A network's input width and output width are compile-time constants: the
// generator specialises every loop and buffer to them. So instead of one network for "any CSV", the app has a small
// catalogue (ModelCatalog.cs) of MLPs for the shapes of common tabular datasets, picks the one that fits the file, and
// says which declaration to add when none does.

/// <summary>4 features, 3 classes: iris.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3)]
public partial class Classifier4x3;

/// <summary>13 features, 3 classes: wine.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(13)]
[Dense(32, Activation.ReLU)]
[Dense(3)]
public partial class Classifier13x3;

/// <summary>64 features, 10 classes: the 8x8 digits.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(64, Activation.ReLU)]
[Dense(10)]
public partial class Classifier64x10;

/// <summary>8 features, 2 classes (one logit, binary cross-entropy): Pima Indians diabetes.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(8)]
[Dense(32, Activation.ReLU)]
[Dense(1)]
public partial class Binary8;

/// <summary>30 features, 2 classes (one logit, binary cross-entropy): breast cancer.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(30)]
[Dense(32, Activation.ReLU)]
[Dense(1)]
public partial class Binary30;

/// <summary>8 features, one target: California housing.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8)]
[Dense(64, Activation.ReLU)]
[Dense(1)]
public partial class Regressor8;

/// <summary>10 features, one target: diabetes progression.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(10)]
[Dense(64, Activation.ReLU)]
[Dense(1)]
public partial class Regressor10;

/// <summary>13 features, one target: Boston-style house prices.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(64, Activation.ReLU)]
[Dense(1)]
public partial class Regressor13;
