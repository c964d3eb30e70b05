namespace Myelin.Generator.Model;

/// <summary>
/// The identifiers and type names the int8 printer writes, beside <see cref="GeneratedNames"/>: the nested class that
/// holds a network's int8 twin, and the runtime types it calls.
/// </summary>
internal static class Int8Names
{
    /// <summary>The nested class holding the int8 network: <c>MnistCnn.Int8</c>.</summary>
    public const string Class = "Int8";

    /// <summary>The file-local class holding a network's calibration names: <c>MnistCnnInt8Tables</c>.</summary>
    public static string TablesClass(string className) => className + "Int8Tables";

    public const string IQuantizable = "global::Myelin.Quantization.IQuantizable";
    public const string IInt8Network = "global::Myelin.Quantization.IInt8Network";
    public const string CalibrationObserver = "global::Myelin.Quantization.CalibrationObserver";
    public const string QuantizedTensorInfo = "global::Myelin.Quantization.QuantizedTensorInfo";
    public const string QuantizedTensorKind = "global::Myelin.Quantization.QuantizedTensorKind";
    public const string QuantizedState = "global::Myelin.Quantization.QuantizedState";
    public const string Int8Kernels = "global::Myelin.Kernels.Int8Kernels";
    public const string Int8Layers = "global::Myelin.Kernels.Int8Layers";
    public const string Int8Gemm = "global::Myelin.Kernels.Int8Gemm";
    public const string ConvolutionShape = "global::Myelin.Kernels.ConvolutionShape";
    public const string ByteSpan = "global::System.Span<sbyte>";
    public const string ReadOnlyByteSpan = "global::System.ReadOnlySpan<sbyte>";

    // Private state of the int8 class.
    public const string Int8State = "_int8State";
    public const string FloatState = "_floatState";
    public const string HasState = "_hasState";
    public const string Input = "_input";
    public const string Prepare = "Prepare";
    public const string RequireState = "RequireState";

    // Per-op derived arrays, keyed by the op's identifier stem.
    public static string Packed(string op) => GeneratedNames.Field(op) + "Packed";
    public static string Sums(string op) => GeneratedNames.Field(op) + "Sums";
    public static string ChannelScale(string op) => GeneratedNames.Field(op) + "ChannelScale";
    public static string ChannelShift(string op) => GeneratedNames.Field(op) + "ChannelShift";
    public static string InverseOutputScale(string op) => GeneratedNames.Field(op) + "InverseOutputScale";
    public static string Table(string op) => GeneratedNames.Field(op) + "Table";
    public static string Sum(string op) => GeneratedNames.Field(op) + "Sum";
    public static string Ratio(string op, int input) => GeneratedNames.Field(op) + "Ratio" + input.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A float value's own array: <c>_dense2OutputFloats</c>.</summary>
    public static string FloatValue(string value) => GeneratedNames.Field(value) + "Floats";

    /// <summary>The offset constant of a state tensor: <c>Conv1WeightAt</c>.</summary>
    public static string At(string identifier) => identifier + "At";

    /// <summary>The length constant of a state tensor: <c>Conv1WeightLength</c>.</summary>
    public static string Length(string identifier) => identifier + "Length";
}
