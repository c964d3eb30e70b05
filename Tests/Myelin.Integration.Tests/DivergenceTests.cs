using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary>
/// Fit stops a run whose loss blows up, not only one whose loss is NaN: by default, when the mean loss of the last 10
/// batches is more than 100 times the lowest such mean so far (or the first batch's loss, if lower) and above the first
/// batch's loss. Normal training, including a late spike far below where the run started, never trips it.
/// </summary>
public sealed class DivergenceTests
{
    // 256 samples in batches of 8: 32 batches per epoch.
    private static readonly Data.Dataset Data = SyntheticData.Regression(256, seed: 1);
    private const int BatchesPerEpoch = 32;

    [Fact]
    public void A_loss_that_jumps_far_above_its_running_minimum_stops_training_at_that_batch()
    {
        // Batches 1..40 lose 2, then the loss is 1e6: the first window holding it averages (9 * 2 + 1e6) / 10 = 1e5.
        var network = new ScriptedLossNetwork(step => step < 40 ? 2f : 1e6f);

        var error = Assert.Throws<TrainingDivergedException>(() =>
            network.Fit(Data, new FitOptions { Epochs = 5, BatchSize = 8, Optimizer = new Sgd(1e-3) }));

        Assert.Equal((2, 41 - BatchesPerEpoch), (error.Epoch, error.Batch));
        Assert.StartsWith(
            "Training diverged in epoch 2, batch 9: the mean loss of the last 10 batches is 1e+05, more than 100 times the lowest loss so far (2) and above the first batch's (2).",
            error.Message, StringComparison.Ordinal);
        Assert.Equal(41, network.Steps);
    }

    [Fact]
    public void A_loss_that_creeps_up_a_little_every_batch_is_stopped_once_it_is_100_times_its_minimum()
    {
        // Down to 0.5 by batch 10, then up 10% per batch: the run must stop while the window mean first exceeds 50.
        static float Loss(int step) => step < 10 ? 2f - 0.15f * step : 0.65f * MathF.Pow(1.1f, step - 9);
        var network = new ScriptedLossNetwork(Loss);

        var error = Assert.Throws<TrainingDivergedException>(() =>
            network.Fit(Data, new FitOptions { Epochs = 10, BatchSize = 8, Optimizer = new Sgd(1e-3) }));

        // The reference: the first step whose 10-batch mean is above 100 x the lowest earlier mean (or first loss) and above it.
        double lowest = Loss(0);
        int expected = -1;
        for (int step = 9; expected < 0; step++)
        {
            double mean = Enumerable.Range(step - 9, 10).Average(s => (double)Loss(s));
            if (mean > 100 * lowest && mean > Loss(0)) expected = step;
            lowest = Math.Min(lowest, mean);
        }
        Assert.Equal(expected + 1, network.Steps);
        Assert.Equal((expected / BatchesPerEpoch + 1, expected % BatchesPerEpoch + 1), (error.Epoch, error.Batch));
    }

    [Fact]
    public void A_late_spike_far_below_the_starting_loss_is_not_divergence()
    {
        // Memorising: the loss falls to 1e-4, then ten batches at 0.5 (5000 x the minimum, but below the start's 2.3).
        var network = new ScriptedLossNetwork(step => step < 100 ? 2.3f * MathF.Pow(0.9f, step) + 1e-4f : step < 110 ? 0.5f : 1e-4f);

        var history = network.Fit(Data, new FitOptions { Epochs = 5, BatchSize = 8, Optimizer = new Sgd(1e-3) });

        Assert.Equal(5, history.Epochs.Count);
        Assert.Equal(5 * BatchesPerEpoch, network.Steps);
    }

    [Fact]
    public void Adam_with_a_learning_rate_of_a_million_stops_in_the_first_epoch_instead_of_training_on()
    {
        var network = new NoisyClassifier(seed: 2);
        var data = SyntheticData.Clusters(320, seed: 1);

        var error = Assert.Throws<TrainingDivergedException>(() =>
            network.Fit(data, new FitOptions { Epochs = 10, BatchSize = 16, Optimizer = new Adam(1e6) }));

        Assert.Equal(1, error.Epoch);
        Assert.InRange(error.Batch, 1, 20);
    }

    [Fact]
    public void A_higher_factor_tolerates_the_same_jump_and_null_turns_the_check_off()
    {
        static ScriptedLossNetwork Jumping() => new(step => step < 40 ? 2f : 1e6f);
        var options = new FitOptions { Epochs = 2, BatchSize = 8, Optimizer = new Sgd(1e-3) };

        var tolerant = Jumping();
        tolerant.Fit(Data, options with { Divergence = new DivergenceCheck(Factor: 1e6) });
        var off = Jumping();
        off.Fit(Data, options with { Divergence = null });
        var strict = Jumping();
        var error = Assert.Throws<TrainingDivergedException>(() => strict.Fit(Data, options with { Divergence = new DivergenceCheck(Factor: 100, Window: 1) }));

        Assert.Equal(2 * BatchesPerEpoch, tolerant.Steps);  // 1e5 < 1e6 x 2
        Assert.Equal(2 * BatchesPerEpoch, off.Steps);
        Assert.Equal((2, 9), (error.Epoch, error.Batch));    // a window of one sees the jump at once too
        Assert.Contains("the mean loss of the last 1 batches is 1e+06", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, 10, "FitOptions.Divergence.Factor must be greater than 1.")]
    [InlineData(double.NaN, 10, "FitOptions.Divergence.Factor must be greater than 1.")]
    [InlineData(100.0, 0, "FitOptions.Divergence.Window must be at least 1.")]
    public void A_divergence_check_that_cannot_work_is_rejected_before_training(double factor, int window, string message)
    {
        var network = new ScriptedLossNetwork(_ => 1f);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            network.Fit(Data, new FitOptions { Divergence = new DivergenceCheck(factor, window) }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, network.Steps);
    }
}
