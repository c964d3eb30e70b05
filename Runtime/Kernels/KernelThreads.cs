using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Myelin.Kernels;

/// <summary>A piece of kernel work split into numbered parts that can run on any thread.</summary>
internal interface IParallelWork
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>. Parts must not write the same memory.</summary>
    void Execute(int part, int parts);
}

/// <summary>
/// The threads that Myelin's kernels (matrix products, convolutions, pooling, element-wise epilogues, losses and
/// optimizer updates) run on: the calling thread plus <see cref="Count"/> - 1 background workers of a tiny,
/// allocation-free fork-join pool.
/// </summary>
/// <remarks>
/// <para>
/// Set the count in code with <see cref="Count"/>, or before the process starts with the environment variable
/// <c>MYELIN_NUM_THREADS</c> (<see cref="EnvironmentVariable"/>); by default it is the number of logical processors.
/// <c>KernelThreads.Count = 1</c> runs everything on the calling thread.
/// </para>
/// <para>
/// Results do not depend on the count: work is split into parts that own disjoint outputs, and every output is
/// computed in the same order whichever thread computes it, so one thread and sixteen give bit-identical results.
/// </para>
/// <para>
/// Hand-off: a worker that finishes a part spins for <see cref="SpinMicroseconds"/> waiting for the next one before it
/// blocks on a kernel event, so that the back-to-back kernel calls of a training step find it awake (a blocked
/// thread takes tens of microseconds to wake, which made step times bimodal). The caller likewise spins before it
/// blocks while waiting for the workers. When another thread is using the pool, a call runs all its parts itself.
/// </para>
/// </remarks>
public static class KernelThreads
{
    /// <summary>The environment variable that sets the default <see cref="Count"/>: a whole number from 1 to <see cref="MaxCount"/>.</summary>
    public const string EnvironmentVariable = "MYELIN_NUM_THREADS";

    /// <summary>The largest thread count accepted.</summary>
    public const int MaxCount = 256;

    /// <summary>How long an idle worker, or a caller waiting for workers, spins before it blocks.</summary>
    internal const int SpinMicroseconds = 200;

    private static readonly long s_spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    /// <summary>
    /// A gap this long between two steps of a spin means the spinning thread was descheduled: its core is shared (with
    /// the caller, or another process), where spinning only takes time from the thread it waits for, so it blocks.
    /// </summary>
    private static readonly long s_preemptedTicks = Stopwatch.Frequency * 30 / 1_000_000;
    private static readonly object s_growGate = new();
    // Kernel events rather than SemaphoreSlim/ManualResetEventSlim: their blocking waits go through Monitor.Wait, which
    // allocates now and then, and a training step must allocate nothing.
    private static readonly AutoResetEvent s_done = new(false);
    private static Worker[] s_workers = [];
    private static int s_count;           // 0 until read from the environment or set
    private static int s_busy;            // 1 while a Run owns the workers (not re-entrant, unlike a Monitor)
    private static long s_ticket;         // generation << 32 | next unclaimed part
    private static int s_parts;           // parts of the current generation
    private static IParallelWork? s_work; // the work of the current generation
    private static int s_active;          // threads between a claim attempt and the end of the part they claimed
    private static int s_callerSleeping;  // 1 while the caller blocks on s_done
    private static Exception? s_failure;

