using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Myelin.Benchmarks.Performance;

/// <summary>
/// The arithmetic peak of this machine, measured in this process: a loop of independent multiply-adds on
/// <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/> and <see cref="Vector128{T}"/>, on one thread and on every
/// core at once. Fused multiply-adds where the hardware has FMA; a multiply and an add otherwise (2 FLOPs either way).
/// </summary>
/// <remarks>
/// Twelve accumulators hide the multiply-add latency (4 cycles, 2 per cycle on Zen 4/5). The values converge to 1, so
/// nothing overflows or turns denormal however long the loop runs.
/// </remarks>
internal static class FmaPeak
{
    private const int Iterations = 4_000_000;
    private static readonly Lazy<Peaks> s_peaks = new(Measure);

    /// <summary>Per-core and all-core peaks, in GFLOP/s.</summary>
    public static Peaks Value => s_peaks.Value;

    /// <summary>GFLOP/s of the widest accelerated width (the one Myelin's kernels use) on <paramref name="threads"/> threads.</summary>
    public static double ForThreads(int threads)
    {
        var peaks = Value;
        double perCore = peaks.WidestPerCore;
        // Measured across every core when the threads are all of them; per-core times threads otherwise.
        return threads >= Environment.ProcessorCount ? peaks.WidestAllCores : perCore * threads;
    }

    /// <summary>The measured peaks.</summary>
    /// <param name="Vector512PerCore">GFLOP/s with 512-bit vectors on one thread (0 when not accelerated).</param>
    /// <param name="Vector256PerCore">GFLOP/s with 256-bit vectors on one thread (0 when not accelerated).</param>
    /// <param name="Vector128PerCore">GFLOP/s with 128-bit vectors on one thread.</param>
    /// <param name="WidestPerCore">The widest accelerated width's per-core peak.</param>
    /// <param name="WidestAllCores">The widest width on every logical core at once.</param>
    /// <param name="WidestName">"Vector512", "Vector256" or "Vector128", with "FMA" or "mul+add".</param>
    public readonly record struct Peaks(double Vector512PerCore, double Vector256PerCore, double Vector128PerCore,
        double WidestPerCore, double WidestAllCores, string WidestName);

    private static Peaks Measure()
    {
        double v512 = Vector512.IsHardwareAccelerated ? Best(Loop512) : 0;
        double v256 = Vector256.IsHardwareAccelerated ? Best(Loop256) : 0;
        double v128 = Best(Loop128);
        Func<double> widest = Vector512.IsHardwareAccelerated ? Loop512 : Vector256.IsHardwareAccelerated ? Loop256 : Loop128;
        double perCore = Vector512.IsHardwareAccelerated ? v512 : Vector256.IsHardwareAccelerated ? v256 : v128;
        double allCores = AllCores(widest);
        string name = (Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128")
            + (Fma.IsSupported ? " FMA" : " mul+add");
        var peaks = new Peaks(v512, v256, v128, perCore, allCores, name);
        Console.WriteLine($"// FMA peak: Vector512 {v512:F1}, Vector256 {v256:F1}, Vector128 {v128:F1} GFLOP/s per core; " +
            $"{name} on all {Environment.ProcessorCount} logical cores {allCores:F1} GFLOP/s");
        return peaks;
    }

    /// <summary>The best of five runs: the peak is what the core can do, not what a busy machine left it.</summary>
    private static double Best(Func<double> loop)
    {
        double best = 0;
        for (int i = 0; i < 5; i++) best = Math.Max(best, loop());
        return best;
    }

    private static double AllCores(Func<double> loop)
    {
        int threads = Environment.ProcessorCount;
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var results = new double[threads];
            var workers = new Thread[threads];
            using var start = new ManualResetEventSlim(false);
            for (int t = 0; t < threads; t++)
            {
                int index = t;
                workers[t] = new Thread(() =>
                {
                    start.Wait();
                    results[index] = loop();
                });
                workers[t].Start();
            }
            start.Set();
            foreach (var worker in workers) worker.Join();
            double total = 0;
            foreach (double result in results) total += result;
            best = Math.Max(best, total);
        }
        return best;
    }

