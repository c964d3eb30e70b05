using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

public sealed class LossKernelTests
{
    [Fact]
    public void Softmax_cross_entropy_and_its_fused_gradient_match_a_double_reference_and_finite_differences()
    {
        var random = new SeededRandom(1);
        const int batch = 5, classes = 7;
        var logits = Enumerable.Range(0, batch * classes).Select(_ => random.NextFloat() * 8 - 4).ToArray();
        var labels = new[] { 0, 6, 3, 3, 1 };
        var gradient = new float[logits.Length];

        float loss = LossKernels.SoftmaxCrossEntropy(logits, labels, classes, gradient);

        double Reference(double[] z)
        {
            double total = 0;
            for (int b = 0; b < batch; b++)
            {
                var row = z.Skip(b * classes).Take(classes).ToArray();
                total += Math.Log(row.Sum(Math.Exp)) - row[labels[b]];
            }
            return total / batch;
        }
        var z = logits.Select(v => (double)v).ToArray();
        Assert.Equal(Reference(z), loss, 1e-5);
        AssertGradientMatchesCentralDifferences(Reference, z, gradient, tolerance: 1e-5);
    }

    [Fact]
    public void Softmax_cross_entropy_stays_finite_for_huge_logits()
    {
        var gradient = new float[3];
        float loss = LossKernels.SoftmaxCrossEntropy([1000f, -1000f, 0f], [1], 3, gradient);
        Assert.Equal(2000f, loss, 1e-3f);
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void Binary_cross_entropy_from_logits_matches_the_stable_formula_and_finite_differences()
    {
        var logits = new[] { -30f, -2f, -0.1f, 0f, 0.7f, 3f, 40f };
        var targets = new[] { 0f, 1f, 0.3f, 1f, 0f, 1f, 0f };
        var gradient = new float[logits.Length];

        float loss = LossKernels.BinaryCrossEntropyWithLogits(logits, targets, gradient);

        double Reference(double[] z) => z.Select((v, i) => -(targets[i] * LogSigmoid(v) + (1 - targets[i]) * LogSigmoid(-v))).Average();
        static double LogSigmoid(double v) => v >= 0 ? -Math.Log(1 + Math.Exp(-v)) : v - Math.Log(1 + Math.Exp(v));
        var z = logits.Select(v => (double)v).ToArray();
        Assert.Equal(Reference(z), loss, 1e-5);
        AssertGradientMatchesCentralDifferences(Reference, z, gradient, tolerance: 1e-6);
    }

    [Fact]
    public void Mean_squared_error_averages_over_every_element_and_its_gradient_is_two_times_the_error_over_the_count()
    {
        var gradient = new float[4];
        float loss = LossKernels.MeanSquaredError([1f, 2f, 3f, 4f], [1f, 0f, 3f, 5f], gradient);
        Assert.Equal((0 + 4 + 0 + 1) / 4f, loss);
        Assert.Equal(new[] { 0f, 1f, 0f, -0.5f }, gradient);
    }

    [Fact]
    public void The_softmax_backward_is_the_Jacobian_vector_product()
    {
        var x = new[] { 0.3f, -1f, 2f, 0.5f };
        var y = new float[4];
        ActivationKernels.SoftmaxRows(x, y, 1, 4);
        var dy = new[] { 1f, -2f, 0.5f, 3f };
        var dx = new float[4];
        ActivationKernels.SoftmaxRowsBackward(y, dy, dx, 1, 4);

        // J[i, j] = y_i (delta_ij - y_j); dx = J^T dy (J is symmetric).
        for (int i = 0; i < 4; i++)
        {
            double expected = 0;
            for (int j = 0; j < 4; j++) expected += y[i] * ((i == j ? 1 : 0) - y[j]) * dy[j];
            Assert.Equal(expected, dx[i], 1e-6);
        }
        Assert.Equal(1.0, y.Sum(), 6);
    }

    /// <summary>Each <paramref name="gradient"/> element against <c>(f(z + h) - f(z - h)) / 2h</c>, h = 1e-6, in double.</summary>
    private static void AssertGradientMatchesCentralDifferences(Func<double[], double> f, double[] z, float[] gradient, double tolerance)
    {
        const double h = 1e-6;
        for (int i = 0; i < z.Length; i++)
        {
            var plus = (double[])z.Clone();
            plus[i] += h;
            var minus = (double[])z.Clone();
            minus[i] -= h;
            Assert.Equal((f(plus) - f(minus)) / (2 * h), gradient[i], tolerance);
        }
    }
}
