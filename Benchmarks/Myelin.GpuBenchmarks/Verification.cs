using System;
using System.Collections.Generic;
using System.Globalization;
using Myelin.Gpu;
using Myelin.Optimizers;

namespace Myelin.GpuBenchmarks;

/// <summary>
/// The device network against the CPU network on the chosen device: one training pass and one SGD step per model,
/// comparing the loss, outputs, gradients and updated parameters. The unit tests do this on ILGPU's CPU accelerator;
/// this command does it where the tests cannot run, on a GPU machine without the .NET SDK.
/// </summary>
internal static class Verification
{
    private const double Relative = 1e-3;

    public static bool Run(GpuDevice device, IReadOnlyList<BenchmarkModel> models, int size)
    {
        Console.WriteLine($"Device: {device}; each check passes when |device - CPU| <= {Relative} x the largest |CPU| value of that tensor.");
        bool all = true;
        foreach (var model in models)
        {
            var cpu = model.Cpu(size);
            using var owner = (IDisposable)model.Gpu(device, size);
            var gpu = (ITrainableNetwork)owner;
            var state = new NetworkRandomState(3, 1);
            cpu.RandomState = state;
            gpu.RandomState = state;
            var batch = new Batch(cpu, size, seed: 11);
            float cpuLoss = cpu.ForwardBackward(batch.Inputs, batch.Labels, size);
            float gpuLoss = gpu.ForwardBackward(batch.Inputs, batch.Labels, size);
            var checks = new List<(string What, double Error)>
            {
                ("loss", Error(new[] { cpuLoss }, new[] { gpuLoss })),
                ("outputs", Error(cpu.Outputs, gpu.Outputs)),
                ("gradients", Error(cpu.Gradients, gpu.Gradients)),
            };
            new Sgd(lr: 0.1, momentum: 0.9).Step(cpu);
            new Sgd(lr: 0.1, momentum: 0.9).Step(gpu);
            checks.Add(("parameters after a step", Error(cpu.Parameters, gpu.Parameters)));
            checks.Add(("buffers", Error(cpu.Buffers, gpu.Buffers)));
            foreach (var (what, error) in checks)
            {
                bool pass = error <= Relative;
                all &= pass;
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-7} batch {1,3}  {2,-24} {3,10:E2}  {4}", model.Name, size, what, error, pass ? "ok" : "FAILED"));
            }
        }
        Console.WriteLine(all ? "All checks passed." : "Some checks FAILED.");
        return all;
    }

    /// <summary>The largest |device - CPU| over the largest |CPU| (0 for two empty or all-zero tensors).</summary>
    private static double Error(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            double difference = Math.Abs((double)expected[i] - actual[i]);
            worst = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(worst, difference);
        }
        return worst == 0 ? 0 : worst / Math.Max(scale, 1e-12);
    }
}
