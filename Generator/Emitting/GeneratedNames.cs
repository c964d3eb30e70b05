namespace Myelin.Generator.Emitting;

/// <summary>Every identifier and type name the emitters write, in one place.</summary>
internal static class GeneratedNames
{
    // Public constants of every generated network.
    public const string InputSize = "InputSize";
    public const string OutputSize = "OutputSize";
    public const string ParameterCount = "ParameterCount";
    public const string BufferCount = "BufferCount";
    public const string LayerCount = "LayerCount";
    public const string DefaultMaxBatchSize = "DefaultMaxBatchSize";
    public const int DefaultMaxBatchSizeValue = 64;
    public const string NetworkName = "NetworkName";

    // Private state.
    public const string Parameters = "_parameters";
    public const string Gradients = "_gradients";
    public const string Buffers = "_buffers";
    public const string Trainable = "_trainable";
    public const string LowestTrainableOp = "_lowestTrainableOp";
    public const string Capacity = "_capacity";
    public const string LastBatch = "_lastBatch";
    public const string IsTraining = "_isTraining";
    public const string Seed = "_seed";
    public const string Step = "_step";
    public const string TensorTable = "s_tensors";
    public const string LayerTable = "s_layers";
    public const string InputShape = "s_inputShape";
    public const string OutputShape = "s_outputShape";

    // Private methods.
    public const string RunForward = "RunForward";
    public const string RunBackward = "RunBackward";
    public const string CheckBatch = "CheckBatch";
    public const string UpdateLowestTrainableOp = "UpdateLowestTrainableOp";

    // Types, always fully qualified so that user types can never capture them.
    public const string Span = "global::System.Span<float>";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string ReadOnlySpanInt = "global::System.ReadOnlySpan<int>";
    public const string MathF = "global::System.MathF";
    public const string Array = "global::System.Array";
    public const string ReadOnlyList = "global::System.Collections.Generic.IReadOnlyList";
    public const string INetwork = "global::Myelin.INetwork";
    public const string ITrainableNetwork = "global::Myelin.ITrainableNetwork";
    public const string TensorInfo = "global::Myelin.TensorInfo";
    public const string TensorKind = "global::Myelin.TensorKind";
    public const string LayerInfo = "global::Myelin.LayerInfo";
    public const string Loss = "global::Myelin.Loss";
    public const string Init = "global::Myelin.Init";
    public const string LayerKind = "global::Myelin.LayerKind";
    public const string TensorRole = "global::Myelin.TensorRole";
    public const string ParameterInit = "global::Myelin.ParameterInit";
    public const string SeededRandom = "global::Myelin.SeededRandom";
    public const string Guard = "global::Myelin.NetworkGuard";
    public const string Gemm = "global::Myelin.Kernels.Gemm";
    public const string LossKernels = "global::Myelin.Kernels.LossKernels";
    public const string ActivationKernels = "global::Myelin.Kernels.ActivationKernels";
    public const string ConvolutionKernels = "global::Myelin.Kernels.ConvolutionKernels";
    public const string ElementwiseKernels = "global::Myelin.Kernels.ElementwiseKernels";
    public const string PoolingKernels = "global::Myelin.Kernels.PoolingKernels";
    public const string PoolShape = "global::Myelin.Kernels.PoolShape";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";

    // Per-op state, keyed by the op's identifier stem.
    public static string ColumnsField(string op) => Field(op) + "Columns";
    public static string ProductsField(string op) => Field(op) + "Products";
    public static string ColumnGradientField(string op) => Field(op) + "ColumnGradient";
    public static string GeometryField(string op) => "s_" + char.ToLowerInvariant(op[0]) + op.Substring(1) + "Geometry";
    public static string ArgmaxField(string op) => Field(op) + "Argmax";
    public static string MaskField(string op) => Field(op) + "Mask";
    public static string ActiveField(string op) => Field(op) + "WasActive";
    public static string StreamConstant(string op) => op + "Stream";
    public static string NormalizedField(string op) => Field(op) + "Normalized";
    public static string InverseStdField(string op) => Field(op) + "InverseStd";
    public static string UsedBatchStatisticsField(string op) => Field(op) + "UsedBatchStatistics";
    public static string ForwardMethod(string op) => op + "Forward";
    public static string BackwardMethod(string op) => op + "Backward";

    /// <summary>The field holding a work buffer: <c>Dense1Output</c> → <c>_dense1Output</c>.</summary>
    public static string Field(string identifier) => "_" + char.ToLowerInvariant(identifier[0]) + identifier.Substring(1);

    /// <summary>The field holding a work buffer's gradient: <c>_dense1OutputGradient</c>.</summary>
    public static string GradientField(string identifier) => Field(identifier) + "Gradient";

    /// <summary>The per-sample size constant of a work buffer: <c>Dense1OutputSize</c>.</summary>
    public static string SizeConstant(string identifier) => identifier + "Size";
}
