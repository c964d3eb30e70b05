using System.Diagnostics;
using System.Globalization;
using Myelin.Checkpoints;
using Myelin.Optimizers;
using Myelin.Training;
using Xunit.Abstractions;

namespace Myelin.Integration.Tests;

/// <summary>
/// A long run (three minutes by default) of what a training service does all day: train, save a resumable
/// checkpoint, load it into fresh objects and resume, again and again. It checks that nothing accumulates: the managed
/// heap and the resident memory stay flat, no file handle leaks, no temporary file is left, and every resumed run ends
/// bit-identical to the uninterrupted one.
/// </summary>
/// <remarks>
/// <para>
/// Marked <c>Category=Soak</c> and kept out of the default test command by <c>default.runsettings</c>
/// (<c>TestCaseFilter</c> <c>Category!=Soak</c>, set as this project's <c>RunSettingsFilePath</c>). Run it with
/// </para>
/// <code>dotnet test Tests/Myelin.Integration.Tests -c Release --settings Tests/Myelin.Integration.Tests/soak.runsettings --logger "console;verbosity=detailed"</code>
/// <para>
/// <c>MYELIN_SOAK_SECONDS</c> changes its length (it always runs at least <see cref="MinimumCycles"/> cycles). The file
/// handle count comes from <c>/proc/self/fd</c>, so the test needs Linux.
/// </para>
/// </remarks>
[Trait("Category", "Soak")]
public sealed class SoakTests(ITestOutputHelper output) : IDisposable
{
    // Warm-up: tiered compilation, the loader's and optimizers' first allocations and the runtime's lazily opened
    // descriptors settle within the first few dozen cycles; measuring starts after them.
    private const int Epochs = 4, BatchSize = 16, WarmupCycles = 50, MinimumCycles = 100;
    private const long HeapGrowthLimit = 1 << 20;      // 1 MiB: a leak of one 3 KB checkpoint per cycle exceeds it within minutes
    private const long ResidentGrowthLimit = 64 << 20;  // 64 MiB: the GC may keep freed segments; a native leak grows without bound
    private const int HandleAllowance = 2;              // descriptors the runtime opens lazily and closes again; a leak per cycle exceeds it at once
    private static readonly Data.Dataset Data = SyntheticData.Clusters(480, seed: 1);
    private static readonly FitOptions Options = new() { Epochs = Epochs, BatchSize = BatchSize, Seed = 5 };

