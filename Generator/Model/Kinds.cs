namespace Myelin.Generator.Model;

// These enums mirror the public enums in Myelin.Attributes value for value, so that the generator can read attribute
// arguments without loading that assembly. A test checks that names and values agree.

/// <summary>Mirrors <c>Myelin.Loss</c>.</summary>
internal enum LossKind
{
    None = 0,
    SoftmaxCrossEntropy = 1,
    BinaryCrossEntropy = 2,
    MeanSquaredError = 3,
}

/// <summary>Mirrors <c>Myelin.Activation</c>.</summary>
internal enum ActivationKind
{
    None = 0,
    ReLU = 1,
    LeakyReLU = 2,
    Sigmoid = 3,
    Tanh = 4,
    Softmax = 5,
}

/// <summary>Mirrors <c>Myelin.Init</c>.</summary>
internal enum InitKind
{
    Default = 0,
    KaimingUniform = 1,
    KaimingNormal = 2,
    XavierUniform = 3,
    XavierNormal = 4,
    Zeros = 5,
    Ones = 6,
}

/// <summary>Mirrors <c>Myelin.Padding</c>.</summary>
internal enum PaddingKind
{
    Valid = 0,
    Same = 1,
}

/// <summary>The pooling layers.</summary>
internal enum PoolKind
{
    Max = 0,
    Average = 1,
    GlobalAverage = 2,
}

/// <summary>The recurrent cells, each with PyTorch's gate order: SimpleRNN one block, LSTM i, f, g, o, GRU r, z, n.</summary>
internal enum RecurrentKind
{
    SimpleRNN = 0,
    LSTM = 1,
    GRU = 2,
}
