using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

public sealed class TrainingTests
{
    [Fact]
    public void A_small_network_learns_the_two_circles_problem_to_a_binary_cross_entropy_below_0_15()
    {
        var train = SyntheticData.Circles(1024, seed: 1);
        var test = SyntheticData.Circles(512, seed: 2);
        var net = new CircleClassifier(seed: 3);
        var before = net.Evaluate(test);

        var history = net.Fit(train, new FitOptions { Epochs = 60, BatchSize = 32, Optimizer = new Adam(1e-2), Seed = 4 });
        var after = net.Evaluate(test);

        // Untrained, the loss is near ln 2 = 0.69; a network that has learned the circle gets well below 0.15 and above 95%.
        Assert.InRange(before.Loss, 0.5, 1.0);
        Assert.True(after.Loss < 0.15, $"held-out BCE {after.Loss:0.####} after 60 epochs; history: {string.Join("; ", history.Epochs.TakeLast(3))}");
        Assert.True(after.Accuracy > 0.95, $"held-out accuracy {after.Accuracy:P1}");
    }

    [Fact]
    public void A_regression_network_learns_a_linear_and_a_product_target_to_a_mean_squared_error_below_0_01()
    {
        var train = SyntheticData.Regression(2048, seed: 5);
        var test = SyntheticData.Regression(512, seed: 6);
        var net = new Regressor(seed: 7);

        net.Fit(train, new FitOptions { Epochs = 80, BatchSize = 64, Optimizer = new Adam(1e-2), Seed = 8 });

        double loss = net.Evaluate(test).Loss;
        Assert.True(loss < 0.01, $"held-out MSE {loss:0.#####}");
    }

    [Fact]
    public void A_small_convolutional_network_learns_to_tell_bars_from_diagonals()
    {
        var train = SyntheticData.Bars(600, seed: 9);
        var test = SyntheticData.Bars(300, seed: 10);
        var net = new TinyConvNet(seed: 11);

        net.Fit(train, new FitOptions { Epochs = 8, BatchSize = 32, Seed = 12, Optimizer = new Adam(1e-2) });

        var result = net.Evaluate(test);
        Assert.True(result.Accuracy > 0.97, $"held-out accuracy {result.Accuracy:P1}, loss {result.Loss:0.###}");
    }

    [Fact]
    public void Training_twice_with_the_same_seeds_gives_bit_identical_weights_and_buffers()
    {
        var data = SyntheticData.Clusters(300, seed: 1);
        float[] Train()
        {
            var net = new NoisyClassifier(seed: 2);
            net.Fit(data, new FitOptions { Epochs = 3, BatchSize = 16, Seed = 3, ValidationSplit = 0.2 });
            return net.Parameters.ToArray().Concat(net.Buffers.ToArray()).ToArray();
        }

        var first = Train();
        var second = Train();
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void A_different_shuffle_seed_gives_different_weights()
    {
        var data = SyntheticData.Clusters(300, seed: 1);
        var a = new NoisyClassifier(seed: 2);
        var b = new NoisyClassifier(seed: 2);
        a.Fit(data, new FitOptions { Epochs = 1, BatchSize = 16, Seed = 3 });
        b.Fit(data, new FitOptions { Epochs = 1, BatchSize = 16, Seed = 4 });
        Assert.NotEqual(a.Parameters.ToArray(), b.Parameters.ToArray());
    }

    [Fact]
    public void Fit_reports_loss_accuracy_and_validation_metrics_per_epoch_like_Keras()
    {
        var data = SyntheticData.Clusters(400, seed: 1);
        var net = new NoisyClassifier(seed: 2);
        var history = net.Fit(data, new FitOptions { Epochs = 3, BatchSize = 32, ValidationSplit = 0.25, Metrics = [new Accuracy(), new TopKAccuracy(2)] });

        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(new[] { 1, 2, 3 }, history.Epochs.Select(e => e.Epoch));
        Assert.Equal(new[] { "loss", "accuracy", "top2_accuracy", "val_loss", "val_accuracy", "val_top2_accuracy" }, history.Last.Metrics.Keys);
        Assert.True(history["loss"][2] < history["loss"][0], "the training loss falls");
        Assert.All(history.Epochs, e => Assert.True(e["top2_accuracy"] >= e["accuracy"]));
        Assert.All(history.Epochs, e => Assert.True(e.SamplesPerSecond > 0 && e.Duration > TimeSpan.Zero));
        Assert.Equal("completed", history.StopReason);
    }

    [Fact]
    public void Evaluate_and_Predict_run_in_eval_mode_and_restore_the_training_mode()
    {
        var data = SyntheticData.Clusters(50, seed: 1);
        var net = new NoisyClassifier(seed: 2) { IsTraining = true };
        var before = net.Buffers.ToArray();

        var first = net.Predict(data);
        var second = net.Predict(data);
        net.Evaluate(data);

        // Eval mode: no dropout (same outputs twice) and no running-statistics update (buffers unchanged).
        Assert.Equal(first, second);
        Assert.Equal(before, net.Buffers.ToArray());
        Assert.True(net.IsTraining);
        Assert.Equal(50 * 4, first.Length);
    }

    [Fact]
    public void Fit_rejects_data_that_does_not_fit_the_network_naming_the_sizes()
    {
        var net = new NoisyClassifier();
        var wrongWidth = SyntheticData.Clusters(10, seed: 1, features: 7);
        var floatTargets = SyntheticData.Clusters(10, seed: 1).ToOneHot();

        var width = Assert.Throws<ArgumentException>(() => net.Fit(wrongWidth));
        Assert.Contains("20 floats", width.Message);
        Assert.Contains("7 per sample", width.Message);
        var kind = Assert.Throws<ArgumentException>(() => net.Fit(floatTargets));
        Assert.Contains("needs class labels", kind.Message);
    }

    [Fact]
    public void An_inference_only_network_forwards_and_classifies_without_a_loss()
    {
        var net = new InferenceOnly(seed: 1);
        Assert.IsNotAssignableFrom<ITrainableNetwork>(net);
        Span<float> probabilities = stackalloc float[3];
        int predicted = net.PredictClass([0.5f, -1f, 2f, 0f], probabilities);

        Assert.Equal(1.0, probabilities.ToArray().Sum(), 5);
        Assert.Equal(probabilities.ToArray().ToList().IndexOf(probabilities.ToArray().Max()), predicted);
    }
}
