using Myelin.Data;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary>Data that would train or validate on nothing is rejected before the first batch, with a message that says why.</summary>
public sealed class EmptyDataTests
{
    private static Dataset Empty => new([], [20], Array.Empty<int>(), 4);

    [Fact]
    public void Training_on_an_empty_dataset_is_refused_before_training()
    {
        var network = new NoisyClassifier(seed: 1);
        float[] before = network.Parameters.ToArray();

        var error = Assert.Throws<ArgumentException>(() => network.Fit(Empty, new FitOptions { Epochs = 2 }));

        Assert.Equal("The training data has no samples; Fit needs at least one.", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void Empty_validation_data_is_refused_before_training()
    {
        var network = new NoisyClassifier(seed: 1);
        float[] before = network.Parameters.ToArray();

        var error = Assert.Throws<ArgumentException>(() =>
            network.Fit(SyntheticData.Clusters(64, seed: 1), new FitOptions { Epochs = 2, ValidationData = Empty }));

        Assert.Equal("FitOptions.ValidationData has no samples; give at least one, or no validation data.", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void A_validation_split_that_leaves_no_training_sample_is_refused()
    {
        var network = new NoisyClassifier(seed: 1);

        // As Keras, training keeps floor(10 * (1 - 0.95)) = 0 samples.
        var error = Assert.Throws<ArgumentException>(() =>
            network.Fit(SyntheticData.Clusters(10, seed: 1), new FitOptions { Epochs = 2, ValidationSplit = 0.96 }));

        Assert.Equal("FitOptions.ValidationSplit 0.96 of 10 samples leaves no training sample; use a smaller split or more data.", error.Message);
    }

    [Fact]
    public void A_batch_size_above_the_sample_count_with_DropLast_is_refused_because_no_batch_would_remain()
    {
        var network = new NoisyClassifier(seed: 1);

        var error = Assert.Throws<ArgumentException>(() =>
            network.Fit(SyntheticData.Clusters(20, seed: 1), new FitOptions { Epochs = 2, BatchSize = 32, DropLast = true }));

        Assert.Equal("FitOptions.BatchSize 32 is larger than the 20 training samples, and DropLast skips the one smaller batch, so no batch would be trained; use a batch size of at most 20 or DropLast = false.", error.Message);
    }

    [Fact]
    public void DropLast_skips_the_smaller_last_batch_of_every_epoch()
    {
        var network = new NoisyClassifier(seed: 1);
        var batches = new List<int>();
        var progress = new Recorder(p => batches.Add(p.Batches));

        network.Fit(SyntheticData.Clusters(70, seed: 1), new FitOptions { Epochs = 2, BatchSize = 32, DropLast = true, Progress = progress });

        Assert.Equal([2, 2, 2, 2], batches); // 70 = 2 x 32 + 6: two batches per epoch, the 6 are dropped
    }

    /// <summary>IProgress that runs on the training thread.</summary>
    private sealed class Recorder(Action<BatchProgress> report) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => report(value);
    }

    [Fact]
    public void Evaluating_on_an_empty_dataset_is_refused_instead_of_reporting_NaN()
    {
        var network = new NoisyClassifier(seed: 1);

        var error = Assert.Throws<ArgumentException>(() => network.Evaluate(Empty));

        Assert.Equal("The data has no samples; Evaluate needs at least one.", error.Message);
    }
}
