using System;
using ILGPU;
using ILGPU.Runtime;

namespace Myelin.Gpu;

/// <summary>An optimizer's state streams in a device network's memory, each as long as its parameters.</summary>
internal sealed class DeviceOptimizerState : IDeviceOptimizerState
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _streams;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _placeholder;
    private readonly int _length;

    public DeviceOptimizerState(DeviceNetwork owner, Accelerator accelerator, int streams, int length)
    {
        Owner = owner;
        _length = length;
        _streams = new MemoryBuffer1D<float, Stride1D.Dense>[streams];
        for (int k = 0; k < streams; k++)
        {
            _streams[k] = accelerator.Allocate1D<float>(Math.Max(length, 1));
            _streams[k].MemSetToZero();
        }
        _placeholder = accelerator.Allocate1D<float>(1);
    }

    public DeviceNetwork Owner { get; }

    public bool IsDisposed { get; private set; }

    public int Streams => _streams.Length;

    /// <summary>Stream <paramref name="k"/> over the parameters at <c>[offset, offset + length)</c>, or the placeholder when the optimizer keeps fewer streams.</summary>
    public ArrayView<float> Stream(int k, int offset, int length) =>
        k < _streams.Length ? ((ArrayView<float>)_streams[k].View).SubView(offset, length) : _placeholder.View;

    public void Read(int stream, Span<float> destination)
    {
        Check(stream, destination.Length);
        if (_length == 0) return;
        ((ArrayView<float>)_streams[stream].View).SubView(0, _length).CopyToCPU(destination);
        _streams[stream].Accelerator.Synchronize();
    }

    public void Write(int stream, ReadOnlySpan<float> source)
    {
        Check(stream, source.Length);
        if (_length > 0) ((ArrayView<float>)_streams[stream].View).SubView(0, _length).CopyFromCPU(source);
    }

    private void Check(int stream, int length)
    {
        if (IsDisposed)
            throw new InvalidOperationException(
                "This optimizer's state lived in the memory of a device network that has been disposed, so its moments are gone. Save the training state (Checkpoint.SaveTrainingState) before disposing a device network that is still being trained.");
        if ((uint)stream >= (uint)_streams.Length)
            throw new ArgumentOutOfRangeException(nameof(stream), stream, $"The optimizer state has {_streams.Length} streams.");
        if (length != _length)
            throw new ArgumentException($"An optimizer state stream holds {_length} floats, but the span has {length}.");
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var stream in _streams) stream.Dispose();
        _placeholder.Dispose();
    }
}
