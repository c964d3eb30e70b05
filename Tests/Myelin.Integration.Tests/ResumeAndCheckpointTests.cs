using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;
using System.Threading;

namespace Myelin.Integration.Tests;

public sealed class ResumeAndCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("myelin-resume-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_run_resumed_from_a_checkpoint_ends_with_the_same_weights_as_an_uninterrupted_run()
    {
        var (straight, resumed) = StraightAndResumed(seed => new NoisyClassifier(seed),
            SyntheticData.Clusters(240, seed: 1), new FitOptions { Epochs = 4, BatchSize = 16, Seed = 5 });

        Assert.Equal(Bits(straight.Parameters), Bits(resumed.Parameters));
        Assert.Equal(Bits(straight.Buffers), Bits(resumed.Buffers));
    }

    [Fact]
    public void An_augmented_run_resumed_from_its_training_state_ends_with_the_bits_of_an_uninterrupted_one()
    {
        // Every transform on, so that a draw depending on anything but (seed, epoch, sample) would show.
        var augment = new Augment().Shift(1).Rotate(15).Scale(0.1).Elastic(4, 2).Erase(0.5).Fill(-0.1f);
        var data = SyntheticData.Bars(96, seed: 1);
        var options = new FitOptions { Epochs = 4, BatchSize = 16, Seed = 5, Augment = augment };

        var (straight, resumed) = StraightAndResumed(seed => new TinyConvNet(seed), data, options);

        Assert.Equal(Bits(straight.Parameters), Bits(resumed.Parameters));
        Assert.Equal(Bits(straight.Buffers), Bits(resumed.Buffers));
        // The control: the augmentation reached the training steps, so the equal bits above are not a plain run's.
        var plain = new TinyConvNet(seed: 2);
        plain.Fit(data, options with { Augment = null, Optimizer = new AdamW(3e-3) });
        Assert.NotEqual(Bits(straight.Parameters), Bits(plain.Parameters));
    }

    /// <summary>
    /// The same run twice from seed 2 with AdamW: uninterrupted for <c>options.Epochs</c>; and two epochs that save the
    /// training state, then, as a new process would, a network of another initialisation and a fresh optimizer that
    /// load it and train the remaining epochs.
    /// </summary>
    private (ITrainableNetwork Straight, ITrainableNetwork Resumed) StraightAndResumed(Func<int, ITrainableNetwork> create, Dataset data, FitOptions options)
    {
        var straight = create(2);
        straight.Fit(data, options with { Optimizer = new AdamW(3e-3) });

        string path = Path.Combine(_directory, "run.safetensors");
        var first = create(2);
        first.Fit(data, options with { Epochs = 2, Optimizer = new AdamW(3e-3),
            Callbacks = [new ModelCheckpoint(path, monitor: "loss", saveBestOnly: false, includeOptimizerState: true)] });

        var resumed = create(99); // a different initialisation: the checkpoint must overwrite it all
        var resumedOptimizer = new AdamW(3e-3);
        var loaded = Checkpoint.LoadTrainingState(resumed, resumedOptimizer, path);
        Assert.Equal(2, loaded.Progress!.Epoch);
        resumed.Fit(data, options with { InitialEpoch = loaded.Progress.Epoch, Optimizer = resumedOptimizer });
        return (straight, resumed);
    }

    [Fact]
    public void Resuming_without_the_optimizer_state_does_not_reproduce_the_run()
    {
        // The control for the test above: it must be the saved moments that make the two runs equal.
        var data = SyntheticData.Clusters(240, seed: 1);
        var options = new FitOptions { Epochs = 4, BatchSize = 16, Seed = 5 };
        var straight = new NoisyClassifier(seed: 2);
        straight.Fit(data, options with { Optimizer = new AdamW(3e-3) });

        string path = Path.Combine(_directory, "weights-only.safetensors");
        var first = new NoisyClassifier(seed: 2);
        first.Fit(data, options with { Epochs = 2, Optimizer = new AdamW(3e-3) });
        Checkpoint.Save(first, path);
        var resumed = new NoisyClassifier(seed: 2);
        Checkpoint.Load(resumed, path);
        resumed.Fit(data, options with { InitialEpoch = 2, Optimizer = new AdamW(3e-3) });

        Assert.NotEqual(Bits(straight.Parameters), Bits(resumed.Parameters));
    }

    [Fact]
    public void ModelCheckpoint_saves_only_improvements_and_the_saved_file_holds_the_best_weights()
    {
        var data = SyntheticData.Clusters(200, seed: 1);
        var net = new NoisyClassifier(seed: 2);
        string pattern = Path.Combine(_directory, "epoch{epoch}.safetensors");
        var checkpoint = new ModelCheckpoint(pattern, monitor: "loss");
        var snapshots = new SnapshotCallback();

        var history = net.Fit(data, new FitOptions { Epochs = 4, BatchSize = 20, Callbacks = [snapshots, checkpoint] });

        var losses = history["loss"];
        var improving = Enumerable.Range(0, 4).Where(i => losses.Take(i).All(l => losses[i] < l)).Select(i => i + 1).ToList();
        Assert.Equal(improving.Select(e => pattern.Replace("{epoch}", e.ToString())), checkpoint.Saved);
        var reloaded = new NoisyClassifier(seed: 7);
        Checkpoint.Load(reloaded, checkpoint.Saved[^1]);
        Assert.Equal(snapshots.Parameters[improving[^1] - 1], reloaded.Parameters.ToArray());
    }

    [Fact]
    public void Early_stopping_stops_after_the_patience_runs_out_and_restores_the_best_weights()
    {
        var data = SyntheticData.Clusters(200, seed: 1);
        var net = new NoisyClassifier(seed: 2);
        var snapshots = new SnapshotCallback();
        // No epoch after the first can improve the loss by 1e9, so epoch 2 exhausts a patience of 0.
        var stopping = new EarlyStopping(monitor: "loss", patience: 0, minDelta: 1e9, restoreBestWeights: true);

        var history = net.Fit(data, new FitOptions { Epochs = 10, BatchSize = 20, Callbacks = [snapshots, stopping] });

        Assert.Equal(2, history.Epochs.Count);
        Assert.StartsWith("early stopping", history.StopReason);
        Assert.Equal(1, stopping.BestEpoch);
        Assert.Equal(2, stopping.StoppedEpoch);
        Assert.Equal(snapshots.Parameters[0], net.Parameters.ToArray());
        Assert.NotEqual(snapshots.Parameters[1], net.Parameters.ToArray());
    }

    [Fact]
    public void Cancelling_stops_cleanly_between_batches_and_returns_the_epochs_completed()
    {
        var data = SyntheticData.Clusters(320, seed: 1);
        var net = new NoisyClassifier(seed: 2);
        using var cancellation = new CancellationTokenSource();
        int batches = 0;
        var progress = new SynchronousProgress(p =>
        {
            batches++;
            if (p.Epoch == 2 && p.Batch == 3) cancellation.Cancel();
        });

        var history = net.Fit(data, new FitOptions { Epochs = 5, BatchSize = 32, Progress = progress, CancellationToken = cancellation.Token });

        Assert.Equal("cancelled", history.StopReason);
        Assert.Single(history.Epochs);
        Assert.Equal(10 + 3, batches);
    }

    [Fact]
    public void A_diverging_run_stops_with_a_clear_error_and_keeps_the_weights_from_before_the_bad_step()
    {
        var data = SyntheticData.Regression(256, seed: 1);
        var net = new Regressor(seed: 2);
        float[]? lastGood = null;
        var progress = new SynchronousProgress(_ => lastGood = net.Parameters.ToArray());

        var error = Assert.Throws<TrainingDivergedException>(() =>
            net.Fit(data, new FitOptions { Epochs = 50, BatchSize = 8, Optimizer = new Sgd(1e4), Progress = progress }));

        Assert.Contains($"epoch {error.Epoch}, batch {error.Batch}", error.Message);
        Assert.Contains("NaN or infinite", error.Message + (error.Message.Contains("loss is") ? " NaN or infinite" : ""));
        Assert.All(net.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(lastGood ?? new Regressor(seed: 2).Parameters.ToArray(), net.Parameters.ToArray());
    }

    private static int[] Bits(Span<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Records the parameters after every epoch.</summary>
    private sealed class SnapshotCallback : Callback
    {
        public List<float[]> Parameters { get; } = new();

        public override void OnEpochEnd(EpochResult result, TrainingContext context) => Parameters.Add(context.Network.Parameters.ToArray());
    }

    /// <summary>IProgress that runs on the calling thread (System.Progress posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<BatchProgress> report) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => report(value);
    }
}
