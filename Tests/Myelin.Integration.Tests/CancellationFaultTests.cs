using System.Threading;
using Myelin.Checkpoints;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary>
/// Cancelling <see cref="Trainer.Fit"/> at any point, while a callback saves a resumable checkpoint every epoch, leaves
/// exactly the last completed epoch's checkpoint (or none), no temporary file, finite weights, and a run that resumes
/// from that checkpoint to the same bits as one that was never interrupted.
/// </summary>
public sealed class CancellationFaultTests : IDisposable
{
    private const int Epochs = 4, BatchSize = 16, Samples = 240; // 15 batches per epoch
    private const int BatchesPerEpoch = (Samples + BatchSize - 1) / BatchSize;
    private static readonly Data.Dataset Data = SyntheticData.Clusters(Samples, seed: 1);
    private static readonly FitOptions Options = new() { Epochs = Epochs, BatchSize = BatchSize, Seed = 5 };
    private static readonly Lazy<(int[] Parameters, int[] Buffers)> Uninterrupted = new(() =>
    {
        var network = new NoisyClassifier(seed: 2);
        network.Fit(Data, Options with { Optimizer = new AdamW(3e-3) });
        return (Bits(network.Parameters), Bits(network.Buffers));
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("myelin-cancel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Twelve seeded random (epoch, batch) points plus the edges: the first batch, and an epoch's last batch.</summary>
    public static TheoryData<int, int> CancellationPoints()
    {
        var points = new TheoryData<int, int> { { 1, 1 }, { 2, BatchesPerEpoch }, { Epochs, BatchesPerEpoch - 1 } };
        var random = new SeededRandom(2024);
        for (int i = 0; i < 12; i++) points.Add(1 + random.NextInt(Epochs), 1 + random.NextInt(BatchesPerEpoch));
        return points;
    }

    [Theory]
    [MemberData(nameof(CancellationPoints))]
    public void Cancelling_after_any_batch_leaves_the_last_epoch_checkpoint_and_resumes_to_the_same_bits(int epoch, int batch)
    {
        string path = Path.Combine(_directory, "run.safetensors");
        using var cancellation = new CancellationTokenSource();
        var progress = new Progress(p =>
        {
            if (p.Epoch == epoch && p.Batch == batch) cancellation.Cancel();
        });

        var network = new NoisyClassifier(seed: 2);
        var history = network.Fit(Data, Options with
        {
            Optimizer = new AdamW(3e-3),
            Progress = progress,
            CancellationToken = cancellation.Token,
            Callbacks = [new ModelCheckpoint(path, monitor: "loss", saveBestOnly: false, includeOptimizerState: true)],
        });

        // Cancellation is seen before the next batch: after an epoch's last batch, that epoch still completes.
        int completed = batch == BatchesPerEpoch ? epoch : epoch - 1;
        Assert.Equal(completed == Epochs ? "completed" : "cancelled", history.StopReason);
        Assert.Equal(completed, history.Epochs.Count);
        Assert.All(network.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
        AssertResumesToTheUninterruptedBits(path, completed);
    }

    [Fact]
    public void Cancelling_from_another_thread_at_seeded_random_moments_always_leaves_a_resumable_state()
    {
        var random = new SeededRandom(7);
        for (int trial = 0; trial < 6; trial++)
        {
            string path = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, $"trial{trial}")).FullName, "run.safetensors");
            using var cancellation = new CancellationTokenSource();
            var network = new NoisyClassifier(seed: 2);
            var options = Options with
            {
                Optimizer = new AdamW(3e-3),
                CancellationToken = cancellation.Token,
                Callbacks = [new ModelCheckpoint(path, monitor: "loss", saveBestOnly: false, includeOptimizerState: true)],
            };
            // Whatever the moment (before the first batch, mid-epoch, during a save), the outcome must be consistent.
            cancellation.CancelAfter(TimeSpan.FromMilliseconds(random.NextInt(40)));

            var history = network.Fit(Data, options);

            AssertResumesToTheUninterruptedBits(path, history.Epochs.Count);
        }
    }

    /// <summary>
    /// The checkpoint's folder holds the pair of epoch <paramref name="completed"/> and nothing else (nothing at all before
    /// the first epoch ends), and training on from it ends bit-identical to the uninterrupted run.
    /// </summary>
    private void AssertResumesToTheUninterruptedBits(string path, int completed)
    {
        string[] expectedFiles = completed == 0 ? [] : ["run.optim.safetensors", "run.safetensors"];
        Assert.Equal(expectedFiles, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var resumed = new NoisyClassifier(seed: 99);
        var optimizer = new AdamW(3e-3);
        int initialEpoch = 0;
        if (completed > 0)
        {
            var loaded = Checkpoint.LoadTrainingState(resumed, optimizer, path);
            Assert.Equal(completed, loaded.Progress!.Epoch);
            initialEpoch = completed;
        }
        else
        {
            resumed = new NoisyClassifier(seed: 2);
        }
        if (initialEpoch < Epochs) resumed.Fit(Data, Options with { InitialEpoch = initialEpoch, Optimizer = optimizer });

        Assert.Equal(Uninterrupted.Value.Parameters, Bits(resumed.Parameters));
        Assert.Equal(Uninterrupted.Value.Buffers, Bits(resumed.Buffers));
    }

    private static int[] Bits(Span<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>IProgress that runs on the training thread (System.Progress posts to the thread pool).</summary>
    private sealed class Progress(Action<BatchProgress> report) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => report(value);
    }
}
