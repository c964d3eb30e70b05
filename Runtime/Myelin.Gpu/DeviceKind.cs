namespace Myelin.Gpu;

/// <summary>Which accelerator a <see cref="GpuDevice"/> runs on.</summary>
public enum DeviceKind
{
    /// <summary>The best one found: a CUDA GPU, else an OpenCL device, else ILGPU's CPU accelerator.</summary>
    Any = 0,

    /// <summary>A real GPU, CUDA first, then OpenCL; fails when there is none.</summary>
    Gpu = 1,

    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda = 2,

    /// <summary>An OpenCL 2.0 device with generic address space support (ILGPU's requirement).</summary>
    OpenCL = 3,

    /// <summary>
    /// ILGPU's CPU accelerator: a simulator that runs the same kernels, group by group, on the CPU threads. It is a
    /// correctness target (the GPU tests run on it), far slower than Myelin's SIMD CPU code.
    /// </summary>
    Cpu = 4,
}

/// <summary>An accelerator ILGPU found.</summary>
/// <param name="Kind">CUDA, OpenCL or the CPU simulator.</param>
/// <param name="Name">The device's name, e.g. <c>NVIDIA H200</c>.</param>
/// <param name="MaxGroupSize">The most threads one group may have.</param>
/// <param name="MemoryBytes">Its memory in bytes (for the CPU simulator, what ILGPU reports).</param>
public sealed record DeviceDescription(DeviceKind Kind, string Name, int MaxGroupSize, long MemoryBytes)
{
    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => $"{Name} (ILGPU CPU accelerator)",
        _ => $"{Name} ({Kind}, {MemoryBytes / (1024 * 1024)} MiB)",
    };
}
