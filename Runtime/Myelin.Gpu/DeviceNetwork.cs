using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Myelin.Gpu;

/// <summary>
/// The base of every generated device network (<c>MyNetwork.Gpu</c>): its parameters, gradients, buffers, activations
/// and optimizer state live on a <see cref="GpuDevice"/>, and a batch costs one upload of its inputs (and targets).
/// The generated class adds the kernels and the passes; this class holds the memory and the host/device coherence.
/// </summary>
/// <remarks>
/// <para>
/// <b>Coherence.</b> <see cref="Parameters"/>, <see cref="Buffers"/> and <c>Gradients</c> return host copies. Reading
/// one brings the device's values over (a synchronisation point); what is written through it goes back to the device
/// before the next pass. Kernels never wait for the host otherwise: a training step (forward, loss, backward and an
/// optimizer step, which runs on the device) moves no parameter between host and device. Re-read the property after a
/// step rather than keeping a span across one.
/// </para>
/// <para>
/// <b>Allocation.</b> Device memory is allocated by the constructor and by <see cref="EnsureBatchCapacity"/>; kernels
/// are compiled once, in the constructor. A pass allocates no device memory and no managed memory of its own.
/// </para>
/// </remarks>
public abstract class DeviceNetwork : IDisposable
{
    private readonly DeviceNetworkLayout _layout;
    private readonly MirroredBuffer _parameters;
    private readonly MirroredBuffer _gradients;
    private readonly MirroredBuffer _buffers;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _lossTotal;
    private readonly List<MemoryBuffer> _work = new();
    private readonly List<DeviceOptimizerState> _optimizerStates = new();
    private readonly double[] _lossHost = new double[1];
    private float[] _outputsHost = Array.Empty<float>();
    private bool _outputsFresh;
    private bool _disposed;

