using Myelin.Data;

namespace Myelin.Tests.Data;

[Collection(AllocationCounting.Name)]
public sealed class DataLoaderTests
{
    /// <summary>The dataset indices of every batch of one epoch, read from the features (not from SampleIndices).</summary>
    private static List<int[]> Batches(DataLoader loader, int epoch)
    {
        var batches = new List<int[]>();
        foreach (Batch batch in loader.Epoch(epoch))
        {
            var indices = new int[batch.Size];
            for (int i = 0; i < batch.Size; i++)
            {
                indices[i] = DatasetTests.IndexOf(batch.Inputs.Slice(i * 6, 6));
                Assert.Equal(indices[i], batch.SampleIndices[i]);
                Assert.Equal(indices[i] % 10, batch.Labels[i]);
                // The whole sample travels, not just its first feature.
                Assert.Equal(100 * indices[i] + 5, batch.Inputs[i * 6 + 5]);
            }
            Assert.Equal(batches.Count, batch.Index);
            batches.Add(indices);
        }
        return batches;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_sample_appears_exactly_once_per_epoch_with_a_smaller_last_batch(bool shuffle)
    {
        var loader = new DataLoader(DatasetTests.Numbered(103), batchSize: 10, shuffle: shuffle, seed: 5);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            List<int[]> batches = Batches(loader, epoch);

            Assert.Equal(11, loader.BatchCount);
            Assert.Equal(11, batches.Count);
            Assert.All(batches.Take(10), b => Assert.Equal(10, b.Length));
            Assert.Equal(3, batches[10].Length);
            Assert.Equal(Enumerable.Range(0, 103), batches.SelectMany(b => b).Order());
        }
    }

    [Fact]
    public void Without_shuffling_batches_come_in_dataset_order()
    {
        var loader = new DataLoader(DatasetTests.Numbered(25), batchSize: 10);

        Assert.Equal(Enumerable.Range(0, 25), Batches(loader, 0).SelectMany(b => b));
    }

    [Fact]
    public void DropLast_skips_the_incomplete_last_batch()
    {
        var loader = new DataLoader(DatasetTests.Numbered(103), batchSize: 10, shuffle: true, seed: 1, dropLast: true);

        List<int[]> batches = Batches(loader, 0);

        Assert.Equal(10, loader.BatchCount);
        Assert.Equal(10, batches.Count);
        Assert.All(batches, b => Assert.Equal(10, b.Length));
        Assert.Equal(100, batches.SelectMany(b => b).Distinct().Count());
    }

    [Fact]
    public void The_same_seed_gives_the_same_order_and_another_seed_or_epoch_a_different_one()
    {
        Dataset data = DatasetTests.Numbered(64);
        var a = new DataLoader(data, batchSize: 8, shuffle: true, seed: 42);
        var b = new DataLoader(data, batchSize: 8, shuffle: true, seed: 42);
        var c = new DataLoader(data, batchSize: 8, shuffle: true, seed: 43);

        int[] a0 = Batches(a, 0).SelectMany(x => x).ToArray();
        int[] a1 = Batches(a, 1).SelectMany(x => x).ToArray();

        Assert.Equal(a0, Batches(b, 0).SelectMany(x => x));
        Assert.NotEqual(a0, Batches(c, 0).SelectMany(x => x));
        Assert.NotEqual(a0, a1);
        Assert.NotEqual(Enumerable.Range(0, 64), a0);
    }

    [Fact]
    public void The_order_of_an_epoch_depends_only_on_the_seed_and_the_epoch_number()
    {
        Dataset data = DatasetTests.Numbered(50);
        var resumed = new DataLoader(data, batchSize: 7, shuffle: true, seed: 9);
        var uninterrupted = new DataLoader(data, batchSize: 7, shuffle: true, seed: 9);
        for (int epoch = 0; epoch < 3; epoch++) Batches(uninterrupted, epoch);

        int[] direct = Batches(resumed, 3).SelectMany(x => x).ToArray();

        Assert.Equal(Batches(uninterrupted, 3).SelectMany(x => x), direct);
        // The documented order: the identity permutation shuffled by SeededRandom(seed, stream: epoch).
        int[] expected = Enumerable.Range(0, 50).ToArray();
        new SeededRandom(9, stream: 3).Shuffle(expected.AsSpan());
        Assert.Equal(expected, direct);
    }

