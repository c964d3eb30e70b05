using Myelin.Gpu.Tests.Infrastructure;

namespace Myelin.Gpu.Tests;

/// <summary>Device selection, the dropout stream in counter form, and the life cycle of device memory.</summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceTests(DeviceFixture fixture)
{
    private static readonly DeviceDescription Simulator = new(DeviceKind.Cpu, "CPUAccelerator", 16, 1L << 40);
    private static readonly DeviceDescription OpenCl = new(DeviceKind.OpenCL, "Some GPU", 1024, 8L << 30);
    private static readonly DeviceDescription Cuda = new(DeviceKind.Cuda, "NVIDIA H200", 1024, 141L << 30);

    [Fact]
    public void Selection_prefers_CUDA_then_OpenCL_then_the_CPU_accelerator()
    {
        Assert.Equal(2, GpuDevice.Choose([Simulator, OpenCl, Cuda], DeviceKind.Any));
        Assert.Equal(1, GpuDevice.Choose([Simulator, OpenCl], DeviceKind.Any));
        Assert.Equal(0, GpuDevice.Choose([Simulator], DeviceKind.Any));
        Assert.Equal(1, GpuDevice.Choose([Simulator, OpenCl], DeviceKind.Gpu));
        Assert.Equal(0, GpuDevice.Choose([Simulator, Cuda], DeviceKind.Cpu));
    }

    [Fact]
    public void Asking_for_a_GPU_when_there_is_none_fails_with_a_message_listing_the_devices_found()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GpuDevice.Choose([Simulator], DeviceKind.Gpu));
        Assert.Equal(
            "Myelin asked ILGPU for a GPU (CUDA or OpenCL), but there is none. Devices found: CPUAccelerator (ILGPU CPU accelerator). "
            + "CUDA needs an NVIDIA driver; OpenCL devices count only with OpenCL 2.0 and generic address space support. "
            + "Use DeviceKind.Any or DeviceKind.Cpu to run on ILGPU's CPU accelerator (a slow simulator), or the network's CPU class.",
            error.Message);
        Assert.Contains("Devices found: Some GPU (OpenCL, 8192 MiB)", Assert.Throws<InvalidOperationException>(() => GpuDevice.Choose([OpenCl], DeviceKind.Cuda)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Creating_a_GPU_device_on_this_machine_opens_one_or_names_what_it_found()
    {
        var found = GpuDevice.FindDevices();
        Assert.Contains(found, d => d.Kind == DeviceKind.Cpu);
        if (found.Any(d => d.Kind is DeviceKind.Cuda or DeviceKind.OpenCL))
        {
            using var device = GpuDevice.Create(DeviceKind.Gpu);
            Assert.True(device.IsGpu);
            return;
        }
        var error = Assert.Throws<InvalidOperationException>(() => GpuDevice.Create(DeviceKind.Gpu));
        Assert.Contains("but there is none. Devices found: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("(ILGPU CPU accelerator)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0L)]
    [InlineData(7, 123456789L)]
    [InlineData(-3, long.MinValue)]
    public void The_counter_form_of_the_random_stream_draws_what_SeededRandom_draws(int seed, long stream)
    {
        var sequential = new SeededRandom(seed, stream);
        ulong state = DeviceRandom.InitialState(seed, stream);
        for (int i = 0; i < 1000; i++) Assert.Equal(sequential.NextFloat(), DeviceRandom.Uniform(state, i));
    }

    [Fact]
    public void A_disposed_device_network_refuses_to_run()
    {
        var gpu = new DenseNet.Gpu(fixture.Device, seed: 1, maxBatchSize: 2);
        gpu.Dispose();
        Assert.Throws<ObjectDisposedException>(() => gpu.Forward(new float[12], new float[5]));
    }

    [Fact]
    public void The_simulator_runs_small_groups_and_a_GPU_would_run_16_by_16_tiles()
    {
        Assert.Equal(DeviceKind.Cpu, fixture.Device.Kind);
        Assert.False(fixture.Device.IsGpu);
        Assert.Equal(4, fixture.Device.TileThreads);
        Assert.Equal(16, fixture.Device.ReductionThreads);
    }
}
