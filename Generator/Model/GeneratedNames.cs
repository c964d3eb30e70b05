using System.Collections.Generic;

namespace Myelin.Generator.Model;

/// <summary>
/// Every identifier and type name the emitters write, in one place, shared by the Planner (which checks them for
/// collisions) and the emitters (which print them).
/// </summary>
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
    public const string ForwardFlopsPerSample = "ForwardFlopsPerSample";
    public const string TrainingFlopsPerSample = "TrainingFlopsPerSample";
    public const string NetworkName = "NetworkName";
    public const string ArenaSize = "ArenaSize";

    // Private state.
    public const string Parameters = "_parameters";
    public const string Gradients = "_gradients";
    public const string Buffers = "_buffers";
    public const string Arena = "_arena";
    public const string Trainable = "_trainable";
    public const string InputNeedsGradient = "_inputNeedsGradient";
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
    public const string LossPass = "RunLoss";
    public const string CheckBatch = "CheckBatch";
    public const string UpdateGradientNeeds = "UpdateGradientNeeds";

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
    public const string GraphKernels = "global::Myelin.Kernels.GraphKernels";
    public const string PoolingKernels = "global::Myelin.Kernels.PoolingKernels";
    public const string PoolShape = "global::Myelin.Kernels.PoolShape";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";

    /// <summary>Members every network gets, whatever its layers (constructors are checked separately).</summary>
    public static readonly string[] FixedMembers =
    {
        InputSize, OutputSize, ParameterCount, BufferCount, LayerCount, DefaultMaxBatchSize, ForwardFlopsPerSample, TrainingFlopsPerSample,
        NetworkName, ArenaSize, InputShape, OutputShape, TensorTable, LayerTable, Parameters, Buffers, Arena, Capacity, LastBatch, IsTraining,
        Seed, Step, "InputShape", "OutputShape", "MaxBatchSize", "Layers", "Tensors", "Parameters", "Buffers", "IsTraining",
        "RandomState", "EnsureBatchCapacity", "InitializeParameters", "Forward", CheckBatch, RunForward,
        // The nested device class the GPU emitter writes when the project references Myelin.Gpu: reserved always, so
        // adding that reference never turns a user member into a compile error.
        GpuClass,
    };

    /// <summary>Members only trainable networks get.</summary>
    public static readonly string[] TrainableMembers =
    {
        Gradients, Trainable, InputNeedsGradient, "Loss", "OutputActivation", "Gradients", "Outputs", "IsTrainable",
        "SetTrainable", UpdateGradientNeeds, "ForwardBackward", "ComputeLoss", RunBackward, LossPass,
    };

    private const string Inputs = "System.ReadOnlySpan<float>";
    private const string Labels = "System.ReadOnlySpan<int>";
    private const string Outputs = "System.Span<float>";

    /// <summary>
    /// The parameter types of each public generated method, as the Parser writes a user method's: a user method of the
    /// same name with other parameters is a legal overload, one with the same parameters is a collision.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> PublicMethodSignatures = new Dictionary<string, string[]>
    {
        ["Forward"] = new[] { $"{Inputs},{Outputs}", $"{Inputs},{Outputs},int" },
        ["ForwardBackward"] = new[] { $"{Inputs},{Labels},int", $"{Inputs},{Inputs},int", $"{Inputs},{Labels},int,{Outputs}", $"{Inputs},{Inputs},int,{Outputs}" },
        ["ComputeLoss"] = new[] { $"{Inputs},{Labels},int", $"{Inputs},{Inputs},int" },
        ["EnsureBatchCapacity"] = new[] { "int" },
        ["InitializeParameters"] = new[] { "int" },
        ["IsTrainable"] = new[] { "int" },
        ["SetTrainable"] = new[] { "int,bool" },
    };

    /// <summary>The parameter types of the generated constructors: <c>()</c> and <c>(int seed, int maxBatchSize)</c>.</summary>
    public static readonly string[] ConstructorSignatures = { "", "int,int" };

    // Per-op state, keyed by the op's identifier stem.
    public static string InputGradientField(string op) => Field(op) + "InputGradient";
    public static string InputGradientSize(string op) => op + "InputGradientSize";
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

    // Per-value members, keyed by the value's identifier stem (e.g. Conv1Output).

    /// <summary>The private view of a value in the arena: <c>Conv1Output</c>.</summary>
    public static string ValueView(string value) => value;

    /// <summary>The private view of a value's gradient in the arena: <c>Conv1OutputGradient</c>.</summary>
    public static string GradientView(string value) => value + "Gradient";

    /// <summary>The per-sample size constant of a value: <c>Conv1OutputSize</c>.</summary>
    public static string SizeConstant(string value) => value + "Size";

    /// <summary>The per-sample arena offset of a value: <c>Conv1OutputAt</c>.</summary>
    public static string OffsetConstant(string value) => value + "At";

    /// <summary>The per-sample arena offset of a value's gradient: <c>Conv1OutputGradientAt</c>.</summary>
    public static string GradientOffsetConstant(string value) => value + "GradientAt";

    /// <summary>The flag saying whether a value's gradient is needed now: <c>_conv1OutputNeedsGradient</c>.</summary>
    public static string NeedsGradientField(string value) => Field(value) + "NeedsGradient";

    /// <summary>A private field for an identifier stem: <c>Dense1Output</c> → <c>_dense1Output</c>.</summary>
    public static string Field(string identifier) => "_" + char.ToLowerInvariant(identifier[0]) + identifier.Substring(1);

    /// <summary>An identifier as C# source: keywords get an '@' (<c>class</c> → <c>@class</c>).</summary>
    public static string Escape(string identifier) => Keywords.Contains(identifier) ? "@" + identifier : identifier;

    /// <summary>C#'s reserved keywords (contextual keywords are valid identifiers and need no '@').</summary>
    private static readonly HashSet<string> Keywords = new(System.StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    // ---- The GPU network, emitted when the compilation references Myelin.Gpu ----

    /// <summary>The assembly whose reference turns GPU emission on.</summary>
    public const string GpuAssembly = "Myelin.Gpu";

    /// <summary>The nested class holding the device network: <c>MnistMlp.Gpu</c>.</summary>
    public const string GpuClass = "Gpu";

    public const string DeviceNetwork = "global::Myelin.Gpu.DeviceNetwork";
    public const string DeviceNetworkLayout = "global::Myelin.Gpu.DeviceNetworkLayout";
    public const string GpuDevice = "global::Myelin.Gpu.GpuDevice";
    public const string DeviceRandom = "global::Myelin.Gpu.DeviceRandom";
    public const string GroupReduce = "global::Myelin.Gpu.GroupReduce";
    public const string IDeviceTrainableNetwork = "global::Myelin.IDeviceTrainableNetwork";
    public const string IDeviceOptimizerState = "global::Myelin.IDeviceOptimizerState";
    public const string DeviceOptimizerStep = "global::Myelin.DeviceOptimizerStep";
    public const string DeviceOptimizerKind = "global::Myelin.DeviceOptimizerKind";
    // ILGPU's types through file-level aliases of the GPU source (see GpuAliases): short, and prefixed so that no user type
    // in the network's namespace can capture them.
    public const string FloatView = "GpuFloats";
    public const string IntView = "GpuInts";
    public const string DoubleView = "GpuDoubles";
    public const string Index1D = "GpuIndex";
    public const string KernelConfig = "GpuLaunch";
    public const string Group = "GpuGroup";
    public const string Grid = "GpuGrid";
    public const string SharedMemory = "GpuShared";
    public const string KernelLoaders = "GpuLoaders";

    /// <summary>The using aliases at the top of every GPU source file.</summary>
    public static readonly (string Alias, string Type)[] GpuAliases =
    {
        (FloatView, "global::ILGPU.ArrayView<float>"),
        (IntView, "global::ILGPU.ArrayView<int>"),
        (DoubleView, "global::ILGPU.ArrayView<double>"),
        (Index1D, "global::ILGPU.Index1D"),
        (KernelConfig, "global::ILGPU.KernelConfig"),
        (Group, "global::ILGPU.Group"),
        (Grid, "global::ILGPU.Grid"),
        (SharedMemory, "global::ILGPU.SharedMemory"),
        (KernelLoaders, "global::ILGPU.Runtime.KernelLoaders"),
    };

    public const string Action = "global::System.Action";
    public const string DeviceLayoutField = "s_deviceLayout";

    /// <summary>The file-local class of a network's kernels: <c>MnistMlpGpuKernels</c>.</summary>
    public static string KernelsClass(string className) => className + "GpuKernels";

    /// <summary>The field holding a loaded kernel: <c>Dense1Forward</c> → <c>_dense1ForwardKernel</c>.</summary>
    public static string KernelField(string kernel) => Field(kernel) + "Kernel";

    /// <summary>A batch-norm op's per-channel mean and 1/sigma of the last forward pass, on the device: <c>_bn1Statistics</c>.</summary>
    public static string StatisticsField(string op) => Field(op) + "Statistics";

    /// <summary>A batch-norm op's per-channel sums of dz and dz x-hat of the last backward pass: <c>_bn1GradientSums</c>.</summary>
    public static string GradientSumsField(string op) => Field(op) + "GradientSums";

    /// <summary>A convolution's copy of its input, kept for the backward pass: <c>_conv2SavedInput</c>.</summary>
    public static string SavedInputField(string op) => Field(op) + "SavedInput";

    /// <summary>A convolution's split-K partial weight gradients: <c>_conv2WeightPartials</c>.</summary>
    public static string PartialsField(string op) => Field(op) + "WeightPartials";
}
