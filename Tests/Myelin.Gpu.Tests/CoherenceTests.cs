using Myelin.Gpu.Tests.Infrastructure;

namespace Myelin.Gpu.Tests;

/// <summary>The host copies of parameters, gradients and buffers stay coherent with the device at the documented points.</summary>
[Collection(DeviceCollection.Name)]
public sealed class CoherenceTests(DeviceFixture fixture)
{
    [Fact]
    public void Parameters_written_through_the_span_are_used_by_the_next_pass()
    {
        var cpu = new DenseNet(seed: 1);
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 1);
        var inputs = TestData.Inputs(cpu, 3, seed: 1);
        TestData.ForwardBackward(gpu, inputs, 3, seed: 1);
        // Edit both networks the same way after a device pass: scale the first layer's weights.
        foreach (var network in new INetwork[] { cpu, gpu })
        {
            var weights = network.Parameters.Slice(0, 16 * 12);
            for (int i = 0; i < weights.Length; i++) weights[i] *= 3f;
        }
        var cpuOutputs = new float[3 * 5];
        var gpuOutputs = new float[3 * 5];
        cpu.Forward(inputs, cpuOutputs, 3);
        gpu.Forward(inputs, gpuOutputs, 3);
        Close.Equal(cpuOutputs, gpuOutputs, "outputs after editing the weights");
    }

    [Fact]
    public void Buffers_written_through_the_span_reach_the_device_and_eval_passes_leave_them_alone()
    {
        var cpu = new NormNet(seed: 2);
        using var gpu = new NormNet.Gpu(fixture.Device, seed: 2);
        foreach (var network in new INetwork[] { cpu, gpu })
        {
            network.Buffers[0] = 0.5f; // bn1.running_mean[0]
            network.Buffers[4] = 4f; // bn1.running_var[0]
            network.IsTraining = false;
        }
        var inputs = TestData.Inputs(cpu, 3, seed: 2);
        var cpuOutputs = new float[3 * 4];
        var gpuOutputs = new float[3 * 4];
        cpu.Forward(inputs, cpuOutputs, 3);
        gpu.Forward(inputs, gpuOutputs, 3);
        Close.Equal(cpuOutputs, gpuOutputs, "eval outputs with edited running statistics");
        Assert.Equal(cpu.Buffers.ToArray(), gpu.Buffers.ToArray());
    }

    [Fact]
    public void Gradients_read_and_scaled_on_the_host_are_what_the_device_optimizer_steps_with()
    {
        var cpu = new DenseNet(seed: 3);
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 3);
        var inputs = TestData.Inputs(cpu, 4, seed: 3);
        TestData.ForwardBackward(cpu, inputs, 4, seed: 3);
        TestData.ForwardBackward(gpu, inputs, 4, seed: 3);
        double cpuNorm = Optimizers.GradientClipping.ClipByGlobalNorm(cpu, 0.01);
        double gpuNorm = Optimizers.GradientClipping.ClipByGlobalNorm(gpu, 0.01);
        Close.Equal((float)cpuNorm, (float)gpuNorm, "gradient norm");
        new Optimizers.Sgd(lr: 1).Step(cpu);
        new Optimizers.Sgd(lr: 1).Step(gpu);
        Close.Equal(cpu.Parameters, gpu.Parameters, "parameters after a step with clipped gradients");
    }

    [Fact]
    public void Outputs_are_the_last_pass_s_and_are_read_from_the_device_once()
    {
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 4);
        var inputs = TestData.Inputs(gpu, 3, seed: 4);
        TestData.ForwardBackward(gpu, inputs, 3, seed: 4);
        var first = gpu.Outputs.ToArray();
        Assert.Equal(15, first.Length);
        Assert.Equal(first, gpu.Outputs.ToArray());
        TestData.ForwardBackward(gpu, inputs.AsSpan(0, 2 * 12).ToArray(), 2, seed: 4);
        Assert.Equal(10, gpu.Outputs.Length);
        Assert.Equal(first.AsSpan(0, 10).ToArray(), gpu.Outputs.ToArray());
    }
}
