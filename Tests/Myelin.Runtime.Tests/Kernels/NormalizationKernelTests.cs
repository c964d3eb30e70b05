using Myelin.Kernels;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

/// <summary>
/// <see cref="NormalizationKernels"/> against a plain double-precision batch norm: outputs, saved x-hat and inverse
/// standard deviations, running statistics, and the three gradients, in training and eval mode, for row lengths
/// below, at and past every vector width (1 is BatchNorm1D), and the same bits for any thread count.
/// </summary>
public sealed class NormalizationKernelTests
{
    // Float32 against double: two-pass statistics over at most a few thousand values per channel and a handful of
    // rounded operations per element stay well within 2e-5 relative (with 1 added so values near 0 compare absolutely).
    private const double Tolerance = 2e-5;
    private const float Momentum = 0.1f, Epsilon = 1e-5f;

    [Theory]
    [InlineData(3, 1, 17)]     // BatchNorm1D: one value per channel and sample
    [InlineData(4, 7, 5)]      // rows shorter than a vector
    [InlineData(2, 16, 3)]     // exactly one 512-bit vector
    [InlineData(5, 49, 4)]     // 7x7: two vectors and a tail
    [InlineData(3, 196, 6)]    // 14x14
    public void Training_forward_matches_a_double_batch_norm_and_updates_the_running_statistics(int channels, int positions, int batch)
    {
        var random = new SeededRandom(channels * 100 + positions);
        // A large mean and a small spread: the two-pass variance must not cancel it away.
        var x = RandomArray(batch * channels * positions, ref random, 0.5f).Select(v => v + 30f).ToArray();
        var gamma = RandomArray(channels, ref random);
        var beta = RandomArray(channels, ref random);
        var runningMean = RandomArray(channels, ref random);
        var runningVar = RandomArray(channels, ref random).Select(v => 1.5f + v).ToArray();
        var (expectedMean, expectedVar) = ((float[])runningMean.Clone(), (float[])runningVar.Clone());

        var y = new float[x.Length];
        var normalized = new float[x.Length];
        var inverseStd = new float[channels];
        NormalizationKernels.BatchNormForward(x, y, normalized, inverseStd, gamma, beta, runningMean, runningVar,
            channels, positions, batch, training: true, Momentum, Epsilon, new TanhOperator());

        for (int c = 0; c < channels; c++)
        {
            var values = Channel(x, c, channels, positions, batch);
            double mean = values.Average();
            double biased = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
            double inverse = 1 / Math.Sqrt(biased + Epsilon);
            Close(inverse, inverseStd[c], $"inverseStd[{c}]");
            Close((1 - Momentum) * expectedMean[c] + Momentum * mean, runningMean[c], $"running_mean[{c}]");
            Close((1 - Momentum) * expectedVar[c] + Momentum * biased * values.Length / (values.Length - 1), runningVar[c], $"running_var[{c}]");
            foreach (int i in Indices(c, channels, positions, batch))
            {
                double hat = (x[i] - mean) * inverse;
                Close(hat, normalized[i], $"x-hat[{i}]");
                Close(Math.Tanh(gamma[c] * hat + beta[c]), y[i], $"y[{i}]");
            }
        }
    }

    [Fact]
    public void Eval_forward_uses_the_running_statistics_and_leaves_them_alone()
    {
        const int channels = 3, positions = 20, batch = 2;
        var random = new SeededRandom(5);
        var x = RandomArray(batch * channels * positions, ref random, 3f);
        var gamma = RandomArray(channels, ref random);
        var beta = RandomArray(channels, ref random);
        float[] runningMean = [0.5f, -1f, 2f], runningVar = [0.25f, 4f, 1f];
        var y = new float[x.Length];
        var normalized = new float[x.Length];
        var inverseStd = new float[channels];
        NormalizationKernels.BatchNormForward(x, y, normalized, inverseStd, gamma, beta, runningMean, runningVar,
            channels, positions, batch, training: false, Momentum, Epsilon, new ReLUOperator());

        Assert.Equal([0.5f, -1f, 2f], runningMean);
        Assert.Equal([0.25f, 4f, 1f], runningVar);
        for (int c = 0; c < channels; c++)
        {
            foreach (int i in Indices(c, channels, positions, batch))
            {
                double hat = (x[i] - runningMean[c]) / Math.Sqrt(runningVar[c] + Epsilon);
                Close(Math.Max(gamma[c] * hat + beta[c], 0), y[i], $"y[{i}]");
            }
        }
    }