    private readonly string _directory = Directory.CreateTempSubdirectory("myelin-soak-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Training_saving_and_resuming_for_minutes_keeps_memory_and_file_handles_flat_and_resumes_bit_identical()
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("MYELIN_SOAK_SECONDS") ?? "180", CultureInfo.InvariantCulture));
        var straight = new NoisyClassifier(seed: 2);
        straight.Fit(Data, Options with { Optimizer = new AdamW(3e-3) });
        int[] expectedParameters = Bits(straight.Parameters), expectedBuffers = Bits(straight.Buffers);

        var heap = new List<long>();
        var resident = new List<long>();
        var handles = new List<int>();
        int peak = 0;
        string busiest = "";   // what was open at the peak, for the log
        var clock = Stopwatch.StartNew();
        int cycle = 0;
        for (; clock.Elapsed < duration || cycle < MinimumCycles; cycle++)
        {
            var (parameters, buffers) = TrainSaveAndResume(cycle);
            Assert.Equal(expectedParameters, parameters);
            Assert.Equal(expectedBuffers, buffers);
            Assert.Equal(["run.optim.safetensors", "run.safetensors", "weights.safetensors"], FileNames());
            if (cycle < WarmupCycles) continue;
            heap.Add(HeapBytesAfterFullCollection());
            resident.Add(ResidentBytes());
            int open = OpenFileHandles();
            if (handles.Count > 0 && open > peak) busiest = DescribeHandles();
            peak = Math.Max(peak, open);
            handles.Add(open);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{cycle} cycles in {clock.Elapsed.TotalSeconds:0} s; managed heap {heap[0] / 1024} -> {heap[^1] / 1024} KiB (max {heap.Max() / 1024}); " +
            $"resident {resident[0] >> 20} -> {resident[^1] >> 20} MiB (max {resident.Max() >> 20}); file handles {handles[0]} -> {handles[^1]} (max {peak})"));
        // Flat: the end of the run is no higher than its start (after warm-up), within a small allowance.
        int window = Math.Max(1, heap.Count / 10);
        Assert.InRange(Median(heap.TakeLast(window)) - Median(heap.Take(window)), long.MinValue, HeapGrowthLimit);
        Assert.InRange(Median(resident.TakeLast(window)) - Median(resident.Take(window)), long.MinValue, ResidentGrowthLimit);
        if (busiest.Length > 0) output.WriteLine("Descriptors at the peak besides assemblies: " + busiest);
        // A leak grows with the cycles; the runtime's own descriptors (thread-pool wake-ups, a second /dev/urandom)
        // come and go, so the typical count at the end is compared with the one at the start, not the peak.
        Assert.InRange(Median(handles.TakeLast(window).Select(h => (long)h)) - Median(handles.Take(window).Select(h => (long)h)), long.MinValue, HandleAllowance);
    }

    /// <summary>
    /// One cycle: train part of the run with a resumable checkpoint every epoch, save and reload the weights alone, then
    /// resume the rest into freshly built objects, as a restarted process would. Returns the final bits.
    /// </summary>
    private (int[] Parameters, int[] Buffers) TrainSaveAndResume(int cycle)
    {
        string path = Path.Combine(_directory, "run.safetensors");
        string weights = Path.Combine(_directory, "weights.safetensors");
        int split = 1 + cycle % (Epochs - 1);

        var first = new NoisyClassifier(seed: 2);
        first.Fit(Data, Options with
        {
            Epochs = split,
            Optimizer = new AdamW(3e-3),
            Callbacks = [new ModelCheckpoint(path, monitor: "loss", saveBestOnly: false, includeOptimizerState: true)],
        });
        Checkpoint.Save(first, weights);
        var copy = new NoisyClassifier(seed: 3);
        Checkpoint.Load(copy, weights);
        Assert.Equal(Bits(first.Parameters), Bits(copy.Parameters));

        var resumed = new NoisyClassifier(seed: 99);
        var optimizer = new AdamW(3e-3);
        var loaded = Checkpoint.LoadTrainingState(resumed, optimizer, path);
        resumed.Fit(Data, Options with { InitialEpoch = loaded.Progress!.Epoch, Optimizer = optimizer });
        return (Bits(resumed.Parameters), Bits(resumed.Buffers));
    }

    private string[] FileNames() => Directory.GetFiles(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static long HeapBytesAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>VmRSS from /proc/self/status, in bytes.</summary>
    private static long ResidentBytes()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static int OpenFileHandles() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>The open descriptors other than files (assemblies, native libraries), grouped: "pipe x9, socket x2".</summary>
    private static string DescribeHandles() => string.Join(", ", Directory.GetFileSystemEntries("/proc/self/fd")
        .Select(LinkTarget)
        .Where(target => !target.StartsWith('/') || target.StartsWith("/dev", StringComparison.Ordinal) || target.StartsWith("/tmp", StringComparison.Ordinal))
        .GroupBy(target => target.Split(':')[0])
        .Select(group => $"{group.Key} x{group.Count()}"));

    private static string LinkTarget(string descriptor)
    {
        try
        {
            return new FileInfo(descriptor).LinkTarget ?? "?";
        }
        catch (IOException)
        {
            return "closed meanwhile";
        }
    }

    private static long Median(IEnumerable<long> values)
    {
        long[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static int[] Bits(Span<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
