using System.Globalization;
using System.Text;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// A test-side description of a network: the input shape, the layers with every setting, and the loss. It prints
/// itself as the attributed C# class that the generator reads (<see cref="ToDeclaration"/>), so that the generated
/// network and <see cref="ReferenceInterpreter"/> run exactly the same network.
/// </summary>
/// <param name="ClassName">The class name in the printed source.</param>
/// <param name="Loss">The declared loss.</param>
/// <param name="InputShape">One sample's shape: <c>[features]</c> or <c>[channels, height, width]</c>.</param>
/// <param name="Layers">The layers in order.</param>
internal sealed record RefNetwork(string ClassName, Loss Loss, int[] InputShape, IReadOnlyList<RefLayer> Layers)
{
    /// <summary>The attributes and the <c>partial class</c> declaration, without a namespace.</summary>
    public string ToDeclaration()
    {
        var text = new StringBuilder();
        text.Append("[Network(Loss = Loss.").Append(Loss).AppendLine(")]");
        text.Append("[Input(").Append(string.Join(", ", InputShape.Select(Int))).AppendLine(")]");
        foreach (var layer in Layers) text.Append('[').Append(layer.ToAttribute()).AppendLine("]");
        text.Append("public partial class ").Append(ClassName).AppendLine(";");
        return text.ToString();
    }

    /// <summary>A complete source file holding this network in namespace <paramref name="ns"/>.</summary>
    public string ToSource(string ns) => ToSource(ns, new[] { this });

    /// <summary>A complete source file holding several networks, so that they are generated and compiled together.</summary>
    public static string ToSource(string ns, IEnumerable<RefNetwork> networks)
    {
        var text = new StringBuilder();
        text.AppendLine("using Myelin;").AppendLine().Append("namespace ").Append(ns).AppendLine(";").AppendLine();
        foreach (var network in networks) text.AppendLine(network.ToDeclaration());
        return text.ToString();
    }

