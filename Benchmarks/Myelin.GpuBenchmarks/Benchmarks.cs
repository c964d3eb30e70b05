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
    public static string[] Models { get; set; } = ["mlp", "lenet", "cnn", "resnet"];

    /// <summary>The batch sizes the benchmarks run (<c>--batches</c>).</summary>
    public static int[] Batches { get; set; } = [64, 256];

    public static GpuDevice Require() => Current ?? throw new InvalidOperationException("Run the benchmarks through myelin-gpu-bench, which opens the device first.");
}

/// <summary>A training step (forward, loss, backward, SGD) of each model at batch 64 and 256: the CPU path against the device.</summary>
[MemoryDiagnoser]
public class TrainStepBenchmarks
{
    private ITrainableNetwork _cpu = null!;
    private ITrainableNetwork _gpu = null!;
    private Batch _batch = null!;
    private readonly Sgd _cpuOptimizer = new(lr: 0.01);
    private readonly Sgd _gpuOptimizer = new(lr: 0.01);

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

    /// <summary>Builds both networks and a batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var model = BenchmarkModel.Find(Model);
        _cpu = model.Cpu(BatchSize);
        _gpu = model.Gpu(BenchmarkDevice.Require(), BatchSize);
        _batch = new Batch(_cpu, BatchSize, seed: 3);
    }

    /// <summary>Frees the device network.</summary>
    [GlobalCleanup]
    public void Cleanup() => ((IDisposable)_gpu).Dispose();

    /// <summary>The generated SIMD code.</summary>
    [Benchmark(Baseline = true)]
    public float Cpu()
    {
        float loss = _cpu.ForwardBackward(_batch.Inputs, _batch.Labels, BatchSize);
        _cpuOptimizer.Step(_cpu);
        return loss;
    }

    /// <summary>The generated kernels; the loss read back and the optimizer step waited for.</summary>
    [Benchmark]
    public float Device()
    {
        float loss = _gpu.ForwardBackward(_batch.Inputs, _batch.Labels, BatchSize);
        _gpuOptimizer.Step(_gpu);
        BenchmarkDevice.Require().Synchronize();
        return loss;
    }
}

/// <summary>Inference (eval mode, inputs up and outputs down) of each model at batch 64 and 256: the CPU path against the device.</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private ITrainableNetwork _cpu = null!;
    private ITrainableNetwork _gpu = null!;
    private Batch _batch = null!;

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

    /// <summary>Builds both networks in eval mode and a batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var model = BenchmarkModel.Find(Model);
        _cpu = model.Cpu(BatchSize);
        _gpu = model.Gpu(BenchmarkDevice.Require(), BatchSize);
        _cpu.IsTraining = _gpu.IsTraining = false;
        _batch = new Batch(_cpu, BatchSize, seed: 3);
    }

    /// <summary>Frees the device network.</summary>
    [GlobalCleanup]
    public void Cleanup() => ((IDisposable)_gpu).Dispose();

    /// <summary>The generated SIMD code.</summary>
    [Benchmark(Baseline = true)]
    public void Cpu() => _cpu.Forward(_batch.Inputs, _batch.Outputs, BatchSize);

    /// <summary>The generated kernels.</summary>
    [Benchmark]
    public void Device() => _gpu.Forward(_batch.Inputs, _batch.Outputs, BatchSize);
}
