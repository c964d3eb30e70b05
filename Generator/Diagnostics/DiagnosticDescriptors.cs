using Myelin.Generator.Model;

namespace Myelin.Generator.Diagnostics;

/// <summary>
/// Every diagnostic Myelin reports: one catalog, IDs from MYL0001 up, each documented in docs/diagnostics.md (the help
/// link) and recorded in AnalyzerReleases.Unshipped.md. Errors are for networks that cannot be generated; warnings for
/// declarations that are valid but almost certainly not meant; Info marks a correct but slower plan. The entries are
/// plain values (<see cref="DiagnosticDefinition"/>), so the Planner can report them without touching Roslyn;
/// <see cref="RoslynDiagnostics"/> turns them into Roslyn descriptors at the output.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "Myelin";

    /// <summary>Where the help links point; each ID is an anchor in that page.</summary>
    public const string HelpBase = "https://github.com/myelin-nn/myelin/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDefinition NotPartial = Error("MYL0001",
        "Network class must be partial",
        "The network class '{0}' must be declared partial so that Myelin can add the generated members");

    public static readonly DiagnosticDefinition Generic = Error("MYL0002",
        "Network class must not be generic",
        "The network class '{0}' must not be generic: Myelin fixes its shapes at compile time");

    public static readonly DiagnosticDefinition NestedInNonPartial = Error("MYL0003",
        "Containing type must be partial",
        "The network class '{0}' is nested in '{1}', which must also be declared partial");

    public static readonly DiagnosticDefinition MissingInput = Error("MYL0004",
        "Network has no input",
        "The network '{0}' has no [Input] attribute; declare the shape of one sample, e.g. [Input(784)] or [Input(1, 28, 28)]");

    public static readonly DiagnosticDefinition NonPositiveSize = Error("MYL0005",
        "Size must be positive",
        "{0} '{1}': {2} must be positive, but is {3}");

    public static readonly DiagnosticDefinition NoLayers = Error("MYL0006",
        "Network has no layers",
        "The network '{0}' has no layers after its [Input]; add at least one layer attribute such as [Dense(10)]");

    public static readonly DiagnosticDefinition InputRank = Error("MYL0007",
        "Input must have one to three sizes",
        "[Input] must give one to three sizes (features; steps and features for a sequence; or channels, height and width), but gives {0}");

    public static readonly DiagnosticDefinition NeedsFlatInput = Error("MYL0008",
        "Layer needs a 1-D input",
        "{0} '{1}' needs a 1-D input, but '{2}' produces {3}; add [Flatten] before it");

    public static readonly DiagnosticDefinition NeedsImageInput = Error("MYL0009",
        "Layer needs a channels x height x width input",
        "{0} '{1}' needs a channels x height x width input, but '{2}' produces {3}");

    public static readonly DiagnosticDefinition LossOutputMismatch = Error("MYL0010",
        "Loss does not fit the network's output",
        "{0} does not fit the output of '{1}': {2}");

    public static readonly DiagnosticDefinition DuplicateLayerName = Error("MYL0011",
        "Layer name is not unique",
        "Layer name '{0}' is not unique: {1}; names must be unique because they name parameters in checkpoints and generated members");

    public static readonly DiagnosticDefinition InvalidLayerName = Error("MYL0012",
        "Layer name is not valid",
        "Layer name '{0}' is not valid: use letters, digits, '_' and '.', with a dot neither first, last nor doubled");

    public static readonly DiagnosticDefinition UnknownEnumValue = Error("MYL0013",
        "Unknown enum value",
        "{0} '{1}': {2} is not a known {3} value");

    public static readonly DiagnosticDefinition ValueOutOfRange = Error("MYL0014",
        "Value out of range",
        "{0} '{1}': {2} must be {3}, but is {4}");

    public static readonly DiagnosticDefinition LayersOnSeveralDeclarations = Error("MYL0015",
        "Layers are split across partial declarations",
        "The layers of '{0}' are declared on more than one partial declaration; put them all on one so that their order is defined");

    public static readonly DiagnosticDefinition UnsupportedClassKind = Error("MYL0016",
        "Network class must be a plain class",
        "The network class '{0}' must not be {1}");

    public static readonly DiagnosticDefinition UnknownLayer = Error("MYL0017",
        "Unknown layer attribute",
        "'{0}' derives from LayerAttribute but is not a layer Myelin can generate");

    public static readonly DiagnosticDefinition PrimaryConstructor = Error("MYL0018",
        "Network class has a primary constructor",
        "The network class '{0}' must not have a primary constructor: Myelin generates its constructors (seed, maxBatchSize)");

    public static readonly DiagnosticDefinition ClassNameIsMember = Error("MYL0019",
        "Network class name collides with a generated member",
        "The network class '{0}' has the name of a member Myelin generates for it; rename the class");

    public static readonly DiagnosticDefinition KernelTooLarge = Error("MYL0020",
        "Kernel does not fit its input",
        "{0} '{1}': {2}x{2} kernel does not fit the {3} input produced by '{4}'");

    public static readonly DiagnosticDefinition OutputNotPositive = Error("MYL0021",
        "Layer output would be empty",
        "{0} '{1}': with kernel {2}, stride {3} and padding {4}, the {5} input produced by '{6}' gives an output of {7}");

    public static readonly DiagnosticDefinition BatchNormDimensions = Error("MYL0022",
        "Batch norm of the wrong dimensionality",
        "{0} '{1}' normalises {2}, but '{3}' produces {4}; use {5}");

    public static readonly DiagnosticDefinition SamePaddingWithStride = Error("MYL0023",
        "Same padding needs stride 1",
        "Conv2D '{0}': Padding.Same needs stride 1 (as in PyTorch), but the stride is {1}; use an explicit PaddingSize");

    public static readonly DiagnosticDefinition PaddingConflict = Error("MYL0024",
        "Padding given twice",
        "Conv2D '{0}': set Padding.Same or PaddingSize = {1}, not both");

    public static readonly DiagnosticDefinition TooLarge = Error("MYL0025",
        "Network too large",
        "{0} '{1}': {2} would hold {3} values, more than the {4} a .NET array can index");

    public static readonly DiagnosticDefinition UnknownInputName = Error("MYL0026",
        "Layer reads an unknown layer",
        "{0} '{1}' reads '{2}', but no layer has that name{3}");

    public static readonly DiagnosticDefinition LaterInputName = Error("MYL0027",
        "Layer reads a later layer",
        "{0} '{1}' reads '{2}', which is declared after it; a layer can only read earlier layers or 'input', so that the network is an acyclic graph");

    public static readonly DiagnosticDefinition AddShapeMismatch = Error("MYL0028",
        "Add inputs differ in shape",
        "Add '{0}': '{1}' produces {2} but '{3}' produces {4}; every input of Add must have the same shape");

    public static readonly DiagnosticDefinition ConcatShapeMismatch = Error("MYL0029",
        "Concat inputs do not line up",
        "Concat '{0}': '{1}' produces {2} but '{3}' produces {4}; {5}");

    public static readonly DiagnosticDefinition TooFewMergeInputs = Error("MYL0030",
        "Merge needs at least two inputs",
        "{0} '{1}' needs at least two inputs, but names {2}");

    public static readonly DiagnosticDefinition FromOnMerge = Error("MYL0031",
        "Merge layer with From",
        "{0} '{1}' takes its inputs from its arguments, so From = \"{2}\" has no meaning; name every input in the attribute's arguments");

    public static readonly DiagnosticDefinition RecordNetwork = Error("MYL0032",
        "Network must not be a record",
        "The network '{0}' is declared as a record; declare it as a class, because a network owns mutable weights and buffers that a record's copies ('with') and value equality would share or compare");

    public static readonly DiagnosticDefinition MemberCollision = Error("MYL0033",
        "Member collides with a generated member",
        "The {0} collides with the {1} that Myelin generates for the network '{2}'; rename it");

    public static readonly DiagnosticDefinition NeedsSequenceInput = Error("MYL0034",
        "Recurrent layer needs a sequence",
        "{0} '{1}' reads a sequence of steps x features, but '{2}' produces {3}; {4}");

    public static readonly DiagnosticDefinition SequenceNotSupported = Error("MYL0035",
        "Layer cannot take a sequence",
        "{0} '{1}' cannot take the sequence {2} produced by '{3}'; {4}");

    public static readonly DiagnosticDefinition NotInt8 = Error("MYL0040",
        "Layer cannot run in int8",
        "{0} '{1}' cannot run in int8, which Int8 = true asks for: {2}");

    public static readonly DiagnosticDefinition UnusedLayer = Warning("MYL0102",
        "Layer output is never used",
        "The output of {0} '{1}' is read by no later layer and is not the network's output, so it is not computed; read it with From or a merge layer, or remove the layer");

    public static readonly DiagnosticDefinition NoGpuNetwork = Info("MYL0103",
        "No GPU network for a layer without GPU kernels",
        "'{0}' gets no GPU network ('{0}.Gpu') because the GPU backend has no kernels for {1} '{2}'; the network runs on its CPU class only");

    public static readonly DiagnosticDefinition UnfusedActivation = Info("MYL0100",
        "Activation runs as its own pass",
        "'{0}' runs as its own pass because '{1}' {2}");

    public static readonly DiagnosticDefinition SoftmaxJacobian = Info("MYL0101",
        "Softmax is not fused with a cross-entropy loss",
        "Softmax '{0}' is not absorbed by a cross-entropy loss, so its backward pass multiplies by the softmax Jacobian");

    public static readonly DiagnosticDefinition InternalError = Error("MYL0999",
        "Internal generator error",
        "Myelin's generator failed on '{0}': {1}. This is a bug in Myelin; please report it with the network's declaration.");

    private static DiagnosticDefinition Error(string id, string title, string message) => new(id, title, message, DiagnosticLevel.Error);

    private static DiagnosticDefinition Warning(string id, string title, string message) => new(id, title, message, DiagnosticLevel.Warning);

    private static DiagnosticDefinition Info(string id, string title, string message) => new(id, title, message, DiagnosticLevel.Info);
}
