using Myelin.Checkpoints;
using Myelin.Gpu.Tests.Infrastructure;
using Myelin.Optimizers;

namespace Myelin.Gpu.Tests;

/// <summary>Weights and training state move between the CPU and device networks both ways: checkpoints, resume, transfer.</summary>
[Collection(DeviceCollection.Name)]
public sealed class CheckpointTests(DeviceFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("myelin-gpu-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_checkpoint_saved_from_the_device_loads_into_the_CPU_network_and_back()
    {
        using var gpu = new NormNet.Gpu(fixture.Device, seed: 1);
        var inputs = TestData.Inputs(gpu, 4, seed: 1);
        TestData.ForwardBackward(gpu, inputs, 4, seed: 1);
        new Sgd(lr: 0.1).Step(gpu);
        string path = Path.Combine(_folder, "norm.safetensors");
        Checkpoint.Save(gpu, path);

        var cpu = new NormNet(seed: 99);
        Checkpoint.Load(cpu, path);
        Assert.Equal(gpu.Parameters.ToArray(), cpu.Parameters.ToArray());
        Assert.Equal(gpu.Buffers.ToArray(), cpu.Buffers.ToArray());
        Assert.Equal(1f, cpu.Buffers[cpu.Tensors.Single(t => t.Name == "bn1.num_batches_tracked").Offset]);

        // Back: the CPU network trains one more step, and a fresh device network loads it.
        TestData.ForwardBackward(cpu, inputs, 4, seed: 2);
        new Sgd(lr: 0.1).Step(cpu);
        Checkpoint.Save(cpu, path);
        using var loaded = new NormNet.Gpu(fixture.Device, seed: 98);
        Checkpoint.Load(loaded, path);
        Assert.Equal(cpu.Parameters.ToArray(), loaded.Parameters.ToArray());
        cpu.IsTraining = loaded.IsTraining = false;
        var cpuOutputs = new float[4 * NormNet.OutputSize];
        var gpuOutputs = new float[4 * NormNet.OutputSize];
        cpu.Forward(inputs, cpuOutputs, 4);
        loaded.Forward(inputs, gpuOutputs, 4);
        Close.Equal(cpuOutputs, gpuOutputs, "outputs of the loaded device network");
    }

    [Fact]
    public void Training_saved_on_the_device_resumes_on_the_CPU_as_if_it_had_never_stopped()
    {
        var reference = new DenseNet(seed: 6);
        var referenceOptimizer = new Adam(lr: 0.01);
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 6);
        var gpuOptimizer = new Adam(lr: 0.01);
        for (int step = 1; step <= 2; step++)
        {
            var inputs = TestData.Inputs(reference, 4, seed: step);
            TestData.ForwardBackward(reference, inputs, 4, seed: step);
            referenceOptimizer.Step(reference);
            TestData.ForwardBackward(gpu, inputs, 4, seed: step);
            gpuOptimizer.Step(gpu);
        }
        string path = Path.Combine(_folder, "dense.safetensors");
        Checkpoint.SaveTrainingState(gpu, gpuOptimizer, path, new TrainingProgress(Epoch: 1, GlobalStep: 2, Seed: 0));

        var resumed = new DenseNet(seed: 0);
        var resumedOptimizer = new Adam(lr: 0.01);
        var result = Checkpoint.LoadTrainingState(resumed, resumedOptimizer, path);
        Assert.Equal(2, result.Progress!.GlobalStep);
        var last = TestData.Inputs(reference, 4, seed: 3);
        TestData.ForwardBackward(reference, last, 4, seed: 3);
        referenceOptimizer.Step(reference);
        TestData.ForwardBackward(resumed, last, 4, seed: 3);
        resumedOptimizer.Step(resumed);
        Close.Equal(reference.Parameters, resumed.Parameters, "parameters one step after resuming on the CPU");
    }

    [Fact]
    public void Weights_transfer_between_a_CPU_network_and_its_device_network_exactly()
    {
        var cpu = new GraphNet(seed: 12, maxBatchSize: 6);
        using var gpu = new GraphNet.Gpu(fixture.Device, cpu);
        Assert.Equal(cpu.Parameters.ToArray(), gpu.Parameters.ToArray());
        Assert.Equal(6, gpu.MaxBatchSize);
        var inputs = TestData.Inputs(cpu, 2, seed: 3);
        TestData.ForwardBackward(gpu, inputs, 2, seed: 3);
        new Sgd(lr: 0.5).Step(gpu);
        var back = gpu.ToCpu();
        Assert.Equal(gpu.Parameters.ToArray(), back.Parameters.ToArray());
        Assert.NotEqual(cpu.Parameters.ToArray(), back.Parameters.ToArray());
    }

    [Fact]
    public void Copying_weights_between_networks_of_different_tables_names_the_first_difference()
    {
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 1);
        var other = new GraphNet(seed: 1);
        var error = Assert.Throws<ArgumentException>(() => gpu.CopyWeightsFrom(other));
        Assert.Contains("GraphNet has 8 tensors, but DenseNet has 10", error.Message, StringComparison.Ordinal);
    }
}
