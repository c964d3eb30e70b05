using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary><see cref="FitOptions.Augment"/> in a whole training run: resuming, and what a batch costs.</summary>
public sealed class AugmentedTrainingTests : IDisposable
{
    // Every family on, so that a draw that depended on anything but (seed, epoch, sample) would show.
    private static readonly Augment Everything = new Augment().Shift(1).Rotate(15).Scale(0.1).Elastic(4, 2).Erase(0.5).Fill(-0.1f);

    private readonly string _directory = Directory.CreateTempSubdirectory("myelin-augment-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void An_augmented_run_resumed_from_its_training_state_ends_with_the_bits_of_an_uninterrupted_one()
    {
        var data = SyntheticData.Bars(96, seed: 1);
        var options = new FitOptions { Epochs = 4, BatchSize = 16, Seed = 5, Augment = Everything };

        var straight = new TinyConvNet(seed: 2);
        straight.Fit(data, options with { Optimizer = new AdamW(3e-3) });

        // Two epochs, the training state saved; then a fresh network and optimizer, as a new process builds them.
        string path = Path.Combine(_directory, "run.safetensors");
        var first = new TinyConvNet(seed: 2);
        first.Fit(data, options with { Epochs = 2, Optimizer = new AdamW(3e-3),
            Callbacks = [new ModelCheckpoint(path, monitor: "loss", saveBestOnly: false, includeOptimizerState: true)] });
        var resumed = new TinyConvNet(seed: 99);
        var resumedOptimizer = new AdamW(3e-3);
        var loaded = Checkpoint.LoadTrainingState(resumed, resumedOptimizer, path);
        Assert.Equal(2, loaded.Progress!.Epoch);
        resumed.Fit(data, options with { InitialEpoch = loaded.Progress.Epoch, Optimizer = resumedOptimizer });

        Assert.Equal(Bits(straight.Parameters), Bits(resumed.Parameters));
        Assert.Equal(Bits(straight.Buffers), Bits(resumed.Buffers));

        // The control: the augmentation reached the training steps, so equal bits above are not those of plain runs.
        var plain = new TinyConvNet(seed: 2);
        plain.Fit(data, options with { Augment = null, Optimizer = new AdamW(3e-3) });
        Assert.NotEqual(Bits(straight.Parameters), Bits(plain.Parameters));
    }

    [Fact]
    public void An_augmented_Fit_allocates_per_epoch_but_nothing_per_batch()
    {
        // As AllocationTests does for a plain Fit: epochs of 5 and of 40 batches, with every transform on (the elastic
        // field and the in-place copy are the scratch a per-batch allocation would come from).
        static long FitAllocation(int samples)
        {
            var data = SyntheticData.Bars(samples, seed: 1);
            var net = new TinyConvNet(seed: 2, maxBatchSize: 16);
            var options = new FitOptions { Epochs = 3, BatchSize = 16, Augment = Everything, Metrics = [new Accuracy()] };
            net.Fit(data, options with { Epochs = 1 }); // warm-up: JIT, optimizer state, loader buffers
            long before = GC.GetAllocatedBytesForCurrentThread();
            net.Fit(data, options);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long few = FitAllocation(5 * 16);
        long many = FitAllocation(40 * 16);

        // Only the loader's shuffle order grows with the dataset: an int per sample.
        Assert.True(many - few <= 4 * 35 * 16 + 1024, $"3 augmented epochs of 40 batches allocated {many:N0} bytes, of 5 batches {few:N0}");
    }

    private static int[] Bits(Span<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
