using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using Myelin.Gpu;
using Myelin.Optimizers;

namespace Myelin.GpuBenchmarks;

/// <summary>The device the BenchmarkDotNet classes use, opened by <see cref="Program"/> before it hands over (in process).</summary>
internal static class BenchmarkDevice
{
    public static GpuDevice? Current { get; set; }

    /// <summary>The models the benchmarks run (<c>--models</c>).</summary>
    public static string[] Models { get; set; } = ["mlp", "lenet", "cnn", "resnet", "lstm", "gru"];

    /// <summary>The batch sizes the benchmarks run (<c>--batches</c>).</summary>
    public static int[] Batches { get; set; } = [64, 256];

    public static GpuDevice Require() => Current ?? throw new InvalidOperationException("Run the benchmarks through myelin-gpu-bench, which opens the device first.");
}

/// <summary>What both benchmark classes share: the model and batch parameters, and both networks with a batch.</summary>
public abstract class ModelBenchmark
{
    /// <summary>The model.</summary>
    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "mlp";

    /// <summary>The batch size.</summary>
    [ParamsSource(nameof(Batches))]
    public int BatchSize { get; set; }

    /// <summary>The models chosen on the command line.</summary>
    public static IEnumerable<string> Models => BenchmarkDevice.Models;

    /// <summary>The batch sizes chosen on the command line.</summary>
    public static IEnumerable<int> Batches => BenchmarkDevice.Batches;

    private protected ITrainableNetwork CpuNetwork { get; private set; } = null!;

    private protected ITrainableNetwork DeviceNetwork { get; private set; } = null!;

    private protected Batch Data { get; private set; } = null!;

    /// <summary>Builds both networks and a batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var model = BenchmarkModel.Find(Model);
        CpuNetwork = model.Cpu(BatchSize);
        DeviceNetwork = model.Gpu(BenchmarkDevice.Require(), BatchSize);
        Data = new Batch(CpuNetwork, BatchSize, seed: 3);
        Prepare();
    }

    /// <summary>Frees the device network.</summary>
    [GlobalCleanup]
    public void Cleanup() => ((IDisposable)DeviceNetwork).Dispose();

    /// <summary>What a class sets up beyond the networks.</summary>
    private protected virtual void Prepare()
    {
    }
}

/// <summary>A training step (forward, loss, backward, SGD) of each model at batch 64 and 256: the CPU path against the device.</summary>
[MemoryDiagnoser]
public class TrainStepBenchmarks : ModelBenchmark
{
    private readonly Sgd _cpuOptimizer = new(lr: 0.01);
    private readonly Sgd _deviceOptimizer = new(lr: 0.01);

    /// <summary>The generated SIMD code.</summary>
    [Benchmark(Baseline = true)]
    public float Cpu()
    {
        float loss = CpuNetwork.ForwardBackward(Data.Inputs, Data.Labels, BatchSize);
        _cpuOptimizer.Step(CpuNetwork);
        return loss;
    }

    /// <summary>The generated kernels; the loss read back and the optimizer step waited for.</summary>
    [Benchmark]
    public float Device()
    {
        float loss = DeviceNetwork.ForwardBackward(Data.Inputs, Data.Labels, BatchSize);
        _deviceOptimizer.Step(DeviceNetwork);
        BenchmarkDevice.Require().Synchronize();
        return loss;
    }
}

/// <summary>Inference (eval mode, inputs up and outputs down) of each model at batch 64 and 256: the CPU path against the device.</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks : ModelBenchmark
{
    private protected override void Prepare() => CpuNetwork.IsTraining = DeviceNetwork.IsTraining = false;

    /// <summary>The generated SIMD code.</summary>
    [Benchmark(Baseline = true)]
    public void Cpu() => CpuNetwork.Forward(Data.Inputs, Data.Outputs, BatchSize);

    /// <summary>The generated kernels.</summary>
    [Benchmark]
    public void Device() => DeviceNetwork.Forward(Data.Inputs, Data.Outputs, BatchSize);
}