    [Fact]
    public void A_full_epoch_allocates_nothing_after_a_warm_up_epoch()
    {
        Dataset labelled = DatasetTests.Numbered(1000);
        Dataset targets = new(new float[300 * 4], [4], new float[300 * 2], targetSize: 2);
        var shuffled = new DataLoader(labelled, batchSize: 32, shuffle: true, seed: 1);
        var ordered = new DataLoader(labelled, batchSize: 32);
        var regression = new DataLoader(targets, batchSize: 16, shuffle: true, seed: 2);
        // Augmenting loaders over 28x28 images with every transform on: each sample's scratch (the elastic fields and
        // their smoothing) must come from the stack, not the heap.
        var random = new SeededRandom(4);
        var images = new Dataset(Enumerable.Range(0, 100 * 784).Select(_ => random.NextFloat()).ToArray(), [1, 28, 28], new int[100], 1);
        var augment = new Augment().Shift(2).Rotate(10).Scale(0.1).Elastic(8, 2).Erase(0.5);
        var augmented = new DataLoader(images, batchSize: 32, shuffle: true, seed: 1, augment: augment);
        var augmentedInOrder = new DataLoader(images, batchSize: 32, augment: augment);
        float sink = 0;

        float Run(int epoch)
        {
            float sum = 0;
            foreach (Batch batch in shuffled.Epoch(epoch)) sum += batch.Inputs[0] + batch.Labels[batch.Size - 1];
            foreach (Batch batch in ordered.Epoch(epoch)) sum += batch.Inputs[^1] + batch.Labels[0];
            foreach (Batch batch in regression.Epoch(epoch)) sum += batch.Inputs[0] + batch.Targets[^1];
            foreach (Batch batch in augmented.Epoch(epoch)) sum += batch.Inputs[0];
            foreach (Batch batch in augmentedInOrder.Epoch(epoch)) sum += batch.Inputs[^1];
            return sum;
        }

        sink += Run(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        sink += Run(1);
        sink += Run(2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sink > 0);
    }

    [Fact]
    public void A_batch_from_a_target_dataset_has_targets_and_refuses_labels()
    {
        var data = new Dataset([1, 2, 3], [1], [10f, 20f, 30f], targetSize: 1);
        var loader = new DataLoader(data, batchSize: 2);
        var targets = new List<float>();
        bool refused = false;

        foreach (Batch batch in loader.Epoch(0))
        {
            targets.AddRange(batch.Targets.ToArray());
            Assert.False(batch.HasLabels);
            try { _ = batch.Labels.Length; }
            catch (InvalidOperationException e) when (e.Message.Contains("float targets")) { refused = true; }
        }

        Assert.Equal(new[] { 10f, 20f, 30f }, targets);
        Assert.True(refused);
    }

    [Fact]
    public void Starting_a_second_epoch_while_the_first_is_running_is_an_error()
    {
        var loader = new DataLoader(DatasetTests.Numbered(20), batchSize: 5, shuffle: true);
        var first = loader.Epoch(0).GetEnumerator();
        Assert.True(first.MoveNext());
        var second = loader.Epoch(1).GetEnumerator();
        Assert.True(second.MoveNext());

        var error = Assert.Throws<InvalidOperationException>(() => first.MoveNext());

        Assert.Contains("one at a time", error.Message);
    }

    [Fact]
    public void A_batch_size_larger_than_the_dataset_gives_one_batch_of_everything()
    {
        var loader = new DataLoader(DatasetTests.Numbered(5), batchSize: 64, shuffle: true, seed: 3);

        List<int[]> batches = Batches(loader, 0);

        Assert.Single(batches);
        Assert.Equal(Enumerable.Range(0, 5), batches[0].Order());
        Assert.Equal(0, new DataLoader(DatasetTests.Numbered(5), batchSize: 64, dropLast: true).BatchCount);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Dataset data = DatasetTests.Numbered(5);

        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, batchSize: 2).Epoch(-1));
    }
}
