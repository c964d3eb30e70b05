using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

public sealed class ElementwiseKernelTests
{
    private static readonly float[] Inputs = Enumerable.Range(-40, 81).Select(i => i * 0.37f).Append(0f).Append(-0f).ToArray();

    [Fact]
    public void Every_activation_matches_its_double_precision_formula_in_the_vector_body_and_the_scalar_tail()
    {
        Check(new ReLUOperator(), z => Math.Max(z, 0), y => y > 0 ? 1 : 0);
        Check(new LeakyReLUOperator(0.1f), z => z > 0 ? z : 0.1 * z, y => y > 0 ? 1 : 0.1);
        Check(new SigmoidOperator(), z => 1 / (1 + Math.Exp(-z)), y => y * (1 - y));
        Check(new TanhOperator(), Math.Tanh, y => 1 - y * y);
        Check(new IdentityOperator(), z => z, _ => 1);
    }

    [Fact]
    public void Bias_epilogues_add_the_bias_per_column_or_per_row_before_the_activation()
    {
        var matrix = new float[] { -1, 2, 3, -4, 5, -6 }; // [2, 3]
        var columns = (float[])matrix.Clone();
        ElementwiseKernels.AddColumnBiasAndActivate(columns, [1f, -3f, 0.5f], 2, 3, new ReLUOperator());
        Assert.Equal(new[] { 0f, 0f, 3.5f, 0f, 2f, 0f }, columns);

        var rows = (float[])matrix.Clone();
        ElementwiseKernels.AddRowBiasAndActivate(rows, [2f, 10f], 2, 3, new ReLUOperator());
        Assert.Equal(new[] { 1f, 4f, 5f, 6f, 15f, 4f }, rows);
    }

    [Fact]
    public void Bias_gradient_sums_add_over_rows_or_along_each_row()
    {
        var matrix = Enumerable.Range(1, 30).Select(i => (float)i).ToArray(); // [3, 10]
        var columnSums = Enumerable.Repeat(1f, 10).ToArray();
        ElementwiseKernels.AddColumnSums(matrix, 3, 10, columnSums);
        Assert.Equal(Enumerable.Range(0, 10).Select(c => 1f + (c + 1) + (c + 11) + (c + 21)), columnSums);

        var rowSums = new float[] { 100, 0, 0 };
        ElementwiseKernels.AddRowSums(matrix, 3, 10, rowSums);
        Assert.Equal(new[] { 155f, 155f, 255f }, rowSums);
    }

    private static void Check<T>(T activation, Func<double, double> f, Func<double, double> derivativeFromOutput) where T : struct, IActivationOperator
    {
        var y = new float[Inputs.Length];
        ElementwiseKernels.Activate(Inputs, y, activation);
        var dy = Inputs.Select((_, i) => 0.5f + i % 3).ToArray();
        var dx = new float[Inputs.Length];
        ElementwiseKernels.MultiplyByDerivative(y, dy, dx, activation);
        for (int i = 0; i < Inputs.Length; i++)
        {
            double expected = f(Inputs[i]);
            // Vector exp/tanh are accurate to a few float ulps; 2e-6 absolute plus 1e-6 relative covers them.
            Assert.True(Math.Abs(y[i] - expected) <= 2e-6 + 1e-6 * Math.Abs(expected), $"{typeof(T).Name}({Inputs[i]}) = {y[i]}, expected {expected}");
            double expectedDx = dy[i] * derivativeFromOutput(y[i]);
            Assert.True(Math.Abs(dx[i] - expectedDx) <= 1e-6 * (1 + Math.Abs(expectedDx)), $"{typeof(T).Name}'({Inputs[i]})");
        }
    }
}
