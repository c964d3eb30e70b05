using System.Diagnostics;
using Myelin.Gpu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Myelin.Gpu.Tests;

[Collection(DeviceCollection.Name)]
public sealed class SmokeTests(DeviceFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Dense_forward_backward_matches()
    {
        var clock = Stopwatch.StartNew();
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 3, maxBatchSize: 8);
        output.WriteLine($"construct {clock.ElapsedMilliseconds} ms");
        var cpu = new DenseNet(3, 8);
        var inputs = TestData.Inputs(cpu, 5, 1);
        clock.Restart();
        float lossGpu = TestData.ForwardBackward(gpu, inputs, 5, 1);
        output.WriteLine($"step {clock.ElapsedMilliseconds} ms");
        float lossCpu = TestData.ForwardBackward(cpu, inputs, 5, 1);
        Close.Equal(lossCpu, lossGpu, "loss");
        Close.Equal(cpu.Outputs, gpu.Outputs, "outputs");
        Close.Equal(cpu.Gradients, gpu.Gradients, "gradients");
    }
}
