namespace Myelin.Tests.Optimizers;

/// <summary>
/// A test-only <see cref="ITrainableNetwork"/> with no forward pass: a parameter table, flat parameter and gradient
/// buffers, one buffer tensor and per-layer trainable flags. Optimizers only need those.
/// </summary>
internal sealed class FakeNetwork : ITrainableNetwork
{
    private readonly bool[] _trainable;

    private FakeNetwork(LayerInfo[] layers, TensorInfo[] tensors, int parameterCount, int bufferCount)
    {
        Layers = layers;
        Tensors = tensors;
        ParameterArray = new float[parameterCount];
        GradientArray = new float[parameterCount];
        BufferArray = new float[bufferCount];
        _trainable = Enumerable.Repeat(true, layers.Length).ToArray();
    }

    /// <summary>Layer index of the layer the optimizer tests keep frozen throughout.</summary>
    public const int FrozenLayer = 1;

    /// <summary>Layer index of the layer the optimizer tests freeze for a few steps midway.</summary>
    public const int SometimesFrozenLayer = 3;

    /// <summary>
    /// The standard layout: dense1 (weight, bias), frozen (weight), relu (no parameters), dense2 (weight, bias), bn
    /// (weight, bias and a running_mean buffer), with parameters uniform in [-1, 1] from <paramref name="seed"/>. The
    /// shapes are chosen for their lengths (15, 3, 6, 55, 4, 9, 9), which put elements both in SIMD bodies and in scalar
    /// tails, not to form a real network.
    /// </summary>
    public static FakeNetwork Create(int seed = 1)
    {
        var layers = new[]
        {
            new LayerInfo("dense1", "Dense", [3], 18),
            new LayerInfo("frozen", "Dense", [2], 6),
            new LayerInfo("relu", "Activation", [2], 0),
            new LayerInfo("dense2", "Dense", [5], 59),
            new LayerInfo("bn", "BatchNorm", [9], 18),
        };
        var tensors = new[]
        {
            new TensorInfo("dense1.weight", 0, [3, 5], 0, TensorKind.Parameter),
            new TensorInfo("dense1.bias", 0, [3], 15, TensorKind.Parameter),
            new TensorInfo("frozen.weight", 1, [2, 3], 18, TensorKind.Parameter),
            new TensorInfo("dense2.weight", 3, [5, 11], 24, TensorKind.Parameter),
            new TensorInfo("dense2.bias", 3, [4], 79, TensorKind.Parameter),
            new TensorInfo("bn.weight", 4, [9], 83, TensorKind.Parameter),
            new TensorInfo("bn.bias", 4, [9], 92, TensorKind.Parameter),
            new TensorInfo("bn.running_mean", 4, [9], 0, TensorKind.Buffer),
        };
        var network = new FakeNetwork(layers, tensors, parameterCount: 101, bufferCount: 9);
        var random = new SeededRandom(seed, stream: 1);
        for (int i = 0; i < network.ParameterArray.Length; i++)
            network.ParameterArray[i] = (float)(2 * random.NextDouble() - 1);
        network.BufferArray.AsSpan().Fill(0.5f);
        return network;
    }

    /// <summary>A network with one layer holding one parameter tensor <c>w</c> with the given values.</summary>
    public static FakeNetwork Single(params float[] values)
    {
        var network = new FakeNetwork(
            [new LayerInfo("layer", "Dense", [values.Length], values.Length)],
            [new TensorInfo("w", 0, [values.Length], 0, TensorKind.Parameter)],
            values.Length, bufferCount: 0);
        values.CopyTo(network.ParameterArray, 0);
        return network;
    }

    public float[] ParameterArray { get; }

    public float[] GradientArray { get; }

    public float[] BufferArray { get; }

    /// <summary>
    /// Fills every gradient from <paramref name="seed"/>: uniform in [-scale, scale] with a different scale per tensor
    /// (0.05 to 2), so that moments of different sizes are exercised. Frozen layers get large garbage that must be ignored.
    /// </summary>
    public void FillGradients(int seed)
    {
        var random = new SeededRandom(seed, stream: 2);
        for (int t = 0; t < Tensors.Count; t++)
        {
            TensorInfo tensor = Tensors[t];
            if (tensor.Kind != TensorKind.Parameter) continue;
            double scale = _trainable[tensor.LayerIndex] ? 0.05 + 0.3 * t : 1e6;
            for (int i = 0; i < tensor.Length; i++)
                GradientArray[tensor.Offset + i] = (float)((2 * random.NextDouble() - 1) * scale);
        }
    }

    /// <summary>A copy with the same layout, parameters, gradients and trainable flags.</summary>
    public FakeNetwork Clone()
    {
        var copy = new FakeNetwork(Layers.ToArray(), Tensors.ToArray(), ParameterArray.Length, BufferArray.Length);
        ParameterArray.CopyTo(copy.ParameterArray, 0);
        GradientArray.CopyTo(copy.GradientArray, 0);
        BufferArray.CopyTo(copy.BufferArray, 0);
        _trainable.CopyTo(copy._trainable, 0);
        return copy;
    }

    public IReadOnlyList<LayerInfo> Layers { get; }

    public IReadOnlyList<TensorInfo> Tensors { get; }

    public Span<float> Parameters => ParameterArray;

    public Span<float> Gradients => GradientArray;

    public Span<float> Buffers => BufferArray;

    public bool IsTrainable(int layerIndex) => _trainable[layerIndex];

    public void SetTrainable(int layerIndex, bool trainable) => _trainable[layerIndex] = trainable;

    public Loss Loss => Loss.MeanSquaredError;

    public IReadOnlyList<int> InputShape => [1];

    public IReadOnlyList<int> OutputShape => [1];

    public int InputSize => 1;

    public int OutputSize => 1;

    public int MaxBatchSize => 1;

    public bool IsTraining { get; set; } = true;
    public NetworkRandomState RandomState { get; set; }

    public ReadOnlySpan<float> Outputs => ReadOnlySpan<float>.Empty;

    public void EnsureBatchCapacity(int batchSize) => throw NoForwardPass();

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw NoForwardPass();

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw NoForwardPass();

    public void InitializeParameters(int seed) => throw NoForwardPass();

    public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => throw NoForwardPass();

    public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw NoForwardPass();

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => throw NoForwardPass();

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw NoForwardPass();

    private static NotSupportedException NoForwardPass() =>
        new("The optimizer tests' fake network has parameters and gradients only, no forward pass.");
}
