using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>
/// A network that only holds tensors, laid out the way generated networks lay them out: parameters first in one
/// span, buffers and counters in another. Forward passes are not needed to test checkpoints.
/// </summary>
internal sealed class FakeNetwork : INetwork
{
    private readonly float[] _parameters;
    private readonly float[] _buffers;

    public FakeNetwork(params (string Name, int[] Shape, TensorKind Kind)[] table)
    {
        var tensors = new List<TensorInfo>();
        int parameterOffset = 0, bufferOffset = 0;
        foreach (var (name, shape, kind) in table)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            int offset = kind == TensorKind.Parameter ? parameterOffset : bufferOffset;
            tensors.Add(new TensorInfo(name, 0, shape, offset, kind));
            if (kind == TensorKind.Parameter) parameterOffset += length;
            else bufferOffset += length;
        }
        Tensors = tensors;
        _parameters = new float[parameterOffset];
        _buffers = new float[bufferOffset];
    }

    /// <summary>A dense layer [3, 4] and a batch norm over its 3 outputs, as PyTorch names them.</summary>
    public static (string Name, int[] Shape, TensorKind Kind)[] StandardTable =>
    [
        ("dense.weight", [3, 4], TensorKind.Parameter),
        ("dense.bias", [3], TensorKind.Parameter),
        ("bn1.weight", [3], TensorKind.Parameter),
        ("bn1.bias", [3], TensorKind.Parameter),
        ("bn1.running_mean", [3], TensorKind.Buffer),
        ("bn1.running_var", [3], TensorKind.Buffer),
        ("bn1.num_batches_tracked", [], TensorKind.Counter),
    ];

    /// <summary>The standard network with values drawn from <paramref name="seed"/> and a counter of <paramref name="counter"/>.</summary>
    public static FakeNetwork Standard(int seed, float counter = 7)
    {
        var network = new FakeNetwork(StandardTable);
        network.InitializeParameters(seed);
        network.Buffers[network.Find("bn1.num_batches_tracked").Offset] = counter;
        return network;
    }

    public TensorInfo Find(string name) => Tensors.Single(t => t.Name == name);

    /// <summary>The values of one tensor, copied.</summary>
    public float[] Values(string name)
    {
        var tensor = Find(name);
        var span = tensor.Kind == TensorKind.Parameter ? _parameters : _buffers;
        return span.AsSpan(tensor.Offset, tensor.Kind == TensorKind.Counter ? 1 : tensor.Length).ToArray();
    }

    public float[] ParameterSnapshot => _parameters.ToArray();

    public float[] BufferSnapshot => _buffers.ToArray();

    public IReadOnlyList<int> InputShape => [4];

    public IReadOnlyList<int> OutputShape => [3];

    public int InputSize => 4;

    public int OutputSize => 3;

    public int MaxBatchSize => 1;

    public IReadOnlyList<LayerInfo> Layers => [new LayerInfo("dense", "Dense", [3], 15), new LayerInfo("bn1", "BatchNorm1D", [3], 6)];

    public IReadOnlyList<TensorInfo> Tensors { get; }

    public Span<float> Parameters => _parameters;

    public Span<float> Buffers => _buffers;

    public bool IsTraining { get; set; } = true;
    public NetworkRandomState RandomState { get; set; }

    public void EnsureBatchCapacity(int batchSize) => throw new NotSupportedException("FakeNetwork only holds tensors.");

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException("FakeNetwork only holds tensors.");

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw new NotSupportedException("FakeNetwork only holds tensors.");

    /// <summary>Distinct values in every parameter and float buffer; counters are left to the caller.</summary>
    public void InitializeParameters(int seed)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < _parameters.Length; i++) _parameters[i] = (float)(random.NextGaussian() * 2);
        foreach (var tensor in Tensors.Where(t => t.Kind == TensorKind.Buffer))
        {
            for (int i = 0; i < tensor.Length; i++) _buffers[tensor.Offset + i] = random.NextFloat() + 0.5f;
        }
    }
}

/// <summary>An optimizer that only keeps its state, to test that checkpoints carry it faithfully.</summary>
internal sealed class FakeOptimizer(string name) : Myelin.Optimizers.IOptimizer
{
    public Myelin.Optimizers.OptimizerState State { get; set; } =
        new(name, new Dictionary<string, float[]>(), new Dictionary<string, double>());

    public Exception? RejectState { get; set; }

    public double LearningRate { get; set; } = 1e-3;

    public void Step(ITrainableNetwork network) => throw new NotSupportedException("FakeOptimizer does not train.");

    public void Attach(ITrainableNetwork network) => throw new NotSupportedException("FakeOptimizer does not train.");

    public Myelin.Optimizers.OptimizerState GetState() => State with
    {
        Tensors = State.Tensors.ToDictionary(p => p.Key, p => p.Value.ToArray()),
        Scalars = new Dictionary<string, double>(State.Scalars),
    };

    public void SetState(Myelin.Optimizers.OptimizerState state)
    {
        if (RejectState is not null) throw RejectState;
        State = state;
    }
}

/// <summary>A fresh directory under the temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "myelin-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The names of the files in the directory, sorted, so tests can assert that no temporary file was left.</summary>
    public string[] FileNames => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
