using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>
/// The kernels of graph networks against double-precision references. Each "and add" kernel must leave
/// <c>dx = previous + (what the writing kernel would write)</c>, so each is checked against its writing twin on a
/// destination that already holds values; lengths cover the vector body and the scalar tail.
/// </summary>
public sealed class GraphKernelTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    public void Sum_and_AddTo_match_a_double_precision_sum(int length)
    {
        var a = Values(length, 1);
        var b = Values(length, 2);
        var c = Values(length, 3);
        var y = new float[length + 3];
        GraphKernels.Sum(a, b, y);
        GraphKernels.AddTo(c, y);
        for (int i = 0; i < length; i++)
        {
            double expected = (double)a[i] + b[i] + c[i];
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"y[{i}] = {y[i]}, expected {expected}");
        }
        Assert.Equal(new[] { 0f, 0f, 0f }, y[length..]);
    }

    [Fact]
    public void Sum_refuses_an_output_shorter_than_its_inputs() =>
        Assert.Throws<ArgumentException>(() => GraphKernels.Sum(new float[4], new float[4], new float[3]));

    [Fact]
    public void The_activation_backward_adds_dy_times_the_derivative_to_what_dx_held()
    {
        Check(new ReLUOperator());
        Check(new LeakyReLUOperator(0.2f));
        Check(new SigmoidOperator());
        Check(new TanhOperator());
    }

    private static void Check<T>(T activation) where T : struct, IActivationOperator
    {
        var z = Values(29, 4);
        var y = new float[z.Length];
        var dy = Values(z.Length, 5);
        var dx = Values(z.Length, 6);
        var written = new float[z.Length];
        ElementwiseKernels.Activate(z, y, activation);
        var before = (float[])dx.Clone();
        ElementwiseKernels.MultiplyByDerivative(y, dy, written, activation);
        GraphKernels.MultiplyByDerivativeAndAdd(y, dy, dx, activation);
        for (int i = 0; i < z.Length; i++)
        {
            double expected = (double)before[i] + written[i];
            Assert.True(Math.Abs(dx[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"{typeof(T).Name}: dx[{i}] = {dx[i]}, expected {expected}");
        }
    }

    [Fact]
    public void The_softmax_backward_adds_the_Jacobian_vector_product_to_what_dx_held()
    {
        const int rows = 3, columns = 5;
        var y = new float[rows * columns];
        ActivationKernels.SoftmaxRows(Values(rows * columns, 7), y, rows, columns);
        var dy = Values(rows * columns, 8);
        var dx = Values(rows * columns, 9);
        var before = (float[])dx.Clone();
        GraphKernels.SoftmaxRowsBackwardAndAdd(y, dy, dx, rows, columns);
        for (int r = 0; r < rows; r++)
        {
            double dot = 0;
            for (int j = 0; j < columns; j++) dot += (double)dy[r * columns + j] * y[r * columns + j];
            for (int i = 0; i < columns; i++)
            {
                int at = r * columns + i;
                double expected = before[at] + (double)y[at] * (dy[at] - dot);
                Assert.True(Math.Abs(dx[at] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"dx[{r}, {i}] = {dx[at]}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 1)]
    public void The_pooling_backward_passes_add_to_what_dx_held_exactly_as_the_writing_ones_write(int kernel, int stride)
    {
        const int planes = 3, height = 7, width = 6;
        int outH = (height - kernel) / stride + 1, outW = (width - kernel) / stride + 1;
        var shape = new PoolShape(planes, height, width, kernel, stride, outH, outW);
        var x = Values(planes * height * width, 10);
        var pooled = new float[planes * outH * outW];
        var argmax = new int[pooled.Length];
        PoolingKernels.MaxPoolForward(x, pooled, argmax, shape);
        var dy = Values(pooled.Length, 11);

        foreach (bool max in new[] { true, false })
        {
            var written = new float[x.Length];
            if (max) PoolingKernels.MaxPoolBackward(dy, argmax, written, shape);
            else PoolingKernels.AveragePoolBackward(dy, written, shape);
            var dx = Values(x.Length, 12);
            var before = (float[])dx.Clone();
            if (max) GraphKernels.MaxPoolBackwardAndAdd(dy, argmax, dx, shape);
            else GraphKernels.AveragePoolBackwardAndAdd(dy, dx, shape);
            for (int i = 0; i < x.Length; i++)
            {
                double expected = (double)before[i] + written[i];
                Assert.True(Math.Abs(dx[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"{(max ? "max" : "average")}: dx[{i}] = {dx[i]}, expected {expected}");
            }
        }
    }
}