    private static double Loop512()
    {
        long started = Stopwatch.GetTimestamp();
        Sink(Chains512(Iterations));
        return Iterations * 12.0 * 16 * 2 / Stopwatch.GetElapsedTime(started).TotalSeconds / 1e9;
    }

    /// <summary>The multiply-adds alone, with no call inside: a call would make the JIT keep the accumulators in memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(int iterations)
    {
        var b = Vector512.Create(0.9999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.MultiplyAddEstimate(a0, b, c); a1 = Vector512.MultiplyAddEstimate(a1, b, c);
            a2 = Vector512.MultiplyAddEstimate(a2, b, c); a3 = Vector512.MultiplyAddEstimate(a3, b, c);
            a4 = Vector512.MultiplyAddEstimate(a4, b, c); a5 = Vector512.MultiplyAddEstimate(a5, b, c);
            a6 = Vector512.MultiplyAddEstimate(a6, b, c); a7 = Vector512.MultiplyAddEstimate(a7, b, c);
            a8 = Vector512.MultiplyAddEstimate(a8, b, c); a9 = Vector512.MultiplyAddEstimate(a9, b, c);
            a10 = Vector512.MultiplyAddEstimate(a10, b, c); a11 = Vector512.MultiplyAddEstimate(a11, b, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static double Loop256()
    {
        long started = Stopwatch.GetTimestamp();
        Sink(Chains256(Iterations));
        return Iterations * 12.0 * 8 * 2 / Stopwatch.GetElapsedTime(started).TotalSeconds / 1e9;
    }

    /// <summary>The multiply-adds alone, with no call inside: a call would make the JIT keep the accumulators in memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(int iterations)
    {
        var b = Vector256.Create(0.9999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.MultiplyAddEstimate(a0, b, c); a1 = Vector256.MultiplyAddEstimate(a1, b, c);
            a2 = Vector256.MultiplyAddEstimate(a2, b, c); a3 = Vector256.MultiplyAddEstimate(a3, b, c);
            a4 = Vector256.MultiplyAddEstimate(a4, b, c); a5 = Vector256.MultiplyAddEstimate(a5, b, c);
            a6 = Vector256.MultiplyAddEstimate(a6, b, c); a7 = Vector256.MultiplyAddEstimate(a7, b, c);
            a8 = Vector256.MultiplyAddEstimate(a8, b, c); a9 = Vector256.MultiplyAddEstimate(a9, b, c);
            a10 = Vector256.MultiplyAddEstimate(a10, b, c); a11 = Vector256.MultiplyAddEstimate(a11, b, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static double Loop128()
    {
        long started = Stopwatch.GetTimestamp();
        Sink(Chains128(Iterations));
        return Iterations * 12.0 * 4 * 2 / Stopwatch.GetElapsedTime(started).TotalSeconds / 1e9;
    }

    /// <summary>The multiply-adds alone, with no call inside: a call would make the JIT keep the accumulators in memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains128(int iterations)
    {
        var b = Vector128.Create(0.9999999f);
        var c = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector128.MultiplyAddEstimate(a0, b, c); a1 = Vector128.MultiplyAddEstimate(a1, b, c);
            a2 = Vector128.MultiplyAddEstimate(a2, b, c); a3 = Vector128.MultiplyAddEstimate(a3, b, c);
            a4 = Vector128.MultiplyAddEstimate(a4, b, c); a5 = Vector128.MultiplyAddEstimate(a5, b, c);
            a6 = Vector128.MultiplyAddEstimate(a6, b, c); a7 = Vector128.MultiplyAddEstimate(a7, b, c);
            a8 = Vector128.MultiplyAddEstimate(a8, b, c); a9 = Vector128.MultiplyAddEstimate(a9, b, c);
            a10 = Vector128.MultiplyAddEstimate(a10, b, c); a11 = Vector128.MultiplyAddEstimate(a11, b, c);
        }
        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static float s_sink;

    /// <summary>Keeps the loops' results alive so that the JIT cannot drop them.</summary>
    private static void Sink(float value) => Volatile.Write(ref s_sink, value);
}