    [Theory]
    [InlineData(3, 1, 17, true, false)]
    [InlineData(4, 7, 5, true, true)]
    [InlineData(5, 49, 4, true, false)]
    [InlineData(5, 49, 4, false, true)]  // after running statistics dx is gamma/sigma dz
    [InlineData(2, 33, 3, false, false)]
    public void Backward_matches_the_double_gradients_and_adds_where_asked(int channels, int positions, int batch, bool batchStatistics, bool accumulate)
    {
        var random = new SeededRandom(channels * 1000 + positions * 10 + batch);
        int n = batch * channels * positions;
        var dz = RandomArray(n, ref random);
        var hat = RandomArray(n, ref random, 2f);
        var inverseStd = RandomArray(channels, ref random).Select(v => 1.2f + v).ToArray();
        var gamma = RandomArray(channels, ref random);
        var gammaGradient = RandomArray(channels, ref random);
        var betaGradient = RandomArray(channels, ref random);
        var dx = RandomArray(n, ref random);
        var (gammaBefore, betaBefore, dxBefore) = ((float[])gammaGradient.Clone(), (float[])betaGradient.Clone(), (float[])dx.Clone());

        NormalizationKernels.BatchNormBackward(dz, hat, inverseStd, gamma, gammaGradient, betaGradient, dx, channels, positions, batch,
            batchStatistics, weightGradients: true, accumulate);

        for (int c = 0; c < channels; c++)
        {
            var indices = Indices(c, channels, positions, batch).ToArray();
            double sumDz = indices.Sum(i => (double)dz[i]), sumDzHat = indices.Sum(i => (double)dz[i] * hat[i]);
            Close(gammaBefore[c] + sumDzHat, gammaGradient[c], $"dgamma[{c}]");
            Close(betaBefore[c] + sumDz, betaGradient[c], $"dbeta[{c}]");
            double scale = (double)gamma[c] * inverseStd[c];
            foreach (int i in indices)
            {
                double expected = batchStatistics
                    ? scale * (dz[i] - sumDz / indices.Length - hat[i] * sumDzHat / indices.Length)
                    : scale * dz[i];
                Close(accumulate ? dxBefore[i] + expected : expected, dx[i], $"dx[{i}]");
            }
        }
    }

    [Fact]
    public void Backward_without_weight_or_input_gradients_touches_neither()
    {
        var dz = new float[12];
        var hat = new float[12];
        Array.Fill(dz, 1f);
        var gammaGradient = new float[] { 7f, 7f };
        NormalizationKernels.BatchNormBackward(dz, hat, [1f, 1f], [1f, 1f], gammaGradient, new float[2], default, 2, 3, 2,
            batchStatistics: true, weightGradients: false, accumulate: false);
        Assert.Equal([7f, 7f], gammaGradient);
    }

    [Fact]
    public void Batch_norm_gives_the_same_bits_for_any_thread_count()
    {
        const int channels = 24, positions = 150, batch = 9; // large enough to split, ragged against every width
        var random = new SeededRandom(3);
        var x = RandomArray(batch * channels * positions, ref random, 2f);
        var gamma = RandomArray(channels, ref random);
        var beta = RandomArray(channels, ref random);
        var dz = RandomArray(x.Length, ref random);
        AssertSameBitsForAnyThreadCount(() =>
        {
            var runningMean = new float[channels];
            var runningVar = Enumerable.Repeat(1f, channels).ToArray();
            var y = new float[x.Length];
            var normalized = new float[x.Length];
            var inverseStd = new float[channels];
            NormalizationKernels.BatchNormForward(x, y, normalized, inverseStd, gamma, beta, runningMean, runningVar,
                channels, positions, batch, training: true, Momentum, Epsilon, new LeakyReLUOperator(0.1f));
            var gammaGradient = new float[channels];
            var betaGradient = new float[channels];
            var dx = new float[x.Length];
            NormalizationKernels.BatchNormBackward(dz, normalized, inverseStd, gamma, gammaGradient, betaGradient, dx, channels, positions, batch,
                batchStatistics: true, weightGradients: true, accumulate: false);
            return [y, normalized, inverseStd, runningMean, runningVar, gammaGradient, betaGradient, dx];
        });
    }

    [Fact]
    public void Operands_too_short_and_a_single_value_per_channel_in_training_are_refused_with_their_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => NormalizationKernels.BatchNormForward(new float[10], new float[12], new float[12], new float[2],
            new float[2], new float[2], new float[2], new float[2], 2, 3, 2, training: true, Momentum, Epsilon, new IdentityOperator()));
        Assert.Contains("x has 10 floats", error.Message, StringComparison.Ordinal);
        Assert.Contains("12", error.Message, StringComparison.Ordinal);

        var single = Assert.Throws<ArgumentException>(() => NormalizationKernels.BatchNormForward(new float[2], new float[2], new float[2], new float[2],
            new float[2], new float[2], new float[2], new float[2], 2, 1, 1, training: true, Momentum, Epsilon, new IdentityOperator()));
        Assert.Contains("more than one value per channel", single.Message, StringComparison.Ordinal);

        var channels = Assert.Throws<ArgumentException>(() => NormalizationKernels.BatchNormBackward(new float[12], new float[12], new float[1], new float[2],
            new float[2], new float[2], new float[12], 2, 3, 2, batchStatistics: true, weightGradients: true, accumulate: false));
        Assert.Contains("inverseStd has 1 floats, but there are 2 channels", channels.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<int> Indices(int c, int channels, int positions, int batch)
    {
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < positions; s++) yield return (b * channels + c) * positions + s;
    }

    private static double[] Channel(float[] x, int c, int channels, int positions, int batch) =>
        Indices(c, channels, positions, batch).Select(i => (double)x[i]).ToArray();

    private static void Close(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * (1 + Math.Abs(expected)), $"{what}: {actual:R} against {expected:R}");
}
