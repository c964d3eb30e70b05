using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Myelin.Gpu;

/// <summary>
/// An ILGPU accelerator chosen for Myelin's device networks, with the launch geometry its kernels use there. Create one
/// per process and share it between networks; dispose it after them.
/// </summary>
/// <remarks>
/// <para>
/// Selection prefers CUDA, then OpenCL, then ILGPU's CPU accelerator (<see cref="DeviceKind.Any"/>). Asking for a GPU
/// (<see cref="DeviceKind.Gpu"/>, <see cref="DeviceKind.Cuda"/>, <see cref="DeviceKind.OpenCL"/>) when there is none
/// fails with a message that lists the devices that were found.
/// </para>
/// <para>
/// The generated kernels take their group shape at launch: matrix products run <see cref="TileThreads"/> squared
/// threads per group, each computing a 4x4 block of outputs, and reductions <see cref="ReductionThreads"/> threads.
/// On a GPU these are 16 (256 threads, 64x64 tiles) and 256; on the CPU simulator, which runs every thread of a group
/// as a thread of its own, 4 and 16, which keeps the tests fast.
/// </para>
/// </remarks>
public sealed class GpuDevice : IDisposable
{
    private readonly Context _context;
    private bool _disposed;

    private GpuDevice(Context context, Device device, DeviceKind kind)
    {
        _context = context;
        Accelerator = device.CreateAccelerator(context);
        Kind = kind;
        bool simulator = kind == DeviceKind.Cpu;
        TileThreads = simulator ? 4 : 16;
        ReductionThreads = simulator ? 16 : 256;
        if (Accelerator.MaxNumThreadsPerGroup < Math.Max(TileThreads * TileThreads, ReductionThreads))
        {
            int largest = Math.Max(TileThreads * TileThreads, ReductionThreads);
            Accelerator.Dispose();
            context.Dispose();
            throw new NotSupportedException($"{device.Name} runs at most {device.MaxNumThreadsPerGroup} threads per group; Myelin's kernels need {largest}.");
        }
    }

    /// <summary>The ILGPU accelerator the networks run on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>CUDA, OpenCL or the CPU simulator.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The device's name.</summary>
    public string Name => Accelerator.Name;

    /// <summary>Whether this is a real GPU rather than ILGPU's CPU simulator.</summary>
    public bool IsGpu => Kind != DeviceKind.Cpu;

    /// <summary>Threads along each side of a matrix-product group: 16 on a GPU, 4 on the CPU simulator.</summary>
    public int TileThreads { get; }

    /// <summary>Threads of a reduction group (a power of two, at most 256): 256 on a GPU, 16 on the CPU simulator.</summary>
    public int ReductionThreads { get; }

    /// <summary>Opens the best accelerator of <paramref name="kind"/>.</summary>
    /// <exception cref="InvalidOperationException">No device of that kind exists; the message lists the devices found.</exception>
    public static GpuDevice Create(DeviceKind kind = DeviceKind.Any)
    {
        var context = CreateContext();
        try
        {
            var devices = context.Devices;
            var found = devices.Select(Describe).ToList();
            int chosen = Choose(found, kind);
            return new GpuDevice(context, devices[chosen], found[chosen].Kind);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Every accelerator ILGPU finds on this machine: CUDA and OpenCL devices, and the CPU simulator.</summary>
    public static IReadOnlyList<DeviceDescription> FindDevices()
    {
        using var context = CreateContext();
        return context.Devices.Select(Describe).ToList();
    }

    /// <summary>
    /// ILGPU's context with every backend Myelin uses, and the algorithms library, which maps <c>Math.Exp</c>,
    /// <c>Math.Log</c> and <c>MathF.Tanh</c> in kernels to implementations that CUDA and OpenCL can run.
    /// </summary>
    private static Context CreateContext() => Context.Create(builder =>
    {
        builder.Cuda().OpenCL().DefaultCPU();
        builder.EnableAlgorithms();
    });

    /// <summary>
    /// The index in <paramref name="found"/> of the device to use for <paramref name="kind"/>: the first CUDA device,
    /// else the first OpenCL device, else the CPU simulator, restricted to what <paramref name="kind"/> allows.
    /// </summary>
    /// <exception cref="InvalidOperationException">No device fits; the message lists <paramref name="found"/>.</exception>
    public static int Choose(IReadOnlyList<DeviceDescription> found, DeviceKind kind)
    {
        ArgumentNullException.ThrowIfNull(found);
        DeviceKind[] order = kind switch
        {
            DeviceKind.Any => [DeviceKind.Cuda, DeviceKind.OpenCL, DeviceKind.Cpu],
            DeviceKind.Gpu => [DeviceKind.Cuda, DeviceKind.OpenCL],
            DeviceKind.Cuda => [DeviceKind.Cuda],
            DeviceKind.OpenCL => [DeviceKind.OpenCL],
            DeviceKind.Cpu => [DeviceKind.Cpu],
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind."),
        };
        foreach (var wanted in order)
        {
            for (int i = 0; i < found.Count; i++)
            {
                if (found[i].Kind == wanted) return i;
            }
        }
        string what = kind switch
        {
            DeviceKind.Gpu => "a GPU (CUDA or OpenCL)",
            DeviceKind.Cuda => "a CUDA GPU",
            DeviceKind.OpenCL => "an OpenCL device",
            _ => "ILGPU's CPU accelerator",
        };
        string list = found.Count == 0 ? "none" : string.Join("; ", found);
        throw new InvalidOperationException(
            $"Myelin asked ILGPU for {what}, but there is none. Devices found: {list}. "
            + "CUDA needs an NVIDIA driver; OpenCL devices count only with OpenCL 2.0 and generic address space support. "
            + "Use DeviceKind.Any or DeviceKind.Cpu to run on ILGPU's CPU accelerator (a slow simulator), or the network's CPU class.");
    }

    private static DeviceDescription Describe(Device device) => new(
        device.AcceleratorType switch
        {
            AcceleratorType.Cuda => DeviceKind.Cuda,
            AcceleratorType.OpenCL => DeviceKind.OpenCL,
            _ => DeviceKind.Cpu,
        },
        device.Name, device.MaxNumThreadsPerGroup, device.MemorySize);

    /// <summary>Waits until every queued kernel and copy has finished.</summary>
    public void Synchronize() => Accelerator.Synchronize();

    /// <inheritdoc />
    public override string ToString() => Describe(Accelerator.Device).ToString();

    /// <summary>Frees the accelerator and ILGPU's context. Networks on this device must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Accelerator.Dispose();
        _context.Dispose();
    }
}
