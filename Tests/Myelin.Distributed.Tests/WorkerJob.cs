using Myelin.Distributed.Worker;

namespace Myelin.Distributed.Tests;

/// <summary>
/// One <c>mpirun -np 2</c> run of the test worker with every scenario, shared by the tests of <see cref="MpiTrainingTests"/>
/// (starting the ranks costs about a second; the scenarios themselves take about one more).
/// </summary>
public sealed class WorkerJob : IDisposable
{
    /// <summary>The ranks of the job.</summary>
    public const int Ranks = 2;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "myelin-mpi-" + Guid.NewGuid().ToString("N"));
    private readonly Lazy<ProcessResult> _job;

    /// <summary>Prepares the job; it runs when a test first asks for a result.</summary>
    public WorkerJob() =>
        _job = new Lazy<ProcessResult>(() => MpiRun.Mpirun(Ranks, MpiRun.Program("myelin-distributed-worker.dll"), rankOutput: null, _directory));

    /// <summary>What rank <paramref name="rank"/> ended scenario <paramref name="name"/> with; fails with the job's output if the job failed.</summary>
    public Replica Read(string name, int rank)
    {
        var job = _job.Value;
        Assert.True(job.ExitCode == 0, $"The MPI job failed:\n{job.Describe()}");
        return Replica.Read(_directory, name, rank);
    }

    /// <summary>Every rank's result of scenario <paramref name="name"/>, by rank.</summary>
    public Replica[] ReadAll(string name) => Enumerable.Range(0, Ranks).Select(rank => Read(name, rank)).ToArray();

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
