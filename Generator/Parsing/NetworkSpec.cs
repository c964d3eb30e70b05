using System.Linq;
using Myelin.Generator.Model;

namespace Myelin.Generator.Parsing;

// The Parser's output: the network exactly as written, with no shapes or decisions yet. These records are the first
// cache boundary of the pipeline, so they hold only primitives, value records and EquatableArray, never a symbol, a
// syntax node or a Location.

/// <summary>A type that contains the network class, outermost first, as it must be re-declared around the generated part.</summary>
internal sealed record ContainingTypeInfo(string Keyword, string Name);

/// <summary>A <c>[Network]</c> class as declared.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    string Keyword,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    LossKind Loss,
    LocationInfo? NetworkLocation,
    LocationInfo? ClassLocation,
    EquatableArray<int> InputShape,
    LocationInfo? InputLocation,
    EquatableArray<LayerSpec> Layers)
{
    /// <summary>The names of the members the user declared in the class, to check against the generated ones.</summary>
    public EquatableArray<UserMember> UserMembers { get; init; } = EquatableArray<UserMember>.Empty;

    /// <summary>Whether <c>[Network(Int8 = true)]</c> asks for the int8 inference code too.</summary>
    public bool Int8 { get; init; }

    /// <summary>The fully qualified name users see in messages, e.g. <c>Demo.Models.MnistMlp</c>.</summary>
    public string DisplayName => string.Join(".", new[] { Namespace }.Concat(ContainingTypes.Select(t => t.Name)).Concat(new[] { ClassName }).Where(n => n is not null));
}

/// <summary>
/// A member the user declared in the network class (not an implicit one): its name, what it is, where, and for
/// methods and constructors the parameter types (<c>int,int</c>), since an overload with other parameters is legal.
/// </summary>
internal sealed record UserMember(string Name, string Kind, string? Parameters, LocationInfo? Location);

/// <summary>One layer attribute as written. <see cref="Name"/> is null when the user gave none.</summary>
internal abstract record LayerSpec(string? Name, LocationInfo? Location)
{
    /// <summary>The layer named by <c>From</c>, or null to read the layer written before (the default).</summary>
    public string? From { get; init; }

    /// <summary>
    /// The layers this layer reads, as written: the one <see cref="From"/> names, or none (meaning the previous layer).
    /// Merge layers override this with their argument list.
    /// </summary>
    public virtual EquatableArray<string> NamedInputs => From is null ? EquatableArray<string>.Empty : EquatableArray.Create(From);

    /// <summary>The layer kind as users write it, e.g. <c>Dense</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The prefix of generated names, e.g. <c>dense</c> for <c>dense1</c>.</summary>
    public abstract string NamePrefix { get; }
}

internal sealed record DenseSpec(
    string? Name, LocationInfo? Location, int Units, ActivationKind Activation, float NegativeSlope, bool Bias,
    InitKind WeightInit, InitKind BiasInit) : LayerSpec(Name, Location)
{
    public override string Kind => "Dense";
    public override string NamePrefix => "dense";
}

internal sealed record FlattenSpec(string? Name, LocationInfo? Location) : LayerSpec(Name, Location)
{
    public override string Kind => "Flatten";
    public override string NamePrefix => "flatten";
}

/// <summary>A stand-alone activation layer: <c>[ReLU]</c>, <c>[LeakyReLU]</c>, <c>[Sigmoid]</c>, <c>[Tanh]</c> or <c>[Softmax]</c>.</summary>
internal sealed record ActivationSpec(string? Name, LocationInfo? Location, ActivationKind Activation, float NegativeSlope) : LayerSpec(Name, Location)
{
    public override string Kind => Activation.ToString();
    public override string NamePrefix => Activation.ToString().ToLowerInvariant();
}

internal sealed record Conv2DSpec(
    string? Name, LocationInfo? Location, int Filters, int KernelSize, ActivationKind Activation, int Stride,
    PaddingKind Padding, int PaddingSize, bool Bias, float NegativeSlope, InitKind WeightInit, InitKind BiasInit)
    : LayerSpec(Name, Location)
{
    public override string Kind => "Conv2D";
    public override string NamePrefix => "conv";
}

internal sealed record PoolSpec(string? Name, LocationInfo? Location, PoolKind Pool, int KernelSize, int Stride) : LayerSpec(Name, Location)
{
    public override string Kind => Pool switch
    {
        PoolKind.Max => "MaxPool2D",
        PoolKind.Average => "AvgPool2D",
        _ => "GlobalAvgPool2D",
    };

    public override string NamePrefix => Pool switch
    {
        PoolKind.Max => "maxpool",
        PoolKind.Average => "avgpool",
        _ => "globalavgpool",
    };
}

internal sealed record DropoutSpec(string? Name, LocationInfo? Location, float Rate) : LayerSpec(Name, Location)
{
    public override string Kind => "Dropout";
    public override string NamePrefix => "dropout";
}

/// <summary><c>[BatchNorm1D]</c> (<see cref="Dimensions"/> 1) or <c>[BatchNorm2D]</c> (2).</summary>
internal sealed record BatchNormSpec(string? Name, LocationInfo? Location, int Dimensions, float Momentum, float Epsilon) : LayerSpec(Name, Location)
{
    public override string Kind => Dimensions == 1 ? "BatchNorm1D" : "BatchNorm2D";
    public override string NamePrefix => "bn";
}

/// <summary><c>[Add("a", "b", ...)]</c>: the element-wise sum of its inputs, with an optional fused activation.</summary>
internal sealed record AddSpec(string? Name, LocationInfo? Location, EquatableArray<string> Inputs, ActivationKind Activation, float NegativeSlope)
    : LayerSpec(Name, Location)
{
    public override string Kind => "Add";
    public override string NamePrefix => "add";
    public override EquatableArray<string> NamedInputs => Inputs;
}

/// <summary><c>[Concat("a", "b", ...)]</c>: its inputs joined along channels (images) or features (vectors).</summary>
internal sealed record ConcatSpec(string? Name, LocationInfo? Location, EquatableArray<string> Inputs) : LayerSpec(Name, Location)
{
    public override string Kind => "Concat";
    public override string NamePrefix => "concat";
    public override EquatableArray<string> NamedInputs => Inputs;
}

/// <summary>
/// <c>[SimpleRNN(units, activation)]</c>, <c>[LSTM(units)]</c> or <c>[GRU(units)]</c>, with <c>ReturnSequences</c> and
/// <c>Bidirectional</c>. <see cref="Activation"/> is the SimpleRNN's nonlinearity (None for the gated cells).
/// </summary>
internal sealed record RecurrentSpec(
    string? Name, LocationInfo? Location, RecurrentKind Cell, int Units, ActivationKind Activation, bool ReturnSequences, bool Bidirectional)
    : LayerSpec(Name, Location)
{
    public override string Kind => Cell.ToString();

    public override string NamePrefix => Cell switch
    {
        RecurrentKind.LSTM => "lstm",
        RecurrentKind.GRU => "gru",
        _ => "rnn",
    };
}

/// <summary>The Parser's result: a spec when the class can be generated, and the diagnostics found either way.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, LocationInfo? ClassLocation, string ClassName, EquatableArray<DiagnosticInfo> Diagnostics);
