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
    public void A_validation_split_that_leaves_no_validation_sample_is_refused()
    {
        var network = new NoisyClassifier(seed: 1);

        var error = Assert.Throws<ArgumentException>(() =>
            network.Fit(SyntheticData.Clusters(10, seed: 1), new FitOptions { Epochs = 2, ValidationSplit = 0.05 }));

        Assert.Equal("FitOptions.ValidationSplit 0.05 of 10 samples holds out no sample; use a larger split or more data.", error.Message);
    }

    [Fact]
    public void Evaluating_on_an_empty_dataset_is_refused_instead_of_reporting_NaN()
    {
        var network = new NoisyClassifier(seed: 1);

        var error = Assert.Throws<ArgumentException>(() => network.Evaluate(Empty));

        Assert.Equal("The data has no samples; Evaluate needs at least one.", error.Message);
    }
}
