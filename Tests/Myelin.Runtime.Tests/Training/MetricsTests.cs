using Myelin.Training;

namespace Myelin.Tests.Training;

/// <summary>Regression and classification metrics against double-precision references and scikit-learn's documented examples.</summary>
public sealed class MetricsTests
{
    private static (float[] Predicted, float[] Actual) Noisy(int count, int outputs, int seed)
    {
        var random = new SeededRandom(seed);
        var actual = new float[count * outputs];
        var predicted = new float[count * outputs];
        for (int i = 0; i < actual.Length; i++)
        {
            actual[i] = (float)(100 + 20 * random.NextGaussian() + (i % outputs) * 50);
            predicted[i] = (float)(actual[i] + 5 * random.NextGaussian());
        }
        return (predicted, actual);
    }

    /// <summary>Feeds the metric in uneven batches, as an epoch does, and returns its result.</summary>
    private static double Accumulate(IMetric metric, float[] predicted, float[] actual, int outputs)
    {
        metric.Reset();
        int samples = actual.Length / outputs;
        for (int start = 0, batch = 1; start < samples; start += batch, batch = batch % 7 + 3)
        {
            int size = Math.Min(batch, samples - start);
            metric.Update(predicted.AsSpan(start * outputs, size * outputs), new BatchTargets(actual.AsSpan(start * outputs, size * outputs)), outputs, Activation.None);
        }
        return metric.Result();
    }

    /// <summary>R² per output in double, two passes, averaged over outputs (scikit-learn's uniform average).</summary>
    private static double ReferenceR2(float[] predicted, float[] actual, int outputs)
    {
        double total = 0;
        for (int j = 0; j < outputs; j++)
        {
            var y = actual.Where((_, i) => i % outputs == j).Select(v => (double)v).ToArray();
            var p = predicted.Where((_, i) => i % outputs == j).Select(v => (double)v).ToArray();
            double mean = y.Average();
            double residual = y.Zip(p, (a, b) => (a - b) * (a - b)).Sum();
            double deviation = y.Sum(a => (a - mean) * (a - mean));
            total += 1 - residual / deviation;
        }
        return total / outputs;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void R2_MAE_and_RMSE_match_a_double_reference_when_accumulated_over_batches(int outputs)
    {
        var (predicted, actual) = Noisy(101, outputs, seed: outputs);

        double r2 = Accumulate(new RSquared(), predicted, actual, outputs);
        double mae = Accumulate(new MeanAbsoluteError(), predicted, actual, outputs);
        double rmse = Accumulate(new RootMeanSquaredError(), predicted, actual, outputs);

        Assert.Equal(ReferenceR2(predicted, actual, outputs), r2, 1e-12);
        Assert.Equal(actual.Zip(predicted, (a, p) => Math.Abs((double)a - p)).Average(), mae, 1e-9);
        Assert.Equal(Math.Sqrt(actual.Zip(predicted, (a, p) => ((double)a - p) * ((double)a - p)).Average()), rmse, 1e-9);
    }

    [Fact]
    public void R2_matches_scikit_learns_documented_example()
    {
        // sklearn.metrics.r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) == 0.948...
        var report = RegressionReport.Compute([2.5f, 0f, 2f, 8f], [3f, -0.5f, 2f, 7f]);

        Assert.Equal(0.9486081370449679, report.RSquared, 1e-12);
        Assert.Equal(0.5, report.MeanAbsoluteError, 1e-12);
        Assert.Equal(Math.Sqrt(0.375), report.RootMeanSquaredError, 1e-12);
        Assert.Equal(4, report.Count);
    }

    [Fact]
    public void R2_of_a_constant_target_is_1_when_exact_and_0_otherwise()
    {
        Assert.Equal(1.0, RegressionReport.Compute([2f, 2f], [2f, 2f]).RSquared);
        Assert.Equal(0.0, RegressionReport.Compute([2f, 3f], [2f, 2f]).RSquared);
    }

    [Fact]
    public void R2_is_reusable_across_epochs_and_refuses_a_changed_output_size_mid_epoch()
    {
        var (predicted, actual) = Noisy(20, 2, seed: 9);
        var metric = new RSquared();

        double first = Accumulate(metric, predicted, actual, 2);
        double second = Accumulate(metric, predicted, actual, 2);

        Assert.Equal(first, second);
        Assert.Throws<InvalidOperationException>(() => metric.Update(predicted, new BatchTargets(actual), 4, Activation.None));
    }

    /// <summary>The definition: the fraction of (positive, negative) pairs ranked correctly, ties counting one half.</summary>
    private static double ReferenceAuc(float[] scores, int[] labels)
    {
        double pairs = 0, correct = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (labels[i] != 1) continue;
            for (int j = 0; j < scores.Length; j++)
            {
                if (labels[j] != 0) continue;
                pairs++;
                correct += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        return correct / pairs;
    }

    [Fact]
    public void ROC_AUC_matches_scikit_learns_documented_example()
    {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        Assert.Equal(0.75, RocAuc.Compute([0.1f, 0.4f, 0.35f, 0.8f], [0, 0, 1, 1]), 1e-12);
    }

    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 57)]
    public void ROC_AUC_matches_the_pairwise_definition_with_many_ties(int seed, int count)
    {
        var random = new SeededRandom(seed);
        var labels = new int[count];
        var scores = new float[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.NextInt(3) == 0 ? 1 : 0;
            // Scores on a coarse grid, so that many tie, and shifted up for positives.
            scores[i] = MathF.Round((float)(random.NextGaussian() + labels[i]) * 4) / 4;
        }

        Assert.Equal(ReferenceAuc(scores, labels), RocAuc.Compute(scores, labels), 1e-12);
    }

