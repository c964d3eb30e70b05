using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Myelin.Gpu;
using Myelin.Optimizers;

namespace Myelin.GpuBenchmarks;

/// <summary>
/// The compact table: for each model and batch, a training step (forward, loss, backward, SGD step) and an inference
/// pass, on the CPU path (the generated SIMD code) and on the device, as milliseconds per batch.
/// </summary>
/// <remarks>
/// A device training step here is what the fit loop pays, minus its per-batch gradient check: the batch and labels
/// go up, the loss comes back (a synchronisation), the optimizer step runs on the device and is waited for. An
/// inference pass uploads the inputs and downloads the outputs.
/// </remarks>
internal static class TimingTable
{
    public static void Run(GpuDevice device, IReadOnlyList<BenchmarkModel> models, IReadOnlyList<int> batches, double seconds)
    {
        Console.WriteLine($"Device: {device}");
        Console.WriteLine($"CPU path: {Environment.ProcessorCount} threads, .NET {Environment.Version}");
        Console.WriteLine($"Each cell: mean ms per batch over at least {seconds.ToString("0.##", CultureInfo.InvariantCulture)} s after warm-up.");
        Console.WriteLine();
        string header = string.Format(CultureInfo.InvariantCulture, "{0,-7} {1,5}  {2,12} {3,12} {4,8}  {5,12} {6,12} {7,8}  {8,14}",
            "model", "batch", "train CPU", "train device", "speedup", "infer CPU", "infer device", "speedup", "device samples/s");
        Console.WriteLine(header);
        Console.WriteLine(new string('-', header.Length));
        foreach (var model in models)
        {
            foreach (int size in batches)
            {
                var cpu = model.Cpu(size);
                using var gpu = (IDisposable)model.Gpu(device, size);
                var network = (ITrainableNetwork)gpu;
                var batch = new Batch(cpu, size, seed: 7);
                double trainCpu = Time(() => TrainStep(cpu, new Sgd(lr: 0.01), batch), seconds);
                double trainGpu = Time(TrainStepOnDevice(network, device, batch), seconds);
                cpu.IsTraining = network.IsTraining = false;
                double inferCpu = Time(() => cpu.Forward(batch.Inputs, batch.Outputs, size), seconds);
                double inferGpu = Time(() => network.Forward(batch.Inputs, batch.Outputs, size), seconds);
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-7} {1,5}  {2,12:F3} {3,12:F3} {4,7:F2}x  {5,12:F3} {6,12:F3} {7,7:F2}x  {8,14:N0}",
                    model.Name, size, trainCpu, trainGpu, trainCpu / trainGpu, inferCpu, inferGpu, inferCpu / inferGpu, size / trainGpu * 1000));
            }
        }
    }

    private static Action TrainStepOnDevice(ITrainableNetwork network, GpuDevice device, Batch batch)
    {
        var optimizer = new Sgd(lr: 0.01);
        return () =>
        {
            TrainStep(network, optimizer, batch);
            device.Synchronize();
        };
    }

    private static void TrainStep(ITrainableNetwork network, IOptimizer optimizer, Batch batch)
    {
        network.ForwardBackward(batch.Inputs, batch.Labels, batch.Size);
        optimizer.Step(network);
    }

    /// <summary>
    /// Mean milliseconds of <paramref name="action"/>: two warm-up runs, then runs until <paramref name="seconds"/> have
    /// passed (at least one). With 0 seconds, one run and no warm-up: the simulator's proof that everything runs.
    /// </summary>
    public static double Time(Action action, double seconds)
    {
        if (seconds > 0)
        {
            action();
            action();
        }
        var clock = Stopwatch.StartNew();
        int runs = 0;
        do
        {
            action();
            runs++;
        }
        while (clock.Elapsed.TotalSeconds < seconds);
        return clock.Elapsed.TotalMilliseconds / runs;
    }
}
