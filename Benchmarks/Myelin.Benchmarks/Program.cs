using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Myelin.Benchmarks;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher over every benchmark class, e.g.
/// <c>dotnet Myelin.Benchmarks.dll --filter '*Mlp*' --job short</c>. Run it through <c>Benchmarks/run.sh</c>.
/// </summary>
public static class Program
{
    private const string InProcess = "--inProcess";

    /// <summary>Runs the benchmarks the arguments select (or, with <c>sequential-mnist</c> first, trains a TorchSharp twin).</summary>
    /// <returns>0 when every selected benchmark ran, 1 when any failed (for example the equivalence guard threw).</returns>
    public static int Main(string[] args)
    {
        // Not a benchmark: trains the TorchSharp twin of the MNIST CLI's lstm or gru model for the README's results.
        if (args.Length > 0 && args[0] == Torch.SequentialMnistTraining.Command) return Torch.SequentialMnistTraining.Run(args.AsSpan(1));

        // Always in process. By default BenchmarkDotNet builds each benchmark into a generated project with its own
        // output folder, and that folder would hold the NuGet package's libLibTorchSharp.so rather than the copy that
        // prepare-torchsharp.sh patched in this one (see docs/benchmarks.md).
        string[] effective = args.Contains(InProcess, StringComparer.OrdinalIgnoreCase) ? args : [.. args, InProcess];
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(effective);
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