    /// <summary>Allocates the parameter, gradient and buffer memory on <paramref name="device"/>.</summary>
    protected DeviceNetwork(GpuDevice device, DeviceNetworkLayout layout)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(layout);
        Device = device;
        _layout = layout;
        var accelerator = device.Accelerator;
        _parameters = new MirroredBuffer(accelerator, layout.ParameterCount);
        _gradients = new MirroredBuffer(accelerator, layout.Loss == Loss.None ? 0 : layout.ParameterCount);
        _buffers = new MirroredBuffer(accelerator, layout.BufferCount);
        _lossTotal = accelerator.Allocate1D<double>(1);
        InputSize = layout.InputShape.Aggregate(1, (a, b) => a * b);
        OutputSize = layout.OutputShape.Aggregate(1, (a, b) => a * b);
    }

    /// <summary>The device the network runs on.</summary>
    public GpuDevice Device { get; }

    /// <summary>The shape of one input sample.</summary>
    public IReadOnlyList<int> InputShape => _layout.InputShape;

    /// <summary>The shape of one output sample.</summary>
    public IReadOnlyList<int> OutputShape => _layout.OutputShape;

    /// <summary>Floats in one input sample.</summary>
    public int InputSize { get; }

    /// <summary>Floats in one output sample.</summary>
    public int OutputSize { get; }

    /// <summary>The largest batch the device memory holds; see <see cref="EnsureBatchCapacity"/>.</summary>
    public int MaxBatchSize => Capacity;

    /// <summary>The layers, as the CPU network lists them.</summary>
    public IReadOnlyList<LayerInfo> Layers => _layout.Layers;

    /// <summary>The parameter table, as the CPU network lists it (PyTorch names and layouts).</summary>
    public IReadOnlyList<TensorInfo> Tensors => _layout.Tensors;

    /// <summary>The parameters, copied from the device when it has newer values; writes go back before the next pass.</summary>
    public Span<float> Parameters => _parameters.HostView();

    /// <summary>The non-trainable buffers (batch-norm statistics), kept coherent as <see cref="Parameters"/>.</summary>
    public Span<float> Buffers => _buffers.HostView();

    /// <summary>Training mode (dropout active, batch norm on batch statistics) or eval mode, as on the CPU network.</summary>
    public bool IsTraining { get; set; } = true;

    /// <summary>The seed and step count that decide the dropout masks, exactly as on the CPU network.</summary>
    public NetworkRandomState RandomState
    {
        get => new(Seed, Step);
        set => (Seed, Step) = (value.Seed, value.Step);
    }

    /// <summary>The batch capacity of the device memory.</summary>
    protected int Capacity { get; private set; }

    /// <summary>The size of the last batch that ran.</summary>
    protected int LastBatch { get; set; }

    /// <summary>The dropout seed.</summary>
    protected int Seed { get; set; }

    /// <summary>Training forward passes so far: the dropout step.</summary>
    protected long Step { get; set; }

    /// <summary>The parameters on the device.</summary>
    protected ArrayView<float> ParameterMemory => _parameters.View;

    /// <summary>The gradients on the device (empty for an inference-only network).</summary>
    protected ArrayView<float> GradientMemory => _gradients.View;

    /// <summary>The buffers on the device.</summary>
    protected ArrayView<float> BufferMemory => _buffers.View;

    /// <summary>The arena of values and gradients, <c>Capacity * ArenaSize</c> floats.</summary>
    protected ArrayView<float> Arena { get; private set; }

    /// <summary>The batch's inputs, <c>Capacity * InputSize</c> floats.</summary>
    protected ArrayView<float> InputMemory { get; private set; }

    /// <summary>dLoss/dinputs when asked for, <c>Capacity * InputSize</c> floats.</summary>
    protected ArrayView<float> InputGradientMemory { get; private set; }

    /// <summary>The batch's class labels (softmax cross-entropy), <c>Capacity</c> ints.</summary>
    protected ArrayView<int> LabelMemory { get; private set; }

    /// <summary>The batch's float targets, <c>Capacity * OutputSize</c> floats.</summary>
    protected ArrayView<float> TargetMemory { get; private set; }

    /// <summary>Per-sample (or per-element) loss terms in double, <c>Capacity * OutputSize</c>, reduced into <see cref="LossTotal"/>.</summary>
    protected ArrayView<double> LossTerms { get; private set; }

    /// <summary>The mean loss of the last pass, one double.</summary>
    protected ArrayView<double> LossTotal => _lossTotal.View;

    /// <summary>Threads per side of a matrix-product group on this device.</summary>
    protected int TileThreads => Device.TileThreads;

    /// <summary>Threads per reduction group on this device.</summary>
    protected int ReductionThreads => Device.ReductionThreads;

    /// <summary>The ILGPU accelerator, for loading kernels.</summary>
    protected Accelerator Accelerator => Device.Accelerator;

    /// <summary>Grows the device memory to hold batches of <paramref name="batchSize"/> samples. The only call that allocates after construction.</summary>
    public void EnsureBatchCapacity(int batchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, _layout.Name + ": the batch capacity must be at least 1.");
        if (batchSize <= Capacity) return;
        ThrowIfDisposed();
        long largest = Math.Max((long)Math.Max(_layout.ArenaSize, 1), Math.Max(InputSize, OutputSize));
        if (batchSize * largest > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"{_layout.Name}: a batch capacity of {batchSize} needs {batchSize * largest:N0} floats in one device array, more than its 32-bit indices reach; use a batch of at most {int.MaxValue / largest}.");
        foreach (var buffer in _work) buffer.Dispose();
        _work.Clear();
        Capacity = batchSize;
        Arena = Allocate<float>((long)batchSize * Math.Max(_layout.ArenaSize, 1));
        InputMemory = Allocate<float>((long)batchSize * InputSize);
        // What the loss needs: labels or targets, and a loss term per sample (cross-entropy) or per output element.
        bool trainable = _layout.Loss != Loss.None, labels = _layout.Loss == Loss.SoftmaxCrossEntropy;
        InputGradientMemory = trainable ? Allocate<float>((long)batchSize * InputSize) : default;
        LabelMemory = labels ? Allocate<int>(batchSize) : default;
        TargetMemory = trainable && !labels ? Allocate<float>((long)batchSize * OutputSize) : default;
        LossTerms = trainable ? Allocate<double>(labels ? batchSize : (long)batchSize * OutputSize) : default;
        _outputsHost = new float[batchSize * OutputSize];
        _outputsFresh = false;
        AllocateWork(batchSize);
    }

    /// <summary>
    /// Runs the forward pass again on the batch already on the device (the inputs of the last pass), without uploading
    /// inputs or reading outputs back: for timing the kernels alone, or repeating a pass on resident data. The result
    /// is read by the next <c>Outputs</c>.
    /// </summary>
    /// <param name="batchSize">Between 1 and <see cref="MaxBatchSize"/>; samples beyond the last upload hold what was there before.</param>
    public void ForwardOnDevice(int batchSize)
    {
        ThrowIfDisposed();
        NetworkGuard.BatchSize(_layout.Name, batchSize, Capacity);
        _parameters.EnsureOnDevice();
        _buffers.EnsureOnDevice();
        _outputsFresh = false;
        LastBatch = batchSize;
        RunForwardPass(batchSize);
    }

    /// <summary>Launches every forward kernel on a batch already on the device (the generated <c>RunForward</c>).</summary>
    protected abstract void RunForwardPass(int batch);

    /// <summary>Allocates the ops' own capacity-scaled device arrays (argmax, masks, batch-norm x-hat) with <see cref="Allocate{T}"/>.</summary>
    protected abstract void AllocateWork(int capacity);

    /// <summary>Allocates device memory that lives until the capacity grows or the network is disposed.</summary>
    protected ArrayView<T> Allocate<T>(long count)
        where T : unmanaged
    {
        var buffer = Device.Accelerator.Allocate1D<T>(Math.Max(count, 1));
        buffer.MemSetToZero();
        _work.Add(buffer);
        return buffer.View;
    }

    /// <summary>Sets the parameters and buffers from a CPU network of the same class (initialisation, transfer).</summary>
    protected void LoadFrom(INetwork host)
    {
        host.Parameters.CopyTo(_parameters.HostView());
        host.Buffers.CopyTo(_buffers.HostView());
        _parameters.EnsureOnDevice();
        _buffers.EnsureOnDevice();
    }

    /// <summary>
    /// Starts a pass: uploads the batch's inputs and makes the parameters and buffers current on the device. The
    /// outputs cached for <c>Outputs</c> become stale.
    /// </summary>
    protected void BeginPass(ReadOnlySpan<float> inputs, int batch)
    {
        ThrowIfDisposed();
        InputMemory.SubView(0, (long)batch * InputSize).CopyFromCPU(inputs.Slice(0, batch * InputSize));
        _parameters.EnsureOnDevice();
        _buffers.EnsureOnDevice();
        _outputsFresh = false;
        LastBatch = batch;
    }

    /// <summary>Uploads the class labels of a batch.</summary>
    protected void UploadLabels(ReadOnlySpan<int> labels) => LabelMemory.SubView(0, labels.Length).CopyFromCPU(labels);

    /// <summary>Uploads the float targets of a batch.</summary>
    protected void UploadTargets(ReadOnlySpan<float> targets) => TargetMemory.SubView(0, targets.Length).CopyFromCPU(targets);

    /// <summary>Records that a training pass changed the buffers on the device (batch-norm statistics).</summary>
    protected void BuffersWritten() => _buffers.DeviceWritten();

    /// <summary>Zeroes the gradients on the device before a backward pass accumulates into them; host changes are discarded.</summary>
    protected void ClearGradients()
    {
        _gradients.View.MemSetToZero();
        _gradients.DeviceWritten();
    }

    /// <summary>Zeroes the gradient of one parameter tensor (a layer was frozen), on the device and in the host copy.</summary>
    protected void ClearGradient(int offset, int length)
    {
        _gradients.EnsureOnDevice();
        _gradients.View.SubView(offset, length).MemSetToZero();
        _gradients.DeviceWritten();
    }

    /// <summary>The gradients, copied from the device when it has newer values (see <see cref="Parameters"/>).</summary>
    protected Span<float> GradientsHostView() => _gradients.HostView();

    /// <summary>Reads the mean loss the loss kernels left in <see cref="LossTotal"/>: the one value a training step downloads.</summary>
    protected float ReadLoss()
    {
        LossTotal.CopyToCPU(_lossHost.AsSpan());
        Device.Synchronize();
        return (float)_lossHost[0];
    }

    /// <summary>Downloads the first <paramref name="count"/> floats of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    protected void Download(ArrayView<float> source, Span<float> destination, int count)
    {
        source.SubView(0, count).CopyToCPU(destination.Slice(0, count));
        Device.Synchronize();
    }

    /// <summary>Zeroes device memory, on the device (a recurrent layer's zero initial state and gradient).</summary>
    protected static void Clear(ArrayView<float> view) => view.MemSetToZero();

    /// <summary>Copies the first <paramref name="count"/> floats of <paramref name="source"/> to <paramref name="target"/>, on the device.</summary>
    protected static void Copy(ArrayView<float> source, ArrayView<float> target, long count) =>
        source.SubView(0, count).CopyTo(target.SubView(0, count));

    /// <summary>Downloads the last pass's outputs once and keeps them until the next pass.</summary>
    protected ReadOnlySpan<float> OutputsOf(ArrayView<float> output)
    {
        int count = LastBatch * OutputSize;
        if (!_outputsFresh && count > 0)
        {
            Download(output, _outputsHost, count);
            _outputsFresh = true;
        }
        return _outputsHost.AsSpan(0, count);
    }

    /// <summary>A launch of a matrix-product kernel over an <paramref name="rows"/> x <paramref name="columns"/> output, 4x4 outputs per thread.</summary>
    /// <param name="rows">Output rows.</param>
    /// <param name="columns">Output columns.</param>
    /// <param name="splits">Slices of the reduction dimension, each its own group (split-K), along the grid's third axis.</param>
    protected KernelConfig TileLaunch(long rows, long columns, int splits = 1)
    {
        int side = 4 * TileThreads;
        return new KernelConfig(
            new Index3D((int)((columns + side - 1) / side), (int)((rows + side - 1) / side), splits),
            new Index3D(TileThreads, TileThreads, 1));
    }

    /// <summary>A launch of <paramref name="groups"/> reduction groups of <see cref="ReductionThreads"/> threads.</summary>
    protected KernelConfig GroupLaunch(int groups) => new(new Index3D(groups, 1, 1), new Index3D(ReductionThreads, 1, 1));

    /// <summary>Allocates optimizer state on the device (<see cref="IDeviceTrainableNetwork.CreateOptimizerState"/>).</summary>
    protected IDeviceOptimizerState CreateOptimizerStateCore(int streams)
    {
        ThrowIfDisposed();
        if (streams is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(streams), streams, "An optimizer keeps 0 to 3 state streams.");
        var state = new DeviceOptimizerState(this, Device.Accelerator, streams, _layout.ParameterCount);
        _optimizerStates.Add(state);
        return state;
    }

    /// <summary>Applies an optimizer step on the device (<see cref="IDeviceTrainableNetwork.ApplyOptimizerStep"/>).</summary>
    protected void ApplyOptimizerStepCore(in DeviceOptimizerStep step, IDeviceOptimizerState state, int offset, int length)
    {
        ThrowIfDisposed();
        if (state is not DeviceOptimizerState own || !ReferenceEquals(own.Owner, this) || own.IsDisposed)
            throw new ArgumentException($"{_layout.Name}: the optimizer state was not created by this network (CreateOptimizerState), or was disposed.", nameof(state));
        if (offset < 0 || length < 0 || offset > _layout.ParameterCount - length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{_layout.Name}: parameters [{offset}, {offset + length}) are outside the {_layout.ParameterCount} parameters.");
        if (length == 0) return;
        _parameters.EnsureOnDevice();
        _gradients.EnsureOnDevice();
        LaunchOptimizerStep(step, _parameters.View.SubView(offset, length), _gradients.View.SubView(offset, length),
            own.Stream(0, offset, length), own.Stream(1, offset, length), own.Stream(2, offset, length), length);
        _parameters.DeviceWritten();
    }

    /// <summary>
    /// Runs the generated update kernel of <paramref name="step"/>'s optimizer over <paramref name="length"/> parameters.
    /// A stream the optimizer does not keep is a one-float placeholder that the kernel never touches.
    /// </summary>
    /// <remarks>An inference-only network (no loss) has no gradients and no update kernels; only trainable networks override this.</remarks>
    protected virtual void LaunchOptimizerStep(in DeviceOptimizerStep step, ArrayView<float> parameters, ArrayView<float> gradients,
        ArrayView<float> state0, ArrayView<float> state1, ArrayView<float> state2, int length) =>
        throw new NotSupportedException($"{_layout.Name} is an inference-only network (no loss): it has no gradients to apply an optimizer step with.");

    /// <summary>Copies the parameters and buffers of <paramref name="source"/>, a network with the same parameter table (e.g. the CPU network), to this one.</summary>
    /// <exception cref="ArgumentException">The tables differ; the message names the first difference.</exception>
    public void CopyWeightsFrom(INetwork source)
    {
        ArgumentNullException.ThrowIfNull(source);
        WeightTransfer.CheckSameTable(source, Tensors, _layout.Name);
        source.Parameters.CopyTo(Parameters);
        source.Buffers.CopyTo(Buffers);
    }

    /// <summary>Copies this network's parameters and buffers to <paramref name="target"/>, a network with the same parameter table.</summary>
    /// <exception cref="ArgumentException">The tables differ; the message names the first difference.</exception>
    public void CopyWeightsTo(INetwork target)
    {
        ArgumentNullException.ThrowIfNull(target);
        WeightTransfer.CheckSameTable(target, Tensors, _layout.Name);
        Parameters.CopyTo(target.Parameters);
        Buffers.CopyTo(target.Buffers);
    }

    /// <summary>Throws once the network or its device has been disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Frees the network's device memory (not the <see cref="GpuDevice"/>, which networks share).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var state in _optimizerStates) state.Dispose();
        foreach (var buffer in _work) buffer.Dispose();
        _parameters.Dispose();
        _gradients.Dispose();
        _buffers.Dispose();
        _lossTotal.Dispose();
        GC.SuppressFinalize(this);
    }
}
