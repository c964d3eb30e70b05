namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>
/// One ILGPU CPU accelerator for every test (the simulator CI runs on), opened once: every test class is in the
/// <see cref="DeviceCollection"/>, so they share it and run one after another.
/// </summary>
public sealed class DeviceFixture : IDisposable
{
    public DeviceFixture() => Device = GpuDevice.Create(DeviceKind.Cpu);

    public GpuDevice Device { get; }

    public void Dispose() => Device.Dispose();
}

[CollectionDefinition(Name)]
public sealed class DeviceCollection : ICollectionFixture<DeviceFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}
