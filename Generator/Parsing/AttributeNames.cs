namespace Myelin.Generator.Parsing;

/// <summary>The metadata names of the attributes in Myelin.Attributes, and the defaults of their optional settings.</summary>
internal static class AttributeNames
{
    public const string Network = "Myelin.NetworkAttribute";
    public const string Input = "Myelin.InputAttribute";
    public const string LayerBase = "Myelin.LayerAttribute";
    public const string Dense = "Myelin.DenseAttribute";
    public const string Flatten = "Myelin.FlattenAttribute";
    public const string ReLU = "Myelin.ReLUAttribute";
    public const string LeakyReLU = "Myelin.LeakyReLUAttribute";
    public const string Sigmoid = "Myelin.SigmoidAttribute";
    public const string Tanh = "Myelin.TanhAttribute";
    public const string Softmax = "Myelin.SoftmaxAttribute";
    public const string Conv2D = "Myelin.Conv2DAttribute";
    public const string MaxPool2D = "Myelin.MaxPool2DAttribute";
    public const string AvgPool2D = "Myelin.AvgPool2DAttribute";
    public const string GlobalAvgPool2D = "Myelin.GlobalAvgPool2DAttribute";
    public const string Dropout = "Myelin.DropoutAttribute";
    public const string BatchNorm1D = "Myelin.BatchNorm1DAttribute";
    public const string BatchNorm2D = "Myelin.BatchNorm2DAttribute";
    public const string Add = "Myelin.AddAttribute";
    public const string Concat = "Myelin.ConcatAttribute";
    public const string SimpleRNN = "Myelin.SimpleRNNAttribute";
    public const string LSTM = "Myelin.LSTMAttribute";
    public const string GRU = "Myelin.GRUAttribute";

    // Property defaults, as set in the attribute classes (a test checks that they agree).
    public const bool DefaultBias = true;
    public const float DefaultNegativeSlope = 0.01f;
    public const int DefaultStride = 1;
    public const float DefaultMomentum = 0.1f;
    public const float DefaultEpsilon = 1e-5f;
}
