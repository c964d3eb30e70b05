using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary>A training step (forward, loss, fused backward, optimizer update) must allocate nothing.</summary>
[Collection(AllocationCounting.Name)]
public sealed class AllocationTests
{
    private static long AllocatedBy(Action step, int warmup = 3, int repeats = 50)
    {
        for (int i = 0; i < warmup; i++) step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < repeats; i++) step();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_dense_training_step_with_batch_norm_and_dropout_allocates_nothing()
    {
        var data = SyntheticData.Clusters(32, seed: 1);
        var inputs = data.Features.ToArray();
        var labels = data.Labels.ToArray();
        var net = new NoisyClassifier(seed: 1, maxBatchSize: 32);
        var optimizer = new Adam();

        long bytes = AllocatedBy(() =>
        {
            net.ForwardBackward(inputs, labels, 32);
            optimizer.Step(net);
        });

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void A_convolutional_training_step_allocates_nothing()
    {
        var data = SyntheticData.Bars(16, seed: 1);
        var inputs = data.Features.ToArray();
        var labels = data.Labels.ToArray();
        var net = new TinyConvNet(seed: 1, maxBatchSize: 16);
        var optimizer = new Sgd(0.01, momentum: 0.9);

        long bytes = AllocatedBy(() =>
        {
            net.ForwardBackward(inputs, labels, 16);
            optimizer.Step(net);
        });

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void A_training_step_whose_matrix_products_run_on_several_cores_allocates_nothing()
    {
        var random = new SeededRandom(1);
        var inputs = Enumerable.Range(0, 64 * 256).Select(_ => random.NextFloat()).ToArray();
        var labels = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();
        var net = new WideNet(seed: 1, maxBatchSize: 64);
        var optimizer = new Adam();

        // A long warm-up: tiered compilation may allocate while it promotes the hot methods.
        long bytes = AllocatedBy(() =>
        {
            net.ForwardBackward(inputs, labels, 64);
            optimizer.Step(net);
        }, warmup: 200, repeats: 50);

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Fit_allocates_per_epoch_but_nothing_per_batch()
    {
        var options = new FitOptions { Epochs = 3, BatchSize = 16, Metrics = [new Accuracy(), new TopKAccuracy(2)] };

        var (few, many) = FitAllocations(samples => SyntheticData.Clusters(samples, seed: 1), () => new NoisyClassifier(seed: 2, maxBatchSize: 16), options);

        // Per-run and per-epoch costs (history, metric dictionaries, the optimizer's state) are the same in both runs,
        // apart from the dataset-sized shuffle buffers of the loader (an int per sample).
        Assert.True(many - few <= 4 * 35 * 16 + 1024, $"3 epochs of 40 batches allocated {many:N0} bytes, of 5 batches {few:N0}");
    }

    [Fact]
    public void An_augmented_Fit_allocates_per_epoch_but_nothing_per_batch()
    {
        // Every transform on: the elastic fields and the in-place copy are the scratch a per-batch allocation would come from.
        var augment = new Augment().Shift(1).Rotate(15).Scale(0.1).Elastic(4, 2).Erase(0.5);
        var options = new FitOptions { Epochs = 3, BatchSize = 16, Augment = augment, Metrics = [new Accuracy()] };

        var (few, many) = FitAllocations(samples => SyntheticData.Bars(samples, seed: 1), () => new TinyConvNet(seed: 2, maxBatchSize: 16), options);

        Assert.True(many - few <= 4 * 35 * 16 + 1024, $"3 augmented epochs of 40 batches allocated {many:N0} bytes, of 5 batches {few:N0}");
    }

    /// <summary>
    /// What <c>Fit</c> allocates on datasets of 5 and of 40 batches of 16, each after a one-epoch warm-up (JIT, optimizer
    /// state, loader buffers): any allocation per batch (an enumerator, a boxed value, a closure, scratch) makes the
    /// second allocate more than the first.
    /// </summary>
    private static (long Few, long Many) FitAllocations(Func<int, Dataset> data, Func<ITrainableNetwork> create, FitOptions options)
    {
        long Allocation(int samples)
        {
            var dataset = data(samples);
            var net = create();
            net.Fit(dataset, options with { Epochs = 1 });
            long before = GC.GetAllocatedBytesForCurrentThread();
            net.Fit(dataset, options);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return (Allocation(5 * 16), Allocation(40 * 16));
    }

    [Fact]
    public void Forward_for_one_sample_and_for_a_batch_allocates_nothing()
    {
        var net = new CircleClassifier(seed: 1, maxBatchSize: 8);
        var inputs = new float[16];
        var outputs = new float[8];

        long bytes = AllocatedBy(() =>
        {
            net.Forward(inputs.AsSpan(0, 2), outputs.AsSpan(0, 1));
            net.Forward(inputs, outputs, 8);
        });

        Assert.Equal(0, bytes);
    }
}
