using System;
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
/// A tiny, allocation-free fork-join pool for kernels: one background worker per extra core, woken by an event. The
/// calling thread runs part 0 (and every part a worker does not take). Work is split into parts that own disjoint
/// outputs, so results are bit-identical whatever the number of threads. When another thread holds the pool, the
/// caller simply runs every part itself.
/// </summary>
internal static class KernelThreads
{
    private static readonly object s_gate = new();
    // Kernel events rather than SemaphoreSlim/ManualResetEventSlim: their blocking waits go through Monitor.Wait, which
    // allocates now and then, and a training step must allocate nothing. Waits spin first, so a short part rarely blocks.
    private static readonly AutoResetEvent s_done = new(false);
    private static Worker[]? s_workers;
    private static int s_pending;
    private static Exception? s_failure;

    /// <summary>Threads that can work at once: this one plus the workers (at most 8).</summary>
    public static int Parallelism { get; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>Makes every run serial on the calling thread (for tests that compare with the parallel result).</summary>
    internal static bool ForceSerial { get; set; }

    /// <summary>Runs parts 0 .. <paramref name="parts"/> - 1 of <paramref name="work"/>, in parallel where it can.</summary>
    public static void Run(IParallelWork work, int parts)
    {
        if (parts <= 1 || Parallelism == 1 || ForceSerial || !Monitor.TryEnter(s_gate))
        {
            for (int part = 0; part < parts; part++) work.Execute(part, parts);
            return;
        }
        try
        {
            var workers = s_workers ??= StartWorkers();
            int helpers = Math.Min(parts - 1, workers.Length);
            int stride = helpers + 1;
            s_failure = null;
            Volatile.Write(ref s_pending, helpers);
            for (int i = 0; i < helpers; i++) workers[i].Start(work, first: i + 1, stride, parts);
            for (int part = 0; part < parts; part += stride) work.Execute(part, parts);
            if (helpers > 0) WaitForWorkers();
            if (s_failure is not null) ExceptionDispatchInfo.Capture(s_failure).Throw();
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }

    private static void WaitForWorkers()
    {
        var spinner = new SpinWait();
        while (Volatile.Read(ref s_pending) != 0)
        {
            if (spinner.Count >= 50)
            {
                s_done.WaitOne();
                continue;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private static Worker[] StartWorkers()
    {
        var workers = new Worker[Parallelism - 1];
        for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(i);
        return workers;
    }

    private sealed class Worker
    {
        private readonly AutoResetEvent _wake = new(false);
        private IParallelWork? _work;
        private int _first;
        private int _stride;
        private int _parts;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "Myelin kernel worker " + index };
            thread.Start();
        }

        public void Start(IParallelWork work, int first, int stride, int parts)
        {
            _work = work;
            _first = first;
            _stride = stride;
            _parts = parts;
            _wake.Set();
        }

        private void Loop()
        {
            while (true)
            {
                _wake.WaitOne();
                try
                {
                    for (int part = _first; part < _parts; part += _stride) _work!.Execute(part, _parts);
                }
                catch (Exception exception)
                {
                    s_failure = exception;
                }
                _work = null;
                if (Interlocked.Decrement(ref s_pending) == 0) s_done.Set();
                // A Set that the caller did not wait for (it saw the count reach zero while spinning) leaves the event
                // signalled; the next WaitOne then returns at once and the caller's loop simply re-checks the count.
            }
        }
    }
}
