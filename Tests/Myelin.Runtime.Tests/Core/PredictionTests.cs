using Myelin.Data;

namespace Myelin.Tests.Core;

/// <summary>Batch class predictions and probabilities, and raw-row predictions through a preprocessing.</summary>
public sealed class PredictionTests
{
    private static float[] Inputs(int count, int size, int seed)
    {
        var random = new SeededRandom(seed);
        var x = new float[count * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextGaussian() * 2);
        return x;
    }

    [Fact]
    public void Softmax_classifier_classes_and_probabilities_match_a_double_reference_across_chunks()
    {
        var network = new LinearNetwork(4, 3, Loss.SoftmaxCrossEntropy, maxBatchSize: 3);
        float[] x = Inputs(10, 4, seed: 2);
        var data = new Dataset(x, [4], new int[10], 3);

        int[] classes = network.PredictClass(data);
        float[] probabilities = network.PredictProbabilities(data);

        Assert.Equal(3, network.ClassCount());
        for (int i = 0; i < 10; i++)
        {
            double[] expected = LinearNetwork.Softmax(network.Reference(x.AsSpan(i * 4, 4)));
            Assert.Equal(Array.IndexOf(expected, expected.Max()), classes[i]);
            for (int c = 0; c < 3; c++) Assert.Equal(expected[c], probabilities[i * 3 + c], 1e-6);
        }
        // Ten samples at MaxBatchSize 3: four forward passes per call, all in eval mode, and the mode restored.
        Assert.Equal(Enumerable.Repeat(false, 8), network.ForwardModes);
        Assert.True(network.IsTraining);
    }

    [Fact]
    public void Outputs_that_are_already_softmax_are_not_softmaxed_again()
    {
        var network = new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy, Activation.Softmax);
        float[] x = Inputs(4, 2, seed: 3);

        var probabilities = new float[4 * 3];
        network.PredictProbabilities(x, probabilities);

        for (int i = 0; i < 4; i++)
        {
            double[] expected = network.Reference(x.AsSpan(i * 2, 2));
            for (int c = 0; c < 3; c++) Assert.Equal(expected[c], probabilities[i * 3 + c], 1e-6);
        }
    }

    [Theory]
    [InlineData(Activation.None)]
    [InlineData(Activation.Sigmoid)]
    public void A_one_output_classifier_gives_two_probabilities_and_thresholds_at_one_half(Activation activation)
    {
        var network = new LinearNetwork(3, 1, Loss.BinaryCrossEntropy, activation);
        float[] x = Inputs(9, 3, seed: 4);

        var classes = new int[9];
        var probabilities = new float[18];
        network.PredictClass(x, classes);
        network.PredictProbabilities(x, probabilities);

        Assert.Equal(2, network.ClassCount());
        for (int i = 0; i < 9; i++)
        {
            double output = network.Reference(x.AsSpan(i * 3, 3))[0];
            double p = activation == Activation.Sigmoid ? output : 1 / (1 + Math.Exp(-output));
            Assert.Equal(p > 0.5 ? 1 : 0, classes[i]);
            Assert.Equal(1 - p, probabilities[2 * i], 1e-6);
            Assert.Equal(p, probabilities[2 * i + 1], 1e-6);
        }
    }

    [Fact]
    public void Regression_and_multi_label_networks_have_no_single_class()
    {
        var regressor = new LinearNetwork(2, 1, Loss.MeanSquaredError);
        var multiLabel = new LinearNetwork(2, 3, Loss.BinaryCrossEntropy);
        var classes = new int[1];

        var regression = Assert.Throws<InvalidOperationException>(() => regressor.PredictClass(new float[2], classes));
        var labels = Assert.Throws<InvalidOperationException>(() => multiLabel.PredictClass(new float[2], classes));

        Assert.Contains("regression network", regression.Message);
        Assert.Contains("multi-label", labels.Message);
    }

    [Fact]
    public void A_destination_of_the_wrong_size_is_refused()
    {
        var network = new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy);

        var error = Assert.Throws<ArgumentException>(() => network.PredictClass(new float[6], new int[2]));
        var ragged = Assert.Throws<ArgumentException>(() => network.PredictClass(new float[5], new int[2]));

        Assert.Contains("classes has room for 2 values, but 3 samples need exactly 3", error.Message);
        Assert.Contains("not a whole number of samples of 2", ragged.Message);
    }

    [Fact]
    public void A_tabular_model_scales_raw_rows_and_answers_with_class_names()
    {
        var network = new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy);
        var raw = new Dataset([10, 200, 20, 100, 30, 300, 40, 250], [2], [0, 1, 2, 1], 3).WithClassNames(["setosa", "versicolor", "virginica"]);
        var preprocessing = Preprocessing.Fit(raw);
        var model = new TabularModel(network, preprocessing);

        string[] names = model.PredictClassNames(raw.Features);

        int[] expected = network.PredictClass(preprocessing.Transform(raw));
        Assert.Equal(expected.Select(c => raw.ClassNames![c]), names);
    }

    [Fact]
    public void A_tabular_regressor_returns_values_in_the_original_units()
    {
        var network = new LinearNetwork(2, 1, Loss.MeanSquaredError);
        var raw = new Dataset([1, 2, 3, 4, 5, 7], [2], [100_000f, 250_000f, 400_000f], 1);
        var preprocessing = Preprocessing.Fit(raw);
        var model = new TabularModel(network, preprocessing);

        float[] predicted = model.Predict(raw.Features);

        var scaled = preprocessing.Transform(raw);
        for (int i = 0; i < raw.Count; i++)
        {
            double standardised = network.Reference(scaled.Sample(i))[0];
            double expected = standardised * preprocessing.Targets!.Std[0] + preprocessing.Targets.Mean[0];
            Assert.Equal(expected, predicted[i], Math.Abs(expected) * 1e-6);
        }
    }

    [Fact]
    public void A_preprocessing_that_does_not_fit_the_network_is_refused()
    {
        var raw = new Dataset([1, 2, 3, 4, 5, 6], [3], [0, 1], 2).WithClassNames(["no", "yes"]);
        var preprocessing = Preprocessing.Fit(raw);

        var inputs = Assert.Throws<ArgumentException>(() => new TabularModel(new LinearNetwork(2, 2, Loss.SoftmaxCrossEntropy), preprocessing));
        var outputs = Assert.Throws<ArgumentException>(() => new TabularModel(new LinearNetwork(3, 3, Loss.SoftmaxCrossEntropy), preprocessing));
        var binary = new TabularModel(new LinearNetwork(3, 1, Loss.BinaryCrossEntropy), preprocessing);

        Assert.Contains("LinearNetwork takes 2 inputs, but the preprocessing produces 3 features", inputs.Message);
        Assert.Contains("LinearNetwork has 3 outputs, but the preprocessing has 2 classes ('no', 'yes')", outputs.Message);
        Assert.Equal(["no", "yes"], binary.Preprocessing.Classes!.Classes);
    }
}
