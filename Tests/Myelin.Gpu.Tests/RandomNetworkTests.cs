using Myelin.Gpu.Tests.Infrastructure;

namespace Myelin.Gpu.Tests;

/// <summary>
/// Seeded random networks, graphs and recurrent networks among them, generated and compiled in memory: every kernel of each agrees with its
/// CPU network in a training pass (loss, outputs, parameter and input gradients, buffers) and in eval mode.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class RandomNetworkTests(DeviceFixture fixture)
{
    public static IEnumerable<object[]> Seeds => Enumerable.Range(1, 12).Select(seed => new object[] { seed });

    public static IEnumerable<object[]> SequenceSeeds => Enumerable.Range(1, 8).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_random_network_s_device_kernels_agree_with_its_CPU_code(int seed) =>
        AgreesWithCpu(RandomArchitectures.Source(seed, "Net" + seed), "Net" + seed, seed);

    [Theory]
    [MemberData(nameof(SequenceSeeds))]
    public void A_random_recurrent_network_s_device_kernels_agree_with_its_CPU_code(int seed) =>
        AgreesWithCpu(RandomSequenceArchitectures.Source(seed, "Seq" + seed), "Seq" + seed, seed);

    private void AgreesWithCpu(string source, string name, int seed)
    {
        var assembly = InMemoryGenerator.CompileAndLoad(source);
        var type = assembly.GetType($"RandomNetworks.{name}", throwOnError: true)!;
        var cpu = (ITrainableNetwork)Activator.CreateInstance(type, 3, 8)!;
        using var owner = (IDisposable)Activator.CreateInstance(type.GetNestedType("Gpu")!, fixture.Device, 3, 8)!;
        var gpu = (ITrainableNetwork)owner;
        var state = new NetworkRandomState(seed, 1);
        cpu.RandomState = state;
        gpu.RandomState = state;

        var inputs = TestData.Inputs(cpu, 3, seed);
        var cpuInputGradient = new float[inputs.Length];
        var gpuInputGradient = new float[inputs.Length];
        string what = $"random network {name}:\n{source}\n";
        Close.Equal(TestData.ForwardBackward(cpu, inputs, 3, seed, cpuInputGradient), TestData.ForwardBackward(gpu, inputs, 3, seed, gpuInputGradient), what + "loss");
        Close.Equal(cpu.Outputs, gpu.Outputs, what + "outputs");
        Close.Equal(cpu.Gradients, gpu.Gradients, what + "parameter gradients");
        Close.Equal(cpuInputGradient, gpuInputGradient, what + "input gradient");
        Close.Equal(cpu.Buffers, gpu.Buffers, what + "buffers");

        cpu.IsTraining = gpu.IsTraining = false;
        var cpuOutputs = new float[2 * cpu.OutputSize];
        var gpuOutputs = new float[2 * cpu.OutputSize];
        cpu.Forward(inputs.AsSpan(0, 2 * cpu.InputSize), cpuOutputs, 2);
        gpu.Forward(inputs.AsSpan(0, 2 * cpu.InputSize), gpuOutputs, 2);
        Close.Equal(cpuOutputs, gpuOutputs, what + "eval outputs");
    }
}
