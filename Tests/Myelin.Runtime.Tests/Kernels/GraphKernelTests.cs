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
    /// <summary>f(z) and f'(z) in double, for the fused kernels' references.</summary>
    private static (double Value, double Derivative) Reference<T>(double z) where T : struct, IActivationOperator => default(T) switch
    {
        ReLUOperator => (Math.Max(z, 0), z > 0 ? 1 : 0),
        TanhOperator => (Math.Tanh(z), 1 - Math.Tanh(z) * Math.Tanh(z)),
        SigmoidOperator => (1 / (1 + Math.Exp(-z)), 1 / (1 + Math.Exp(-z)) * (1 - 1 / (1 + Math.Exp(-z)))),
        _ => (z, 1),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(5000)] // several chunks: split over threads
    public void The_fused_sum_applies_the_activation_to_a_double_precision_sum_with_the_bits_of_two_passes(int length)
    {
        FusedSum(length, new IdentityOperator());
        FusedSum(length, new ReLUOperator());
        FusedSum(length, new TanhOperator());
        FusedSum(length, new SigmoidOperator());
    }

    private static void FusedSum<T>(int length, T activation) where T : struct, IActivationOperator
    {
        var a = Values(length, 11);
        var b = Values(length, 12);
        var fused = new float[length];
        GraphKernels.Sum(a, b, fused, activation);
        var twoPasses = new float[length];
        GraphKernels.Sum(a, b, twoPasses);
        ElementwiseKernels.Activate(twoPasses, activation);
        Assert.Equal(twoPasses.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));
        for (int i = 0; i < length; i++)
        {
            double expected = Reference<T>((double)a[i] + b[i]).Value;
            Assert.True(Math.Abs(fused[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"{typeof(T).Name}: y[{i}] = {fused[i]}, expected {expected}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(5000)]
    public void The_fused_sum_backward_writes_or_adds_dy_times_the_derivative_to_each_input(int length)
    {
        FusedSumBackward(length, new ReLUOperator());
        FusedSumBackward(length, new TanhOperator());
        FusedSumBackward(length, new SigmoidOperator());
    }

    private static void FusedSumBackward<T>(int length, T activation) where T : struct, IActivationOperator
    {
        var z = Values(length, 13);
        var y = new float[length];
        ElementwiseKernels.Activate(z, y, activation);
        var dy = Values(length, 14);
        var held = Values(length, 15);
        foreach (var (addFirst, addSecond) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            var first = addFirst ? (float[])held.Clone() : new float[length];
            var second = addSecond ? (float[])held.Clone() : new float[length];
            GraphKernels.SumBackward(y, dy, first, addFirst, second, addSecond, activation);
            for (int i = 0; i < length; i++)
            {
                double dz = dy[i] * Reference<T>(z[i]).Derivative;
                double expectedFirst = (addFirst ? held[i] : 0) + dz, expectedSecond = (addSecond ? held[i] : 0) + dz;
                // f'(z) comes from the float output y, so it carries y's rounding.
                Assert.True(Math.Abs(first[i] - expectedFirst) <= 1e-5 * (1 + Math.Abs(expectedFirst)), $"{typeof(T).Name} first[{i}] = {first[i]}, expected {expectedFirst}");
                Assert.True(Math.Abs(second[i] - expectedSecond) <= 1e-5 * (1 + Math.Abs(expectedSecond)), $"{typeof(T).Name} second[{i}] = {second[i]}, expected {expectedSecond}");
            }
        }

        // One input without a gradient (either one), and one value read twice (both targets the same array).
        var only = new float[length];
        GraphKernels.SumBackward(y, dy, default, false, only, false, activation);
        var written = new float[length];
        ElementwiseKernels.MultiplyByDerivative(y, dy, written, activation);
        Assert.Equal(written, only);
        var twice = new float[length];
        GraphKernels.SumBackward(y, dy, twice, false, twice, true, activation);
        Assert.Equal(written.Select(v => v + v), twice);
    }

    [Fact]
    public void The_fused_sum_and_its_backward_give_the_same_bits_for_any_thread_count()
    {
        const int length = 100_003;
        var a = Values(length, 16);
        var b = Values(length, 17);
        var dy = Values(length, 18);
        var held = Values(length, 19);
        KernelTesting.AssertSameBitsForAnyThreadCount(() =>
        {
            var y = new float[length];
            GraphKernels.Sum(a, b, y, new TanhOperator());
            var first = (float[])held.Clone();
            var second = new float[length];
            GraphKernels.SumBackward(y, dy, first, true, second, false, new TanhOperator());
            var added = (float[])held.Clone();
            GraphKernels.AddTo(a, added);
            return [y, first, second, added];
        });
    }

    [Fact]
    public void The_fused_sum_backward_refuses_gradients_shorter_than_dy() =>
        Assert.Contains("The second input's gradient has 3 floats, but dy has 4",
            Assert.Throws<ArgumentException>(() => GraphKernels.SumBackward(new float[4], new float[4], new float[4], false, new float[3], false, new ReLUOperator())).Message);
}