    /// <summary>
    /// Each layer's name: its <c>Name</c>, or its kind's prefix and its position among layers of that prefix
    /// (<c>dense1</c>, <c>conv2</c>, <c>bn1</c>, ...). A named layer still counts towards its prefix, as in the generator.
    /// </summary>
    public IReadOnlyList<string> LayerNames
    {
        get
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var names = new List<string>(Layers.Count);
            foreach (var layer in Layers)
            {
                counts.TryGetValue(layer.NamePrefix, out int count);
                counts[layer.NamePrefix] = ++count;
                names.Add(layer.Name ?? layer.NamePrefix + count.ToString(CultureInfo.InvariantCulture));
            }
            return names;
        }
    }

    /// <summary>
    /// The layers each layer reads, by index (-1 is the network input): a merge's named inputs, the layer <c>From</c>
    /// names, or the layer before. Throws on a name that is not an earlier layer: the test built a wrong network.
    /// </summary>
    public IReadOnlyList<int[]> LayerInputs
    {
        get
        {
            var names = LayerNames;
            var inputs = new List<int[]>(Layers.Count);
            for (int i = 0; i < Layers.Count; i++)
            {
                var named = Layers[i] is RefMerge merge ? merge.Inputs : Layers[i].From is { } from ? new[] { from } : null;
                inputs.Add(named is null ? new[] { i - 1 } : named.Select(name => Resolve(name, names, i)).ToArray());
            }
            return inputs;
        }
    }

    private int Resolve(string name, IReadOnlyList<string> names, int before)
    {
        if (name == "input") return -1;
        for (int j = 0; j < before; j++)
        {
            if (names[j] == name) return j;
        }
        throw new InvalidOperationException($"{ClassName}: layer {before} reads '{name}', which is not an earlier layer.\n{ToDeclaration()}");
    }

    /// <summary>The output shape of every layer, computed with PyTorch's rules from the shapes of the layers it reads.</summary>
    public IReadOnlyList<int[]> LayerShapes
    {
        get
        {
            var inputs = LayerInputs;
            var shapes = new List<int[]>(Layers.Count);
            for (int i = 0; i < Layers.Count; i++)
                shapes.Add(Layers[i].OutputShapeFrom(inputs[i].Select(j => j < 0 ? InputShape : shapes[j]).ToList()));
            return shapes;
        }
    }

    /// <summary>The shape of each layer's (first) input.</summary>
    public IReadOnlyList<int[]> LayerInputShapes
    {
        get
        {
            var shapes = LayerShapes;
            return LayerInputs.Select(reads => reads[0] < 0 ? InputShape : shapes[reads[0]]).ToList();
        }
    }

    /// <summary>
    /// Whether each layer's output reaches the network's output (the last layer). Layers that do not are never run,
    /// by the generator (warning MYL0102) and by the reference alike, but keep their parameters.
    /// </summary>
    public IReadOnlyList<bool> LiveLayers
    {
        get
        {
            var inputs = LayerInputs;
            var live = new bool[Layers.Count];
            var pending = new Stack<int>();
            if (Layers.Count > 0) pending.Push(Layers.Count - 1);
            while (pending.Count > 0)
            {
                int layer = pending.Pop();
                if (layer < 0 || live[layer]) continue;
                live[layer] = true;
                foreach (int j in inputs[layer]) pending.Push(j);
            }
            return live;
        }
    }

    /// <summary>Whether some layer reads anything but the layer written just before it.</summary>
    public bool IsGraph => LayerInputs.Select((reads, i) => reads.Length != 1 || reads[0] != i - 1).Any(b => b);

    /// <summary>The shape of one output sample.</summary>
    public int[] OutputShape => Layers.Count == 0 ? InputShape : LayerShapes[^1];

    /// <summary>Floats in one input sample.</summary>
    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Floats in one output sample.</summary>
    public int OutputSize => OutputShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The parameter table PyTorch would have: every parameter and buffer with its name, shape and kind.</summary>
    public IReadOnlyList<RefTensorSpec> ExpectedTensors
    {
        get
        {
            var names = LayerNames;
            var inputShapes = LayerInputShapes;
            var tensors = new List<RefTensorSpec>();
            for (int i = 0; i < Layers.Count; i++) tensors.AddRange(Layers[i].Tensors(names[i], i, inputShapes[i]));
            return tensors;
        }
    }

    internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float as a round-tripping C# literal, e.g. <c>0.1f</c>, so the generator reads exactly this float.</summary>
    internal static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";
}

/// <summary>One tensor of a network's parameter table, as the reference expects it.</summary>
internal sealed record RefTensorSpec(string Name, int LayerIndex, int[] Shape, TensorKind Kind)
{
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>One layer of a <see cref="RefNetwork"/>.</summary>
internal abstract record RefLayer(string? Name)
{
    /// <summary>The earlier layer (or <c>"input"</c>) this layer reads instead of the one before it, or null.</summary>
    public string? From { get; init; }

    /// <summary>The prefix of the layer's default name.</summary>
    public abstract string NamePrefix { get; }

    /// <summary>The attribute as written in C#, without brackets, e.g. <c>Dense(10, Activation.ReLU)</c>.</summary>
    public abstract string ToAttribute();

    /// <summary>The per-sample output shape for a per-sample input shape.</summary>
    public abstract int[] OutputShape(int[] input);

    /// <summary>The per-sample output shape for the shapes of the layers it reads (merges read several).</summary>
    public virtual int[] OutputShapeFrom(IReadOnlyList<int[]> inputs) => OutputShape(inputs[0]);

    /// <summary>The tensors this layer owns.</summary>
    public virtual IEnumerable<RefTensorSpec> Tensors(string name, int layerIndex, int[] input) => Array.Empty<RefTensorSpec>();

