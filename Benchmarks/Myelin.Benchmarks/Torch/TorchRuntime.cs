using System;
using TorchSharp;

namespace Myelin.Benchmarks.Torch;

/// <summary>Loads libtorch once per process, proves it computes, and sets its intra-op thread count.</summary>
internal static class TorchRuntime
{
    private static readonly Lazy<int> s_defaultThreads = new(Start);

    /// <summary>libtorch's own intra-op thread count, read before anything changes it.</summary>
    public static int DefaultThreads => s_defaultThreads.Value;

    /// <summary>Sets libtorch's intra-op thread count for the benchmark that follows (in process, so it is global).</summary>
    public static void UseThreads(int threads)
    {
        _ = DefaultThreads;
        torch.set_num_threads(threads);
        if (torch.get_num_threads() != threads)
            throw new InvalidOperationException($"torch.set_num_threads({threads}) left libtorch with {torch.get_num_threads()} threads.");
    }

    private static int Start()
    {
        float sum;
        try
        {
            using torch.Tensor ones = torch.ones(3);
            using torch.Tensor total = ones.sum();
            sum = total.ToSingle();
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException(
                "TorchSharp could not load libtorch. On Linux with a libstdc++ older than GCC 13's (no GLIBCXX_3.4.32) run " +
                "Benchmarks/prepare-torchsharp.sh <build output directory> first; Benchmarks/run.sh builds, prepares and runs. " +
                "See docs/benchmarks.md. TorchSharp said: " + exception.Message, exception);
        }
        if (sum != 3f) throw new InvalidOperationException($"libtorch computed torch.ones(3).sum() = {sum}, not 3.");

        int threads = torch.get_num_threads();
        Console.WriteLine($"// TorchSharp: libtorch {torch.__version__} loaded; ones(3).sum() = {sum}; " +
            $"default intra-op threads {threads} on {Environment.ProcessorCount} logical cores.");
        return threads;
    }
}
