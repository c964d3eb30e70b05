using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Myelin.Gpu;

/// <summary>
/// A float buffer that lives on the device with a host copy, and the rule that keeps the two coherent: the device copy
/// is the one kernels use; the host copy is brought up to date only when someone asks for it (a span handed out by
/// <c>Parameters</c>, <c>Gradients</c> or <c>Buffers</c>), and goes back to the device, before the next kernel that
/// reads it, only if it was changed.
/// </summary>
/// <remarks>
/// Whether a caller wrote through a span cannot be seen, so the host copy keeps a snapshot of what was last exchanged
/// with the device and compares against it (bitwise, a memory-speed pass) before uploading. A training loop that only
/// reads the gradients (the fit loop's divergence check) therefore costs one download per step and no upload.
/// </remarks>
internal sealed class MirroredBuffer : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _device;
    private readonly float[] _host;
    private readonly float[] _snapshot;
    private Residence _residence = Residence.InSync;

    public MirroredBuffer(Accelerator accelerator, int length)
    {
        _accelerator = accelerator;
        // ILGPU refuses zero-length buffers; an empty mirror (no buffers) keeps one unused float on the device.
        _device = accelerator.Allocate1D<float>(Math.Max(length, 1));
        _device.MemSetToZero();
        _host = new float[length];
        _snapshot = new float[length];
    }

    private enum Residence
    {
        /// <summary>Both copies hold the same values.</summary>
        InSync,

        /// <summary>Kernels wrote the device copy since the host copy was refreshed.</summary>
        DeviceNewer,

        /// <summary>The host copy was handed out and may have been written.</summary>
        HostShared,
    }

    public int Length => _host.Length;

    /// <summary>The device copy, for kernels. Call <see cref="EnsureOnDevice"/> before kernels read it.</summary>
    public ArrayView<float> View => _device.View;

    /// <summary>The host copy, brought up to date from the device first; the caller may write it.</summary>
    public Span<float> HostView()
    {
        if (_residence == Residence.DeviceNewer)
        {
            if (_host.Length > 0)
            {
                View.SubView(0, _host.Length).CopyToCPU(_host.AsSpan());
                // Whether or not the copy waited for itself, the host reads the values next.
                _accelerator.Synchronize();
            }
            _host.CopyTo(_snapshot, 0);
        }
        _residence = Residence.HostShared;
        return _host;
    }

    /// <summary>Uploads the host copy if it was changed since it was handed out.</summary>
    public void EnsureOnDevice()
    {
        if (_residence != Residence.HostShared) return;
        if (!MemoryMarshal.AsBytes(_host.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(_snapshot.AsSpan())))
        {
            View.SubView(0, _host.Length).CopyFromCPU((ReadOnlySpan<float>)_host);
            _host.CopyTo(_snapshot, 0);
        }
        _residence = Residence.InSync;
    }

    /// <summary>Records that kernels wrote the device copy (after <see cref="EnsureOnDevice"/>, or over all of it).</summary>
    public void DeviceWritten() => _residence = Residence.DeviceNewer;

    public void Dispose() => _device.Dispose();
}
