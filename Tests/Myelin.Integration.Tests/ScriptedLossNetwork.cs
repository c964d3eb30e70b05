namespace Myelin.Integration.Tests;

/// <summary>
/// A real <see cref="Regressor"/> whose training loss is replaced by a script: every <c>ForwardBackward</c> runs the
/// real pass (so gradients and updates are real) and then reports <c>script(step)</c> as the batch's loss. It lets
/// a test put any loss curve through <see cref="Training.Trainer.Fit"/>.
/// </summary>
internal sealed class ScriptedLossNetwork(Func<int, float> script) : ITrainableNetwork
{
    private readonly ITrainableNetwork _inner = new Regressor(seed: 1);

    /// <summary>ForwardBackward calls so far, counting from 0.</summary>
    public int Steps { get; private set; }

    public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        _inner.ForwardBackward(inputs, targets, batchSize);
        return script(Steps++);
    }

    public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) =>
        throw new NotSupportedException("The scripted network is a regressor.");

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => _inner.ComputeLoss(inputs, targets, batchSize);

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => _inner.ComputeLoss(inputs, labels, batchSize);

    public Loss Loss => _inner.Loss;
    public Span<float> Gradients => _inner.Gradients;
    public ReadOnlySpan<float> Outputs => _inner.Outputs;
    public bool IsTrainable(int layerIndex) => _inner.IsTrainable(layerIndex);
    public void SetTrainable(int layerIndex, bool trainable) => _inner.SetTrainable(layerIndex, trainable);
    public IReadOnlyList<int> InputShape => _inner.InputShape;
    public IReadOnlyList<int> OutputShape => _inner.OutputShape;
    public int InputSize => _inner.InputSize;
    public int OutputSize => _inner.OutputSize;
    public int MaxBatchSize => _inner.MaxBatchSize;
    public void EnsureBatchCapacity(int batchSize) => _inner.EnsureBatchCapacity(batchSize);
    public IReadOnlyList<LayerInfo> Layers => _inner.Layers;
    public IReadOnlyList<TensorInfo> Tensors => _inner.Tensors;
    public Span<float> Parameters => _inner.Parameters;
    public Span<float> Buffers => _inner.Buffers;
    public bool IsTraining { get => _inner.IsTraining; set => _inner.IsTraining = value; }
    public NetworkRandomState RandomState { get => _inner.RandomState; set => _inner.RandomState = value; }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => _inner.Forward(input, output);
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => _inner.Forward(inputs, outputs, batchSize);
    public void InitializeParameters(int seed) => _inner.InitializeParameters(seed);
}