    [Fact]
    public void ROC_AUC_with_one_class_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => RocAuc.Compute([0.2f, 0.9f], [1, 1]));

        Assert.Contains("only one class present (2 positive and 0 negative", error.Message);
    }

    [Fact]
    public void The_classification_report_matches_scikit_learns_documented_example()
    {
        // sklearn.metrics.classification_report([0, 1, 2, 2, 2], [0, 0, 2, 2, 1])
        var report = ClassificationReport.Compute([0, 0, 2, 2, 1], [0, 1, 2, 2, 2], 3, ["class 0", "class 1", "class 2"]);

        Assert.Equal(new[] { 0.5, 0.0, 1.0 }, report.Classes.Select(c => c.Precision));
        Assert.Equal(new[] { 1.0, 0.0, 2.0 / 3 }, report.Classes.Select(c => c.Recall), new ToleranceComparer(1e-12));
        Assert.Equal(new[] { 2.0 / 3, 0.0, 0.8 }, report.Classes.Select(c => c.F1), new ToleranceComparer(1e-12));
        Assert.Equal(new[] { 1, 1, 3 }, report.Classes.Select(c => c.Support));
        Assert.Equal(0.6, report.Accuracy, 1e-12);
        Assert.Equal(0.5, report.MacroAverage.Precision, 1e-12);
        Assert.Equal((1 + 0 + 2.0 / 3) / 3, report.MacroAverage.Recall, 1e-12);
        Assert.Equal((2.0 / 3 + 0.8) / 3, report.MacroAverage.F1, 1e-12);
        Assert.Equal(0.7, report.WeightedAverage.Precision, 1e-12);
        Assert.Equal(0.6, report.WeightedAverage.Recall, 1e-12);
        Assert.Equal((2.0 / 3 + 3 * 0.8) / 5, report.WeightedAverage.F1, 1e-12);
        Assert.Equal(1, report.Confusion(actual: 1, predicted: 0));
        Assert.Equal(2, report.Confusion(actual: 2, predicted: 2));
        Assert.Contains("class 2     1.0000     0.6667     0.8000        3", report.ToString());
    }

    [Fact]
    public void A_binary_report_includes_the_ROC_AUC_of_the_given_scores()
    {
        float[] scores = [0.1f, 0.4f, 0.35f, 0.8f];

        var report = ClassificationReport.Compute([0, 0, 0, 1], [0, 0, 1, 1], 2, positiveScores: scores);

        Assert.Equal(0.75, report.RocAuc!.Value, 1e-12);
        Assert.Contains("roc auc", report.ToString());
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
