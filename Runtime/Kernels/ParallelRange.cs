using System;

namespace Myelin.Kernels;

/// <summary>
/// Work over a range of independent items (rows, planes, samples, chunks of a span): a struct that holds pointers to
/// its operands and computes items <c>start .. end</c>. Each item must write only its own outputs and compute them the
/// same way wherever the range is cut, so that the result does not depend on the number of threads.
/// </summary>
internal interface IRangeWork
{
    /// <summary>Computes items <paramref name="start"/> .. <paramref name="end"/> - 1.</summary>
    void Run(int start, int end);
}

/// <summary>
/// Runs an <see cref="IRangeWork"/> on <see cref="KernelThreads"/>, cut into contiguous ranges, one per thread, when
/// the whole is worth splitting. One cached runner per work type and calling thread, so a call allocates nothing.
/// </summary>
internal static class ParallelRange
{
    /// <summary>
    /// Work below which a range is not split: about 10 microseconds, measured in floats touched (or multiply-adds). A
    /// hand-off to a spinning worker costs about a microsecond.
    /// </summary>
    public const long MinWorkPerPart = 1L << 15;

    /// <summary>
    /// Runs items <c>0 .. count</c> of <paramref name="work"/>, each costing about <paramref name="workPerItem"/> units
    /// (see <see cref="MinWorkPerPart"/>).
    /// </summary>
    public static void Run<TWork>(in TWork work, int count, long workPerItem) where TWork : struct, IRangeWork
    {
        int parts = Math.Min(count, KernelThreads.Parts(count * Math.Max(workPerItem, 1), MinWorkPerPart));
        if (parts <= 1)
        {
            if (count > 0) work.Run(0, count);
            return;
        }
        Runner<TWork>.Run(work, count, parts);
    }

    private sealed class Runner<TWork> : IParallelWork where TWork : struct, IRangeWork
    {
        [ThreadStatic] private static Runner<TWork>? s_runner;
        private TWork _work;
        private int _count;

        public static void Run(in TWork work, int count, int parts)
        {
            var runner = s_runner;
            // A runner busy further up this thread's stack (the same kind of work nested in itself) is not reused.
            if (runner is null || runner._count != 0) s_runner = runner = new Runner<TWork>();
            runner._work = work;
            runner._count = count;
            try
            {
                KernelThreads.Run(runner, parts);
            }
            finally
            {
                runner._work = default;
                runner._count = 0;
            }
        }

        public void Execute(int part, int parts)
        {
            int start = (int)((long)_count * part / parts), end = (int)((long)_count * (part + 1) / parts);
            if (start < end) _work.Run(start, end);
        }
    }
}
