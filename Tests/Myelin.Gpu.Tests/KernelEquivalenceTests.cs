using Myelin.Gpu.Tests.Infrastructure;

namespace Myelin.Gpu.Tests;

/// <summary>
/// Every generated kernel against the CPU network: each test network covers some layers (dense with every activation,
/// direct and implicit-GEMM convolutions, pooling, batch norm, dropout, Add, Concat, values read by several ops), and
/// the forward values, the loss, every parameter gradient, the input gradient and the buffers must agree.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class KernelEquivalenceTests(DeviceFixture fixture)
{
    [Theory]
    [MemberData(nameof(TestNetworks.Names), MemberType = typeof(TestNetworks))]
    public void A_training_pass_gives_the_CPU_network_s_loss_outputs_gradients_input_gradient_and_buffers(string name)
    {
        var (cpu, gpu) = TestNetworks.Pair(name, fixture.Device, seed: 11);
        using var device = (IDisposable)gpu;
        foreach (int batch in new[] { 3, 2 })
        {
            var inputs = TestData.Inputs(cpu, batch, seed: batch);
            var cpuInputGradient = new float[inputs.Length];
            var gpuInputGradient = new float[inputs.Length];
            float cpuLoss = TestData.ForwardBackward(cpu, inputs, batch, seed: batch, cpuInputGradient);
            float gpuLoss = TestData.ForwardBackward(gpu, inputs, batch, seed: batch, gpuInputGradient);
            string pass = $"{name}, batch {batch}";
            Close.Equal(cpuLoss, gpuLoss, $"{pass}: loss");
            Close.Equal(cpu.Outputs, gpu.Outputs, $"{pass}: outputs");
            Close.Equal(cpu.Gradients, gpu.Gradients, $"{pass}: parameter gradients");
            Close.Equal(cpuInputGradient, gpuInputGradient, $"{pass}: input gradient");
            Close.Equal(cpu.Buffers, gpu.Buffers, $"{pass}: buffers");
            Assert.True(cpuInputGradient.Any(g => g != 0), $"{pass}: the input gradient is all zero, so this check proves nothing");
        }
    }

    [Theory]
    [MemberData(nameof(TestNetworks.Names), MemberType = typeof(TestNetworks))]
    public void Eval_mode_gives_the_CPU_network_s_outputs_and_loss_and_leaves_the_gradients_alone(string name)
    {
        var (cpu, gpu) = TestNetworks.Pair(name, fixture.Device, seed: 5);
        using var device = (IDisposable)gpu;
        // A training pass first, so that running statistics are no longer their initial values.
        var warmup = TestData.Inputs(cpu, 4, seed: 9);
        TestData.ForwardBackward(cpu, warmup, 4, seed: 9);
        TestData.ForwardBackward(gpu, warmup, 4, seed: 9);
        var gradients = gpu.Gradients.ToArray();

        cpu.IsTraining = false;
        gpu.IsTraining = false;
        var inputs = TestData.Inputs(cpu, 5, seed: 2);
        Close.Equal(TestData.ComputeLoss(cpu, inputs, 5, seed: 2), TestData.ComputeLoss(gpu, inputs, 5, seed: 2), $"{name}: eval loss");
        Close.Equal(cpu.Outputs, gpu.Outputs, $"{name}: eval outputs");
        Assert.Equal(gradients, gpu.Gradients.ToArray());

        var cpuOutputs = new float[5 * cpu.OutputSize];
        var gpuOutputs = new float[5 * cpu.OutputSize];
        cpu.Forward(inputs, cpuOutputs, 5);
        gpu.Forward(inputs, gpuOutputs, 5);
        Close.Equal(cpuOutputs, gpuOutputs, $"{name}: Forward of a batch");
        var cpuSingle = new float[cpu.OutputSize];
        var gpuSingle = new float[cpu.OutputSize];
        cpu.Forward(inputs.AsSpan(0, cpu.InputSize), cpuSingle);
        gpu.Forward(inputs.AsSpan(0, cpu.InputSize), gpuSingle);
        Close.Equal(cpuSingle, gpuSingle, $"{name}: Forward of one sample");
        Close.Equal(cpu.Buffers, gpu.Buffers, $"{name}: buffers after eval passes");
    }
}
