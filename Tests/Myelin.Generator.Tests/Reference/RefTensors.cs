using System.Text;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// The parameters and buffers of a network in double, by PyTorch name (<c>dense1.weight</c>, <c>bn1.running_var</c>).
/// The reference never uses offsets: it reads a generated network's tensors by name through its parameter table.
/// </summary>
internal sealed class RefTensors
{
    /// <summary>Trainable parameters by name, each in PyTorch's row-major layout.</summary>
    public Dictionary<string, double[]> Parameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Buffers (running statistics) and counters by name.</summary>
    public Dictionary<string, double[]> Buffers { get; } = new(StringComparer.Ordinal);

    /// <summary>A parameter or buffer by name; throws naming the tensor when it is missing.</summary>
    public double[] this[string name] =>
        Parameters.TryGetValue(name, out var parameter) ? parameter
        : Buffers.TryGetValue(name, out var buffer) ? buffer
        : throw new KeyNotFoundException($"The reference has no tensor named '{name}'. It has: {string.Join(", ", Parameters.Keys.Concat(Buffers.Keys))}.");

    /// <summary>A deep copy.</summary>
    public RefTensors Clone()
    {
        var copy = new RefTensors();
        foreach (var (name, values) in Parameters) copy.Parameters[name] = (double[])values.Clone();
        foreach (var (name, values) in Buffers) copy.Buffers[name] = (double[])values.Clone();
        return copy;
    }

    /// <summary>
    /// Copies every tensor of <paramref name="network"/> by name, after checking that its parameter table holds exactly
    /// the tensors <paramref name="spec"/> expects: the same names, shapes, kinds and owning layers.
    /// </summary>
    public static RefTensors CopyFrom(INetwork network, RefNetwork spec)
    {
        CheckTable(network, spec);
        var tensors = new RefTensors();
        ReadOnlySpan<float> parameters = network.Parameters;
        ReadOnlySpan<float> buffers = network.Buffers;
        foreach (var info in network.Tensors)
        {
            var source = info.Kind == TensorKind.Parameter ? parameters : buffers;
            var values = new double[info.Length];
            for (int i = 0; i < values.Length; i++) values[i] = source[info.Offset + i];
            (info.Kind == TensorKind.Parameter ? tensors.Parameters : tensors.Buffers)[info.Name] = values;
        }
        return tensors;
    }

    /// <summary>
    /// Seeded random tensors for <paramref name="spec"/>, for tests of the reference alone: weights with variance
    /// 1/fan-in, biases and shifts in [-0.5, 0.5], batch-norm scales in [0.5, 1.5], running means in [-0.5, 0.5] and
    /// running variances in [0.5, 2].
    /// </summary>
    public static RefTensors CreateRandom(RefNetwork spec, Random random)
    {
        var tensors = new RefTensors();
        foreach (var tensor in spec.ExpectedTensors)
        {
            var values = new double[tensor.Length];
            for (int i = 0; i < values.Length; i++)
            {
                double u = random.NextDouble();
                values[i] = tensor switch
                {
                    { Kind: TensorKind.Counter } => 0,
                    { Kind: TensorKind.Buffer } when tensor.Name.EndsWith(".running_var", StringComparison.Ordinal) => 0.5 + 1.5 * u,
                    { Kind: TensorKind.Buffer } => u - 0.5,
                    { Shape.Length: 1 } when tensor.Name.EndsWith(".weight", StringComparison.Ordinal) => 0.5 + u,
                    { Shape.Length: 1 } => u - 0.5,
                    _ => (2 * u - 1) * Math.Sqrt(3.0 / (tensor.Length / tensor.Shape[0])),
                };
            }
            (tensor.Kind == TensorKind.Parameter ? tensors.Parameters : tensors.Buffers)[tensor.Name] = values;
        }
        return tensors;
    }

    /// <summary>Reads the tensor <paramref name="name"/> of a generated network as floats (parameters, gradients or buffers).</summary>
    public static float[] Read(INetwork network, ReadOnlySpan<float> storage, string name)
    {
        var info = network.Tensors.SingleOrDefault(t => t.Name == name)
            ?? throw new KeyNotFoundException($"The generated network has no tensor named '{name}'.");
        return storage.Slice(info.Offset, info.Length).ToArray();
    }

    /// <summary>Throws with a full listing unless the generated table matches the expected one.</summary>
    public static void CheckTable(INetwork network, RefNetwork spec)
    {
        var expected = spec.ExpectedTensors;
        var actual = network.Tensors;
        bool same = expected.Count == actual.Count;
        foreach (var e in expected)
        {
            var a = actual.FirstOrDefault(t => t.Name == e.Name);
            same &= a is not null && a.Kind == e.Kind && a.LayerIndex == e.LayerIndex && a.Shape.SequenceEqual(e.Shape);
        }
        if (same) return;
        var text = new StringBuilder("The generated parameter table does not match the reference's.\nExpected:\n");
        foreach (var e in expected) text.Append($"  {e.Name} [{string.Join(", ", e.Shape)}] {e.Kind} layer {e.LayerIndex}\n");
        text.Append("Actual:\n");
        foreach (var a in actual) text.Append($"  {a.Name} {a.ShapeText} {a.Kind} layer {a.LayerIndex}\n");
        text.Append("Network:\n").Append(spec.ToDeclaration());
        throw new InvalidOperationException(text.ToString());
    }
}
