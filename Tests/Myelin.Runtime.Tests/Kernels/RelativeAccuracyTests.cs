using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>
/// Relative error against double precision across magnitudes, not only absolute error near 1: a gradient that flows
/// through a tiny activation or probability must keep its leading digits (issue 10, item 14).
/// </summary>
public sealed class RelativeAccuracyTests
{
    /// <summary>Four float ulps: the vector exponential and division each round once or twice.</summary>
    private const double FewUlps = 4 * 5.96e-8;

    /// <summary>±10^e for e from -8 to log10(20) in steps of 1/20, ±20, and zeros: every vector lane and the padded tail.</summary>
    private static readonly float[] Magnitudes = Enumerable.Range(0, 187)
        .Select(i => (float)Math.Pow(10, -8 + i / 20.0)).Where(v => v < 20f).Append(20f)
        .SelectMany(v => new[] { v, -v }).Append(0f).Append(-0f).ToArray();

    [Fact]
    public void Vector_tanh_keeps_its_relative_error_within_a_few_ulps_from_1e_minus_8_to_20_on_both_signs()
    {
        var y = new float[Magnitudes.Length];
        ElementwiseKernels.Activate(Magnitudes, y, new TanhOperator());
        for (int i = 0; i < y.Length; i++)
        {
            double expected = Math.Tanh(Magnitudes[i]);
            Assert.True(RelativeError(y[i], expected) <= FewUlps, $"tanh({Magnitudes[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
        Assert.Equal(1f, y[Array.IndexOf(Magnitudes, 20f)]);
        Assert.True(float.IsNegative(y[^1]), "tanh(-0) keeps the sign of zero");
    }

    [Fact]
    public void Vector_tanh_keeps_a_gradient_through_a_tiny_unit_accurate()
    {
        // The reproduction of the issue: x = 1e-4 through tanh units; the gradient of the weight is x·tanh'(z)·(upstream),
        // and with tanh(z) computed as 1 - 2/(exp(2z) + 1) it was 1.4e-3 off, relatively.
        var z = Enumerable.Repeat(1e-4f, 8).ToArray();
        var y = new float[8];
        ElementwiseKernels.Activate(z, y, new TanhOperator());
        Assert.All(y, v => Assert.True(RelativeError(v, Math.Tanh(1e-4)) <= FewUlps, $"tanh(1e-4) = {v:R}"));
    }

    [Fact]
    public void Vector_sigmoid_keeps_its_relative_error_within_a_few_ulps_down_to_the_smallest_normal_result()
    {
        var z = Magnitudes.Concat(Enumerable.Range(1, 86).Select(i => -(float)i)).ToArray();
        var y = new float[z.Length];
        ElementwiseKernels.Activate(z, y, new SigmoidOperator());
        for (int i = 0; i < y.Length; i++)
        {
            double expected = 1 / (1 + Math.Exp(-(double)z[i]));
            Assert.True(RelativeError(y[i], expected) <= FewUlps, $"sigmoid({z[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Softmax_keeps_tiny_probabilities_and_its_backward_accurate()
    {
        var x = new[] { 5f, 0f, -10f, -50f, -80f, 4.999f, 1e-7f };
        var y = new float[x.Length];
        ActivationKernels.SoftmaxRows(x, y, 1, x.Length);
        double sum = x.Sum(v => Math.Exp(v - 5.0));
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i] - 5.0) / sum;
            Assert.True(RelativeError(y[i], expected) <= FewUlps, $"softmax[{i}] = {y[i]:R}, expected {expected:R}");
        }

        var dy = new[] { 1f, -2f, 0.5f, 3f, 7f, -1f, 0.25f };
        var dx = new float[x.Length];
        ActivationKernels.SoftmaxRowsBackward(y, dy, dx, 1, x.Length);
        double dot = 0;
        for (int j = 0; j < x.Length; j++) dot += (double)dy[j] * y[j];
        for (int i = 0; i < x.Length; i++)
        {
            double expected = y[i] * (dy[i] - dot);
            Assert.True(RelativeError(dx[i], expected) <= FewUlps, $"dx[{i}] = {dx[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Cross_entropy_gradients_keep_their_relative_accuracy_for_confident_predictions()
    {
        // The label's probability is 1 - 2e-9: its gradient p - 1 must not round to 0, nor the others' to garbage.
        var logits = new[] { 20f, 0f, 0.5f };
        var gradient = new float[3];
        LossKernels.SoftmaxCrossEntropy(logits, [0], 3, gradient);
        double sum = logits.Sum(v => Math.Exp(v - 20.0));
        double[] p = logits.Select(v => Math.Exp(v - 20.0) / sum).ToArray();
        double[] expected = [-(p[1] + p[2]), p[1], p[2]];
        for (int i = 0; i < 3; i++)
            Assert.True(RelativeError(gradient[i], expected[i]) <= FewUlps, $"dL/dz[{i}] = {gradient[i]:R}, expected {expected[i]:R}");
    }

    [Theory]
    [InlineData(40f, 1f)]
    [InlineData(25f, 1f)]
    [InlineData(-40f, 0f)]
    [InlineData(-25f, 0f)]
    [InlineData(1e-6f, 0.5f)]
    [InlineData(30f, 0.25f)]
    public void Binary_cross_entropy_gradients_keep_their_relative_accuracy_for_confident_predictions(float z, float t)
    {
        var gradient = new float[1];
        LossKernels.BinaryCrossEntropyWithLogits([z], [t], gradient);
        // sigmoid(z) - t, from the side where it does not cancel.
        double expected = z >= 0 ? (1 - t) - 1 / (1 + Math.Exp(z)) : 1 / (1 + Math.Exp(-(double)z)) - t;
        Assert.True(RelativeError(gradient[0], expected) <= FewUlps, $"dL/dz = {gradient[0]:R}, expected {expected:R}");
    }

    private static double RelativeError(double actual, double expected) =>
        expected == 0 ? Math.Abs(actual) : Math.Abs(actual - expected) / Math.Abs(expected);
}
