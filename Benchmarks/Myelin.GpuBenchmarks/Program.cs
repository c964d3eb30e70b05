using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Running;
using Myelin.Gpu;

namespace Myelin.GpuBenchmarks;

/// <summary>
/// <c>myelin-gpu-bench [command] [--device any|gpu|cuda|opencl|cpu] [options]</c>: the GPU benchmarks.
/// </summary>
public static class Program
{
    private const string Usage = """
        myelin-gpu-bench [command] [--device any|gpu|cuda|opencl|cpu] [options]

        Commands:
          table    (default) train-step and inference time per batch, CPU path against the device, as a compact table
                   --models mlp,lenet,cnn,resnet,lstm,gru   --batches 64,256   --seconds 1
          verify   the device network against the CPU network (loss, outputs, gradients, a step) for each model
                   --models ...   --batch 32
          matmul   the generated matrix-product kernel alone, M = N = K = 4096 and 8192 on a GPU (256 on the simulator);
                   compare with torch_matmul.py on the same GPU
          bdn      BenchmarkDotNet (in process) over TrainStepBenchmarks and InferenceBenchmarks, --models and
                   --batches as above; the rest goes to BenchmarkDotNet, e.g. bdn --filter '*TrainStep*' --job short
          devices  the accelerators ILGPU finds

        --device picks the accelerator: any (default: CUDA, then OpenCL, then ILGPU's CPU simulator), gpu (fails without
        one), cuda, opencl, or cpu (the simulator; it runs the same kernels very slowly, so the defaults shrink there).
        """;

    /// <summary>Runs a command.</summary>
    /// <returns>0 on success; 1 when a check failed or a benchmark did not run; 2 on bad arguments.</returns>
    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine(exception.Message);
            Console.Error.WriteLine();
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (InvalidOperationException exception) when (exception.Message.StartsWith("Myelin asked ILGPU", StringComparison.Ordinal))
        {
            Console.Error.WriteLine(exception.Message);
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        var list = new List<string>(args);
        if (list.Remove("--help") || list.Remove("-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        string command = list.Count > 0 && !list[0].StartsWith('-') ? Take(list, 0) : "table";
        var kind = ParseDevice(Option(list, "--device") ?? "any");
        if (command == "devices")
        {
            foreach (var found in GpuDevice.FindDevices()) Console.WriteLine(found);
            return 0;
        }

        using var device = GpuDevice.Create(kind);
        bool simulator = !device.IsGpu;
        switch (command)
        {
            case "table":
                var models = BenchmarkModel.Parse(Option(list, "--models") ?? (simulator ? "mlp,lenet" : "mlp,lenet,cnn,resnet,lstm,gru"));
                var batches = (Option(list, "--batches") ?? (simulator ? "64" : "64,256")).Split(',').Select(b => ParseInt(b, "--batches")).ToList();
                double seconds = ParseDouble(Option(list, "--seconds") ?? (simulator ? "0" : "1"), "--seconds");
                RejectRest(list);
                if (simulator) Console.WriteLine("On ILGPU's CPU simulator: one timed run per cell, to show that every kernel runs; the times say nothing about a GPU.");
                TimingTable.Run(device, models, batches, seconds);
                return 0;
            case "verify":
                var checkedModels = BenchmarkModel.Parse(Option(list, "--models") ?? (simulator ? "mlp,lenet" : "mlp,lenet,cnn,resnet,lstm,gru"));
                int batch = ParseInt(Option(list, "--batch") ?? (simulator ? "4" : "32"), "--batch");
                RejectRest(list);
                return Verification.Run(device, checkedModels, batch) ? 0 : 1;
            case "matmul":
                double matmulSeconds = ParseDouble(Option(list, "--seconds") ?? (simulator ? "0" : "1"), "--seconds");
                RejectRest(list);
                MatrixProduct.Run(device, matmulSeconds);
                return 0;
            case "bdn":
                BenchmarkDevice.Current = device;
                BenchmarkDevice.Models = BenchmarkModel.Parse(Option(list, "--models") ?? (simulator ? "mlp" : "mlp,lenet,cnn,resnet,lstm,gru")).Select(m => m.Name).ToArray();
                BenchmarkDevice.Batches = (Option(list, "--batches") ?? (simulator ? "64" : "64,256")).Split(',').Select(b => ParseInt(b, "--batches")).ToArray();
                // In process: a self-contained publish has no SDK to build BenchmarkDotNet's usual child project.
                if (!list.Contains("--inProcess", StringComparer.OrdinalIgnoreCase)) list.Add("--inProcess");
                var summaries = BenchmarkSwitcher.FromTypes([typeof(TrainStepBenchmarks), typeof(InferenceBenchmarks)]).Run([.. list]);
                return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
            default:
                throw new ArgumentException($"Unknown command '{command}'.");
        }
    }

    private static DeviceKind ParseDevice(string text) => text.ToLowerInvariant() switch
    {
        "any" => DeviceKind.Any,
        "gpu" => DeviceKind.Gpu,
        "cuda" => DeviceKind.Cuda,
        "opencl" => DeviceKind.OpenCL,
        "cpu" or "ilgpu-cpu" => DeviceKind.Cpu,
        _ => throw new ArgumentException($"--device {text}: expected any, gpu, cuda, opencl or cpu."),
    };

    private static string? Option(List<string> list, string name)
    {
        int at = list.FindIndex(a => a.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (at < 0) return null;
        if (at + 1 >= list.Count) throw new ArgumentException($"{name} needs a value.");
        string value = list[at + 1];
        list.RemoveRange(at, 2);
        return value;
    }

    private static string Take(List<string> list, int at)
    {
        string value = list[at];
        list.RemoveAt(at);
        return value;
    }

    private static void RejectRest(List<string> list)
    {
        if (list.Count > 0) throw new ArgumentException($"Unexpected argument '{list[0]}'.");
    }

    private static int ParseInt(string text, string option) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a positive whole number.");

    private static double ParseDouble(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a number of seconds >= 0.");
}