    /// <summary>
    /// The number of threads kernels use, the calling thread included: at least 1, at most <see cref="MaxCount"/>.
    /// Defaults to <c>MYELIN_NUM_THREADS</c> when set, else to <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="MaxCount"/>.</exception>
    public static int Count
    {
        get
        {
            int count = Volatile.Read(ref s_count);
            if (count == 0)
            {
                // Read lazily, so that a bad value is reported as itself (not as a failed type initializer) by the
                // first kernel or the first read of Count, and keeps being reported until it is fixed or overridden.
                count = ParseCount(Environment.GetEnvironmentVariable(EnvironmentVariable));
                Interlocked.CompareExchange(ref s_count, count, 0);
            }
            return Volatile.Read(ref s_count);
        }
        set
        {
            if (value < 1 || value > MaxCount)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"KernelThreads.Count must be from 1 to {MaxCount}.");
            Volatile.Write(ref s_count, value);
        }
    }

    /// <summary>Threads a run may use now: <see cref="Count"/>, or 1 inside <see cref="RunSerially"/> on this thread.</summary>
    internal static int Parallelism => t_serial ? 1 : Count;

    [ThreadStatic] private static bool t_serial;

    /// <summary>
    /// Runs <paramref name="action"/> with every kernel call it makes on this thread serial, as when another thread
    /// holds the pool; other threads are unaffected. For tests: the serial result that parallel ones must equal bit
    /// for bit, and warm-ups that grow this thread's scratch to what any part of any call needs, so that a later count
    /// of allocated bytes cannot depend on which parts the caller happened to claim.
    /// </summary>
    internal static void RunSerially(Action action)
    {
        bool was = t_serial;
        t_serial = true;
        try
        {
            action();
        }
        finally
        {
            t_serial = was;
        }
    }


    /// <summary>
    /// Reads <c>MYELIN_NUM_THREADS</c>. A value that is set but not a whole number from 1 to <see cref="MaxCount"/> is an
    /// error rather than silently ignored, so that a typo cannot quietly change what a benchmark measures.
    /// </summary>
    internal static int ParseCount(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Math.Clamp(Environment.ProcessorCount, 1, MaxCount);
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1 && count <= MaxCount)
            return count;
        throw new InvalidOperationException(
            $"The environment variable {EnvironmentVariable} is '{text}', but it must be a whole number of threads from 1 to {MaxCount}.");
    }

    /// <summary>Runs parts 0 .. <paramref name="parts"/> - 1 of <paramref name="work"/>, in parallel where it can.</summary>
    /// <remarks>
    /// Parts are claimed, not assigned: the caller and the woken workers each take the next unclaimed part until none
    /// is left, and the caller then waits only for parts that a worker has actually started. A worker that is slow to
    /// wake, or that the operating system has parked behind another process, therefore costs nothing: the caller does
    /// its parts too. Which thread computes a part never changes its result.
    /// </remarks>
    internal static void Run(IParallelWork work, int parts)
    {
        int threads = Math.Min(parts, Parallelism);
        if (threads <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++) work.Execute(part, parts);
            return;
        }
        try
        {
            var workers = Workers(threads - 1);
            s_failure = null;
            s_work = work;
            s_parts = parts;
            // A new generation with no part claimed; the exchange is a full fence, so the work and the count above are
            // visible to any worker that claims a part of this generation.
            long generation = (Volatile.Read(ref s_ticket) >> 32) + 1;
            Interlocked.Exchange(ref s_ticket, generation << 32);
            for (int i = 0; i < threads - 1; i++) workers[i].Wake(generation);
            RunParts(generation);
            WaitForWorkers();
            s_work = null;
            if (s_failure is not null) ExceptionDispatchInfo.Capture(s_failure).Throw();
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>
    /// Splits <c>0 .. count</c> into parts of at least <paramref name="grain"/> items: up to four per thread, so that
    /// claiming evens out threads that run slower than others.
    /// </summary>
    internal static int Parts(long count, long grain)
    {
        int threads = Parallelism;
        return threads == 1 ? 1 : (int)Math.Clamp(count / Math.Max(grain, 1), 1, 4L * threads);
    }

    /// <summary>Claims and runs parts of <paramref name="generation"/> until none is left; the caller and every worker run this.</summary>
    private static void RunParts(long generation)
    {
        while (true)
        {
            // Counted as active before the claim, so that the caller, which waits for no active worker, cannot miss a
            // part that is claimed but not finished.
            Interlocked.Increment(ref s_active);
            long ticket = Volatile.Read(ref s_ticket);
            int part = (int)(ticket & 0xFFFF_FFFF);
            bool claimed = ticket >> 32 == generation && part < Volatile.Read(ref s_parts)
                && Interlocked.CompareExchange(ref s_ticket, ticket + 1, ticket) == ticket;
            if (claimed)
            {
                try
                {
                    s_work!.Execute(part, s_parts);
                }
                catch (Exception exception)
                {
                    s_failure = exception;
                }
            }
            if (Interlocked.Decrement(ref s_active) == 0 && Volatile.Read(ref s_callerSleeping) == 1) s_done.Set();
            if (!claimed && (ticket >> 32 != generation || part >= Volatile.Read(ref s_parts))) return;
        }
    }

    /// <summary>Waits until no worker is running a part: spinning first, then blocking on <c>s_done</c>.</summary>
    private static void WaitForWorkers()
    {
        var spin = new Spin(Stopwatch.GetTimestamp());
        while (Volatile.Read(ref s_active) != 0)
        {
            if (spin.Continue())
            {
                continue;
            }
            // Announce the sleep, then re-check: a worker that brings the count to zero after the announcement sees it
            // and signals. A signal that nobody waits for leaves the event set; a later wait then returns at once and the
            // loop simply re-checks the count.
            Interlocked.Exchange(ref s_callerSleeping, 1);
            if (Volatile.Read(ref s_active) != 0) s_done.WaitOne();
            Interlocked.Exchange(ref s_callerSleeping, 0);
        }
    }

    /// <summary>
    /// A bounded spin: <see cref="Continue"/> pauses briefly (yielding the processor every few microseconds) and says
    /// whether to keep spinning: not after <see cref="SpinMicroseconds"/>, and not once the thread has been descheduled
    /// (see <c>s_preemptedTicks</c>).
    /// </summary>
    private struct Spin(long start)
    {
        private readonly long _start = start;
        private long _last = start;
        private int _count;

        public bool Continue()
        {
            long now = Stopwatch.GetTimestamp();
            if (now - _start >= s_spinTicks || now - _last >= s_preemptedTicks) return false;
            _last = now;
            // Yielding now and then lets a thread that shares this core (the one being waited for, or the JIT's
            // background compiler) run without waiting for a whole scheduler slice.
            if (++_count % 16 == 0) Thread.Yield();
            else Thread.SpinWait(4);
            return true;
        }
    }

    private static Worker[] Workers(int needed)
    {
        var workers = Volatile.Read(ref s_workers);
        if (workers.Length >= needed) return workers;
        lock (s_growGate)
        {
            workers = s_workers;
            if (workers.Length < needed)
            {
                var grown = new Worker[needed];
                Array.Copy(workers, grown, workers.Length);
                for (int i = workers.Length; i < needed; i++) grown[i] = new Worker(i);
                Volatile.Write(ref s_workers, grown);
                workers = grown;
            }
            return workers;
        }
    }

    private sealed class Worker
    {
        private readonly AutoResetEvent _wake = new(false);
        private long _generation; // the generation the worker was last woken for
        private int _sleeping;    // 1 while the worker blocks on _wake

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "Myelin kernel worker " + index };
            thread.Start();
        }

        public void Wake(long generation)
        {
            // The exchange is a full fence: the read of _sleeping below cannot move before it (the worker's side is
            // the mirror image, see WaitForWork), so a worker about to block always gets the signal.
            Interlocked.Exchange(ref _generation, generation);
            if (Volatile.Read(ref _sleeping) == 1) _wake.Set();
        }

        private void Loop()
        {
            long seen = 0;
            while (true)
            {
                seen = WaitForWork(seen);
                RunParts(seen);
            }
        }

        private long WaitForWork(long seen)
        {
            var spin = new Spin(Stopwatch.GetTimestamp());
            while (true)
            {
                long generation = Volatile.Read(ref _generation);
                if (generation != seen) return generation;
                if (spin.Continue()) continue;
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _generation) == seen) _wake.WaitOne();
                Interlocked.Exchange(ref _sleeping, 0);
                spin = new Spin(Stopwatch.GetTimestamp());
            }
        }
    }
}
