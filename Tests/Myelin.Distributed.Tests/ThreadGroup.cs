using System.Globalization;
using System.Threading;
using Myelin.Training;

namespace Myelin.Distributed.Tests;

/// <summary>
/// Ranks that are threads of this process, for testing data-parallel <see cref="Trainer.Fit"/> without MPI: any number
/// of ranks, in milliseconds, with the failing rank's own exception. Sums are taken in rank order on every rank, so
/// every rank gets the same bits, as MPI gives them.
/// </summary>
internal sealed class ThreadGroup
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly object _gate = new();
    private readonly float[][] _floats;     // [rank] what each rank contributes to the current collective call
    private readonly double[][] _doubles;
    private int _arrived;
    private long _generation;
    private string? _failure;               // set when a rank fails, so that the others stop waiting for it

    private ThreadGroup(int size)
    {
        Size = size;
        _floats = new float[size][];
        _doubles = new double[size][];
    }

    /// <summary>The number of ranks.</summary>
    public int Size { get; }

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="size"/> threads, each with its rank's communicator, and returns
    /// their results by rank. A rank that throws ends the run: the others are released and the first original
    /// exception is rethrown, naming its rank.
    /// </summary>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        var group = new ThreadGroup(size);
        var results = new T[size];
        var failures = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = body(new Member(group, rank));
            }
            catch (Exception e)
            {
                failures[rank] = e;
                group.Fail($"rank {rank} failed");
            }
        }) { Name = $"rank {rank}", IsBackground = true }).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        int first = Array.FindIndex(failures, e => e is not null and not RankFailedException);
        if (first < 0) first = Array.FindIndex(failures, e => e is not null);
        if (first >= 0) throw new InvalidOperationException($"Rank {first} of {size} failed: {failures[first]!.Message}", failures[first]);
        return results;
    }

    private void Fail(string reason)
    {
        lock (_gate)
        {
            _failure ??= reason;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Blocks until every rank has arrived; throws if a rank failed or the others never came.</summary>
    private void Wait()
    {
        lock (_gate)
        {
            if (_failure is not null) throw new RankFailedException(_failure);
            long generation = _generation;
            if (++_arrived == Size)
            {
                _arrived = 0;
                _generation++;
                Monitor.PulseAll(_gate);
                return;
            }
            while (_generation == generation)
            {
                if (_failure is not null) throw new RankFailedException(_failure);
                if (!Monitor.Wait(_gate, Patience))
                {
                    _failure = $"a collective call waited {Patience.TotalSeconds:0} s for the other ranks";
                    Monitor.PulseAll(_gate);
                    throw new TimeoutException(_failure);
                }
            }
        }
    }

    private void AllreduceSum<T>(T[][] inbox, int rank, Span<T> values, Func<T, T, T> add)
    {
        inbox[rank] = values.ToArray();
        Wait();
        for (int r = 0; r < Size; r++)
        {
            if (inbox[r].Length != values.Length)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Allreduce of {values.Length} values on rank {rank}, but rank {r} sent {inbox[r].Length}."));
        }
        for (int i = 0; i < values.Length; i++)
        {
            T sum = inbox[0][i];
            for (int r = 1; r < Size; r++) sum = add(sum, inbox[r][i]);
            values[i] = sum;
        }
        Wait();     // nobody refills the inbox before every rank has read it
    }

    private void Broadcast<T>(T[][] inbox, int rank, Span<T> values, int root)
    {
        if (rank == root) inbox[root] = values.ToArray();
        Wait();
        if (inbox[root].Length != values.Length)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Broadcast of {values.Length} values on rank {rank}, but the root sent {inbox[root].Length}."));
        if (rank != root) inbox[root].CopyTo(values);
        Wait();
    }

    /// <summary>Thrown on the ranks that were waiting when another rank failed.</summary>
    private sealed class RankFailedException(string reason) : Exception($"stopped because {reason}");

    /// <summary>One rank's view of the group.</summary>
    private sealed class Member(ThreadGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;

        public int Size => group.Size;

        public void AllreduceSum(Span<float> values) => group.AllreduceSum(group._floats, rank, values, static (a, b) => a + b);

        public void AllreduceSum(Span<double> values) => group.AllreduceSum(group._doubles, rank, values, static (a, b) => a + b);

        public void Broadcast(Span<float> values, int root) => group.Broadcast(group._floats, rank, values, root);

        public void Broadcast(Span<double> values, int root) => group.Broadcast(group._doubles, rank, values, root);
    }
}
