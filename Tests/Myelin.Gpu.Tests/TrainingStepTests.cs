using Myelin.Gpu.Tests.Infrastructure;
using Myelin.Optimizers;

namespace Myelin.Gpu.Tests;

/// <summary>
/// Whole training steps: forward, loss, backward and an optimizer step that runs on the device must give the CPU
/// network's parameters, buffers and optimizer state, for every optimizer and its variants.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class TrainingStepTests(DeviceFixture fixture)
{
    public static IEnumerable<object[]> Optimizers =>
        new[]
        {
            "Sgd", "Sgd momentum", "Sgd nesterov decay", "Sgd dampening", "Adam", "Adam amsgrad decay", "AdamW", "AdamW amsgrad",
            "RmsProp", "RmsProp centered", "RmsProp momentum decay", "RmsProp centered momentum",
        }.Select(name => new object[] { name });

    private static Optimizer Create(string name) => name switch
    {
        "Sgd" => new Sgd(lr: 0.1),
        "Sgd momentum" => new Sgd(lr: 0.05, momentum: 0.9),
        "Sgd nesterov decay" => new Sgd(lr: 0.05, momentum: 0.8, weightDecay: 0.01, nesterov: true),
        "Sgd dampening" => new Sgd(lr: 0.05, momentum: 0.5, dampening: 0.3),
        "Adam" => new Adam(lr: 0.01),
        "Adam amsgrad decay" => new Adam(lr: 0.01, weightDecay: 0.05, amsgrad: true),
        "AdamW" => new AdamW(lr: 0.01),
        "AdamW amsgrad" => new AdamW(lr: 0.01, beta1: 0.5, amsgrad: true),
        "RmsProp" => new RmsProp(lr: 0.01),
        "RmsProp centered" => new RmsProp(lr: 0.01, centered: true),
        "RmsProp momentum decay" => new RmsProp(lr: 0.01, alpha: 0.3, momentum: 0.9, weightDecay: 0.01),
        "RmsProp centered momentum" => new RmsProp(lr: 0.01, momentum: 0.5, centered: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown optimizer"),
    };

    /// <summary>
    /// The optimizer kernels alone: each step the device network gets the CPU network's gradients through its
    /// Gradients span (which also checks that host writes reach the device), so both optimizers see the same numbers.
    /// Adam and RMSprop divide each gradient by its own running magnitude, so a gradient that is zero up to rounding
    /// (the two backends sum in different orders) would otherwise step by up to the learning rate either way.
    /// </summary>
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Three_steps_of_each_optimizer_on_the_same_gradients_give_the_CPU_parameters_and_optimizer_state(string name)
    {
        var (cpu, gpu) = TestNetworks.Pair(nameof(GraphNet), fixture.Device, seed: 21);
        using var device = (IDisposable)gpu;
        var cpuOptimizer = Create(name);
        var gpuOptimizer = Create(name);
        for (int step = 1; step <= 3; step++)
        {
            var inputs = TestData.Inputs(cpu, 4, seed: step);
            TestData.ForwardBackward(cpu, inputs, 4, seed: step);
            TestData.ForwardBackward(gpu, inputs, 4, seed: step);
            cpu.Gradients.CopyTo(gpu.Gradients);
            cpuOptimizer.Step(cpu);
            gpuOptimizer.Step(gpu);
            Close.Equal(cpu.Parameters, gpu.Parameters, $"{name}, step {step}: parameters", relative: 1e-6, absolute: 1e-7);
        }
        AssertSameState(cpuOptimizer.GetState(), gpuOptimizer.GetState(), name);
        Assert.NotEqual(TestNetworks.Cpu(nameof(GraphNet), 21).Parameters.ToArray(), gpu.Parameters.ToArray());
    }

    /// <summary>
    /// Whole steps, the device computing its own gradients: SGD with momentum through batch norm and dropout, Adam, and
    /// the recurrent layers (backward through time, stacked, bidirectional, dropout between them) with four optimizers.
    /// </summary>
    [Theory]
    [InlineData(nameof(NormNet), "Sgd momentum")]
    [InlineData(nameof(DenseNet), "Adam")]
    [InlineData(nameof(VectorGraphNet), "RmsProp")]
    [InlineData(nameof(LstmNet), "Adam")]
    [InlineData(nameof(GruNet), "Sgd momentum")]
    [InlineData(nameof(RnnNet), "AdamW")]
    [InlineData(nameof(StackedRecurrentNet), "RmsProp centered")]
    public void Three_whole_training_steps_on_the_device_give_the_CPU_network_s_parameters_and_buffers(string network, string optimizer)
    {
        var (cpu, gpu) = TestNetworks.Pair(network, fixture.Device, seed: 13);
        using var device = (IDisposable)gpu;
        var cpuOptimizer = Create(optimizer);
        var gpuOptimizer = Create(optimizer);
        for (int step = 1; step <= 3; step++)
        {
            var inputs = TestData.Inputs(cpu, 4, seed: step);
            Close.Equal(TestData.ForwardBackward(cpu, inputs, 4, seed: step), TestData.ForwardBackward(gpu, inputs, 4, seed: step), $"step {step}: loss");
            cpuOptimizer.Step(cpu);
            gpuOptimizer.Step(gpu);
            Close.Equal(cpu.Parameters, gpu.Parameters, $"{network} with {optimizer}, step {step}: parameters");
            Close.Equal(cpu.Buffers, gpu.Buffers, $"{network} with {optimizer}, step {step}: buffers");
        }
    }

    [Fact]
    public void A_frozen_layer_is_not_updated_on_the_device_and_its_step_count_waits_as_on_the_CPU()
    {
        var (cpu, gpu) = TestNetworks.Pair(nameof(GraphNet), fixture.Device, seed: 4);
        using var device = (IDisposable)gpu;
        var cpuOptimizer = new Adam(lr: 0.02);
        var gpuOptimizer = new Adam(lr: 0.02);
        var frozen = gpu.Parameters.Slice(0, gpu.Tensors[1].Offset + gpu.Tensors[1].Length).ToArray();
        cpu.SetTrainable(0, false);
        gpu.SetTrainable(0, false);
        for (int step = 1; step <= 3; step++)
        {
            if (step == 3)
            {
                cpu.SetTrainable(0, true);
                gpu.SetTrainable(0, true);
            }
            var inputs = TestData.Inputs(cpu, 3, seed: step);
            TestData.ForwardBackward(cpu, inputs, 3, seed: step);
            TestData.ForwardBackward(gpu, inputs, 3, seed: step);
            Close.Equal(cpu.Gradients, gpu.Gradients, $"step {step}: gradients");
            if (step < 3) Assert.All(gpu.Gradients.Slice(0, frozen.Length).ToArray(), g => Assert.Equal(0f, g));
            cpuOptimizer.Step(cpu);
            gpuOptimizer.Step(gpu);
            if (step < 3) Assert.Equal(frozen, gpu.Parameters.Slice(0, frozen.Length).ToArray());
            Close.Equal(cpu.Parameters, gpu.Parameters, $"step {step}: parameters");
        }
        var state = gpuOptimizer.GetState();
        Assert.Equal(1, state.Scalars["stem.weight.step"]);
        Assert.Equal(3, state.Scalars["branch1.weight.step"]);
        AssertSameState(cpuOptimizer.GetState(), state, "Adam with a layer frozen for two steps");
    }

    [Fact]
    public void An_optimizer_carries_its_state_from_a_CPU_network_to_the_device_and_back()
    {
        var reference = TestNetworks.Cpu(nameof(DenseNet), 8);
        var cpu = TestNetworks.Cpu(nameof(DenseNet), 8);
        using var gpu = new DenseNet.Gpu(fixture.Device, 8, 8);
        var referenceOptimizer = new Adam(lr: 0.01);
        var moving = new Adam(lr: 0.01);
        for (int step = 1; step <= 5; step++)
        {
            var inputs = TestData.Inputs(reference, 4, seed: step);
            TestData.ForwardBackward(reference, inputs, 4, seed: step);
            referenceOptimizer.Step(reference);
            // Steps 1-2 on the CPU network, 3-4 on the device network, 5 on the CPU again: the weights move with it.
            ITrainableNetwork current = step is 3 or 4 ? gpu : cpu;
            if (step == 3) gpu.CopyWeightsFrom(cpu);
            if (step == 5) gpu.CopyWeightsTo(cpu);
            TestData.ForwardBackward(current, inputs, 4, seed: step);
            moving.Step(current);
        }
        Close.Equal(reference.Parameters, cpu.Parameters, "parameters after moving between backends");
        AssertSameState(referenceOptimizer.GetState(), moving.GetState(), "Adam after moving between backends");
    }

    private static void AssertSameState(OptimizerState expected, OptimizerState actual, string what)
    {
        Assert.Equal(expected.Optimizer, actual.Optimizer);
        Assert.Equal(expected.Scalars.OrderBy(p => p.Key), actual.Scalars.OrderBy(p => p.Key));
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach (var (key, values) in expected.Tensors) Close.Equal(values, actual.Tensors[key], $"{what}: optimizer state {key}");
    }
}
