namespace Myelin.Tests.Core;

/// <summary>
/// A hand-written network with one dense layer, <c>y = W x + b</c> (PyTorch names <c>dense1.weight</c> [out, in] and
/// <c>dense1.bias</c>), optionally followed by a softmax or sigmoid, for testing prediction and state APIs without the
/// generator. It records the training mode of every forward pass. It cannot train.
/// </summary>
internal sealed class LinearNetwork : ITrainableNetwork
{
    private readonly float[] _parameters;
    private float[] _outputs = [];

    public LinearNetwork(int inputs, int outputs, Loss loss, Activation outputActivation = Activation.None, int maxBatchSize = 3, int seed = 1)
    {
        InputSize = inputs;
        OutputSize = outputs;
        Loss = loss;
        OutputActivation = outputActivation;
        MaxBatchSize = maxBatchSize;
        _parameters = new float[outputs * inputs + outputs];
        Tensors =
        [
            new TensorInfo("dense1.weight", 0, [outputs, inputs], 0, TensorKind.Parameter),
            new TensorInfo("dense1.bias", 0, [outputs], outputs * inputs, TensorKind.Parameter),
        ];
        InitializeParameters(seed);
    }

    public List<bool> ForwardModes { get; } = [];

    public IReadOnlyList<int> InputShape => [InputSize];

    public IReadOnlyList<int> OutputShape => [OutputSize];

    public int InputSize { get; }

    public int OutputSize { get; }

    public int MaxBatchSize { get; }

    public IReadOnlyList<LayerInfo> Layers => [new LayerInfo("dense1", "Dense", [OutputSize], _parameters.Length)];

    public IReadOnlyList<TensorInfo> Tensors { get; }

    public Span<float> Parameters => _parameters;

    public Span<float> Buffers => Span<float>.Empty;

    public bool IsTraining { get; set; } = true;

    public NetworkRandomState RandomState { get; set; }

    public Loss Loss { get; }

    public Activation OutputActivation { get; }

    public Span<float> Gradients => throw new NotSupportedException("LinearNetwork does not train.");

    public ReadOnlySpan<float> Outputs => _outputs;

    /// <summary>The outputs for one sample in double, with the final activation: the reference the tests compare against.</summary>
    public double[] Reference(ReadOnlySpan<float> x)
    {
        var y = new double[OutputSize];
        for (int o = 0; o < OutputSize; o++)
        {
            double sum = _parameters[OutputSize * InputSize + o];
            for (int i = 0; i < InputSize; i++) sum += (double)_parameters[o * InputSize + i] * x[i];
            y[o] = sum;
        }
        if (OutputActivation == Activation.Sigmoid) for (int o = 0; o < OutputSize; o++) y[o] = 1 / (1 + Math.Exp(-y[o]));
        if (OutputActivation == Activation.Softmax) y = Softmax(y);
        return y;
    }

    public static double[] Softmax(double[] logits)
    {
        double max = logits.Max();
        var e = logits.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    public void EnsureBatchCapacity(int batchSize) => throw new NotSupportedException("Predictions must chunk by MaxBatchSize instead.");

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => Forward(input, output, 1);

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        if (batchSize > MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch {batchSize} > MaxBatchSize {MaxBatchSize}");
        Assert.Equal(batchSize * InputSize, inputs.Length);
        ForwardModes.Add(IsTraining);
        for (int b = 0; b < batchSize; b++)
        {
            var y = Reference(inputs.Slice(b * InputSize, InputSize));
            for (int o = 0; o < OutputSize; o++) outputs[b * OutputSize + o] = (float)y[o];
        }
        _outputs = outputs[..(batchSize * OutputSize)].ToArray();
    }

    public void InitializeParameters(int seed)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < _parameters.Length; i++) _parameters[i] = (float)random.NextGaussian();
    }

    public bool IsTrainable(int layerIndex) => true;

    public void SetTrainable(int layerIndex, bool trainable) => throw new NotSupportedException();

    public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => throw new NotSupportedException();

    public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => throw new NotSupportedException();

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();
}