    /// <summary>
    /// Appends the named arguments <c>From = "..."</c> and <c>Name = "..."</c> that are set, and closes the parenthesis
    /// (<paramref name="hasArguments"/>: the attribute text already has an open argument list).
    /// </summary>
    protected string WithName(string attribute, bool hasArguments)
    {
        var named = NamedArguments().ToList();
        if (named.Count == 0) return hasArguments ? attribute + ")" : attribute;
        return attribute + (hasArguments ? ", " : "(") + string.Join(", ", named) + ")";
    }

    /// <summary><c>From = "..."</c> and <c>Name = "..."</c>, where set.</summary>
    protected IEnumerable<string> NamedArguments()
    {
        if (From is not null) yield return "From = \"" + From + "\"";
        if (Name is not null) yield return "Name = \"" + Name + "\"";
    }

    protected static string ActivationArgument(Activation activation) =>
        activation == Activation.None ? "" : ", Activation." + activation;
}

/// <summary><c>[Dense(units, activation, Bias = .., NegativeSlope = ..)]</c>: <c>y = f(x W^T + b)</c>, weight <c>[units, in]</c>.</summary>
internal sealed record RefDense(int Units, Activation Activation = Activation.None, bool Bias = true, float NegativeSlope = 0.01f, string? Name = null)
    : RefLayer(Name)
{
    public override string NamePrefix => "dense";

    public override string ToAttribute()
    {
        var text = new StringBuilder("Dense(").Append(RefNetwork.Int(Units)).Append(ActivationArgument(Activation));
        if (!Bias) text.Append(", Bias = false");
        if (NegativeSlope != 0.01f) text.Append(", NegativeSlope = ").Append(RefNetwork.Float(NegativeSlope));
        return WithName(text.ToString(), hasArguments: true);
    }

    public override int[] OutputShape(int[] input) => new[] { Units };

    public override IEnumerable<RefTensorSpec> Tensors(string name, int layerIndex, int[] input)
    {
        int inputs = input.Aggregate(1, (a, b) => a * b);
        yield return new RefTensorSpec(name + ".weight", layerIndex, new[] { Units, inputs }, TensorKind.Parameter);
        if (Bias) yield return new RefTensorSpec(name + ".bias", layerIndex, new[] { Units }, TensorKind.Parameter);
    }
}

/// <summary><c>[Flatten]</c>: the identity on row-major data, reshaped to one dimension.</summary>
internal sealed record RefFlatten(string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => "flatten";

    public override string ToAttribute() => WithName("Flatten", hasArguments: false);

    public override int[] OutputShape(int[] input) => new[] { input.Aggregate(1, (a, b) => a * b) };
}

/// <summary>A stand-alone activation layer: <c>[ReLU]</c>, <c>[LeakyReLU(slope)]</c>, <c>[Sigmoid]</c>, <c>[Tanh]</c> or <c>[Softmax]</c>.</summary>
internal sealed record RefActivation(Activation Kind, float NegativeSlope = 0.01f, string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => Kind.ToString().ToLowerInvariant();

    public override string ToAttribute() => Kind switch
    {
        Activation.LeakyReLU => WithName("LeakyReLU(" + RefNetwork.Float(NegativeSlope), hasArguments: true),
        Activation.None => throw new InvalidOperationException("There is no stand-alone identity layer."),
        _ => WithName(Kind.ToString(), hasArguments: false),
    };

    public override int[] OutputShape(int[] input) => input;
}

/// <summary>
/// <c>[Conv2D(filters, kernel, activation, Stride = s, Padding = .., PaddingSize = p, Bias = ..)]</c>: PyTorch's
/// cross-correlation over NCHW input, weight <c>[filters, channels, kernel, kernel]</c>.
/// </summary>
internal sealed record RefConv2D(
    int Filters, int Kernel, Activation Activation = Activation.None, int Stride = 1, Padding Padding = Padding.Valid,
    int PaddingSize = 0, bool Bias = true, float NegativeSlope = 0.01f, string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => "conv";

    /// <summary>Zero rows above (and columns left of) the input. 'Same' puts the odd one at the bottom and right.</summary>
    public int PadBefore => Padding == Padding.Same ? (Kernel - 1) / 2 : PaddingSize;

    /// <summary>Zero rows below (and columns right of) the input.</summary>
    public int PadAfter => Padding == Padding.Same ? Kernel - 1 - PadBefore : PaddingSize;

    public override string ToAttribute()
    {
        var text = new StringBuilder("Conv2D(").Append(RefNetwork.Int(Filters)).Append(", ").Append(RefNetwork.Int(Kernel))
            .Append(ActivationArgument(Activation));
        if (Stride != 1) text.Append(", Stride = ").Append(RefNetwork.Int(Stride));
        if (Padding != Padding.Valid) text.Append(", Padding = Padding.").Append(Padding);
        if (PaddingSize != 0) text.Append(", PaddingSize = ").Append(RefNetwork.Int(PaddingSize));
        if (!Bias) text.Append(", Bias = false");
        if (NegativeSlope != 0.01f) text.Append(", NegativeSlope = ").Append(RefNetwork.Float(NegativeSlope));
        return WithName(text.ToString(), hasArguments: true);
    }

    public override int[] OutputShape(int[] input) => new[]
    {
        Filters,
        (input[1] + PadBefore + PadAfter - Kernel) / Stride + 1,
        (input[2] + PadBefore + PadAfter - Kernel) / Stride + 1,
    };

    public override IEnumerable<RefTensorSpec> Tensors(string name, int layerIndex, int[] input)
    {
        yield return new RefTensorSpec(name + ".weight", layerIndex, new[] { Filters, input[0], Kernel, Kernel }, TensorKind.Parameter);
        if (Bias) yield return new RefTensorSpec(name + ".bias", layerIndex, new[] { Filters }, TensorKind.Parameter);
    }
}

/// <summary><c>[MaxPool2D(kernel, Stride = s)]</c> or <c>[AvgPool2D(kernel, Stride = s)]</c>: floor mode, no padding, stride 0 means the kernel.</summary>
internal sealed record RefPool2D(bool Max, int Kernel, int Stride = 0, string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => Max ? "maxpool" : "avgpool";

    /// <summary>The stride in effect.</summary>
    public int EffectiveStride => Stride == 0 ? Kernel : Stride;

    public override string ToAttribute()
    {
        var text = new StringBuilder(Max ? "MaxPool2D(" : "AvgPool2D(").Append(RefNetwork.Int(Kernel));
        if (Stride != 0) text.Append(", Stride = ").Append(RefNetwork.Int(Stride));
        return WithName(text.ToString(), hasArguments: true);
    }

    public override int[] OutputShape(int[] input) => new[]
    {
        input[0], (input[1] - Kernel) / EffectiveStride + 1, (input[2] - Kernel) / EffectiveStride + 1,
    };
}

/// <summary><c>[GlobalAvgPool2D]</c>: each channel becomes its mean.</summary>
internal sealed record RefGlobalAvgPool2D(string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => "globalavgpool";

    public override string ToAttribute() => WithName("GlobalAvgPool2D", hasArguments: false);

    public override int[] OutputShape(int[] input) => new[] { input[0] };
}

/// <summary><c>[Dropout(rate)]</c>: inverted dropout in training mode, the identity in eval mode.</summary>
internal sealed record RefDropout(float Rate, string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => "dropout";

    public override string ToAttribute() => WithName("Dropout(" + RefNetwork.Float(Rate), hasArguments: true);

    public override int[] OutputShape(int[] input) => input;
}

/// <summary><c>[BatchNorm1D(..)]</c> (<paramref name="Dimensions"/> 1, over features) or <c>[BatchNorm2D(..)]</c> (2, over channels).</summary>
internal sealed record RefBatchNorm(int Dimensions, float Momentum = 0.1f, float Epsilon = 1e-5f, string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => "bn";

    public override string ToAttribute()
    {
        var arguments = new List<string>();
        if (Momentum != 0.1f) arguments.Add("Momentum = " + RefNetwork.Float(Momentum));
        if (Epsilon != 1e-5f) arguments.Add("Epsilon = " + RefNetwork.Float(Epsilon));
        arguments.AddRange(NamedArguments());
        string kind = Dimensions == 1 ? "BatchNorm1D" : "BatchNorm2D";
        return arguments.Count == 0 ? kind : kind + "(" + string.Join(", ", arguments) + ")";
    }

    public override int[] OutputShape(int[] input) => input;

    public override IEnumerable<RefTensorSpec> Tensors(string name, int layerIndex, int[] input)
    {
        int channels = input[0];
        yield return new RefTensorSpec(name + ".weight", layerIndex, new[] { channels }, TensorKind.Parameter);
        yield return new RefTensorSpec(name + ".bias", layerIndex, new[] { channels }, TensorKind.Parameter);
        yield return new RefTensorSpec(name + ".running_mean", layerIndex, new[] { channels }, TensorKind.Buffer);
        yield return new RefTensorSpec(name + ".running_var", layerIndex, new[] { channels }, TensorKind.Buffer);
        yield return new RefTensorSpec(name + ".num_batches_tracked", layerIndex, Array.Empty<int>(), TensorKind.Counter);
    }
}

/// <summary>A layer that reads several earlier layers, named in its constructor.</summary>
internal abstract record RefMerge(IReadOnlyList<string> Inputs, string? Name) : RefLayer(Name)
{
    /// <summary>The inputs as C# string literals: <c>"a", "b"</c>.</summary>
    protected string InputList => string.Join(", ", Inputs.Select(input => "\"" + input + "\""));
}

/// <summary><c>[Add("a", "b", ..., Activation = .., NegativeSlope = ..)]</c>: <c>y = f(a + b + ...)</c>, inputs of one shape.</summary>
internal sealed record RefAdd(IReadOnlyList<string> Inputs, Activation Activation = Activation.None, float NegativeSlope = 0.01f, string? Name = null)
    : RefMerge(Inputs, Name)
{
    public override string NamePrefix => "add";

    public override string ToAttribute()
    {
        var text = new StringBuilder("Add(").Append(InputList);
        if (Activation != Activation.None) text.Append(", Activation = Activation.").Append(Activation);
        if (NegativeSlope != 0.01f) text.Append(", NegativeSlope = ").Append(RefNetwork.Float(NegativeSlope));
        return WithName(text.ToString(), hasArguments: true);
    }

    public override int[] OutputShape(int[] input) => input;

    public override int[] OutputShapeFrom(IReadOnlyList<int[]> inputs)
    {
        if (inputs.Any(shape => !shape.SequenceEqual(inputs[0])))
            throw new InvalidOperationException($"Add of shapes {string.Join(" and ", inputs.Select(s => "[" + string.Join(", ", s) + "]"))}: the test built a wrong network.");
        return inputs[0];
    }
}

/// <summary><c>[Concat("a", "b", ...)]</c>: <c>torch.cat(dim=1)</c>, along channels (images of one height and width) or features.</summary>
internal sealed record RefConcat(IReadOnlyList<string> Inputs, string? Name = null) : RefMerge(Inputs, Name)
{
    public override string NamePrefix => "concat";

    public override string ToAttribute() => WithName("Concat(" + InputList, hasArguments: true);

    public override int[] OutputShape(int[] input) => input;

    public override int[] OutputShapeFrom(IReadOnlyList<int[]> inputs)
    {
        if (inputs.Any(shape => shape.Length != inputs[0].Length || !shape.Skip(1).SequenceEqual(inputs[0].Skip(1))))
            throw new InvalidOperationException($"Concat of shapes {string.Join(" and ", inputs.Select(s => "[" + string.Join(", ", s) + "]"))}: the test built a wrong network.");
        var shape = (int[])inputs[0].Clone();
        shape[0] = inputs.Sum(s => s[0]);
        return shape;
    }
}
