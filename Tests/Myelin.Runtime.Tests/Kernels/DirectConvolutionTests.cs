using Myelin.Kernels;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

public sealed class DirectConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int, int> Geometries => new()
    {
        // channels, height, width, kernel, stride, padding, filters: MNIST's first layers (26- and 11-wide rows: a
        // vector plus an overlapping one), RGB with same padding, a ragged filter block, strides, rows under 4 wide
        { 1, 28, 28, 3, 1, 0, 32 }, { 1, 13, 13, 3, 1, 0, 6 }, { 3, 9, 9, 3, 1, 1, 11 }, { 2, 10, 10, 5, 2, 2, 4 },
        { 1, 5, 5, 3, 1, 0, 3 }, { 3, 7, 20, 3, 1, 1, 8 }, { 1, 8, 8, 1, 1, 0, 2 },
        // a stride that leaves the last rows unread, without padding: the input's own planes are read in place
        { 2, 6, 7, 1, 3, 0, 2 }, { 3, 11, 9, 3, 2, 0, 5 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_direct_forward_pass_matches_a_double_precision_convolution_with_bias_and_activation(
        int channels, int height, int width, int kernel, int stride, int padding, int filters)
    {
        const int batch = 3;
        var shape = Shape(channels, height, width, kernel, stride, padding);
        var random = new SeededRandom(channels * 1000 + width * 10 + filters);
        var x = RandomArray(batch * channels * height * width, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var bias = RandomArray(filters, ref random);
        var y = new float[batch * filters * shape.Positions];

        ConvolutionKernels.DirectForward(x, weight, bias, y, shape, filters, batch, new TanhOperator());

        var reference = Reference(x, weight, bias, shape, filters, batch);
        // Float rounding of C·k·k products of values in [-1, 1], then tanh (slope at most 1).
        double tolerance = 1e-6 * Math.Sqrt(shape.ColumnRows) * 4;
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - Math.Tanh(reference[i])) <= tolerance, $"y[{i}] = {y[i]}, expected {Math.Tanh(reference[i])}");
    }

    [Fact]
    public void The_direct_forward_pass_without_bias_is_the_plain_sum_of_products()
    {
        var shape = Shape(1, 6, 6, 3, 1, 0);
        var random = new SeededRandom(9);
        var x = RandomArray(2 * 36, ref random);
        var weight = RandomArray(5 * 9, ref random);
        var y = new float[2 * 5 * shape.Positions];

        ConvolutionKernels.DirectForward(x, weight, default, y, shape, 5, 2, new IdentityOperator());

        var reference = Reference(x, weight, new float[5], shape, 5, 2);
        for (int i = 0; i < y.Length; i++) Assert.Equal(reference[i], y[i], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_direct_weight_gradient_matches_a_double_precision_sum_and_accumulates(
        int channels, int height, int width, int kernel, int stride, int padding, int filters)
    {
        const int batch = 3;
        var shape = Shape(channels, height, width, kernel, stride, padding);
        var random = new SeededRandom(channels * 1000 + width * 10 + filters + 1);
        var x = RandomArray(batch * channels * height * width, ref random);
        var dz = RandomArray(batch * filters * shape.Positions, ref random);
        var initialWeights = RandomArray(filters * shape.ColumnRows, ref random);
        var initialBias = RandomArray(filters, ref random);
        var dw = (float[])initialWeights.Clone();
        var db = (float[])initialBias.Clone();

        ConvolutionKernels.DirectWeightGradient(x, dz, dw, db, shape, filters, batch);

        int taps = shape.ColumnRows, k = kernel;
        for (int f = 0; f < filters; f++)
        {
            double biasSum = initialBias[f];
            for (int b = 0; b < batch; b++)
            for (int p = 0; p < shape.Positions; p++) biasSum += dz[(b * filters + f) * shape.Positions + p];
            Assert.True(Math.Abs(db[f] - biasSum) <= 1e-5 * Math.Sqrt(batch * shape.Positions), $"db[{f}] = {db[f]}, expected {biasSum}");
            for (int t = 0; t < taps; t++)
            {
                int c = t / (k * k), ky = t / k % k, kx = t % k;
                double sum = initialWeights[f * taps + t];
                for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < shape.OutHeight; oy++)
                for (int ox = 0; ox < shape.OutWidth; ox++)
                {
                    int iy = oy * stride + ky - padding, ix = ox * stride + kx - padding;
                    if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                    sum += (double)dz[(b * filters + f) * shape.Positions + oy * shape.OutWidth + ox] * x[((b * channels + c) * height + iy) * width + ix];
                }
                Assert.True(Math.Abs(dw[f * taps + t] - sum) <= 1e-5 * Math.Sqrt(batch * shape.Positions), $"dW[{f}, {t}] = {dw[f * taps + t]}, expected {sum}");
            }
        }
    }

    [Fact]
    public void The_scaled_direct_forward_pass_is_a_convolution_then_a_per_filter_scale_and_shift() =>
        AssertScaledForward(Shape(2, 9, 9, 3, 1, 1), filters: 11, seed: 78, ConvolutionKernels.DirectForwardScaled);

    /// <summary>A scaled forward kernel of this signature.</summary>
    internal delegate void ScaledForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        Span<float> y, in ConvolutionShape shape, int filters, int batch, TanhOperator activation);

    /// <summary>
    /// Checks <c>y = tanh(scale[f] · Σ w · x + shift[f])</c> against the double-precision sums, within float rounding of
    /// the C·k·k products.
    /// </summary>
    internal static void AssertScaledForward(ConvolutionShape shape, int filters, int seed, ScaledForward kernel)
    {
        const int batch = 2;
        var random = new SeededRandom(seed);
        var x = RandomArray(batch * shape.Channels * shape.Height * shape.Width, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var scale = RandomArray(filters, ref random);
        var shift = RandomArray(filters, ref random);
        var y = new float[batch * filters * shape.Positions];

        kernel(x, weight, scale, shift, y, shape, filters, batch, new TanhOperator());

        var sums = Reference(x, weight, new float[filters], shape, filters, batch);
        for (int i = 0; i < y.Length; i++)
        {
            int f = i / shape.Positions % filters;
            double expected = Math.Tanh(scale[f] * sums[i] + shift[f]);
            Assert.True(Math.Abs(y[i] - expected) <= 4e-6 * Math.Sqrt(shape.ColumnRows), $"y[{i}] = {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Direct_kernels_give_the_same_bits_for_any_thread_count()
    {
        const int batch = 5, filters = 12;
        var shape = Shape(1, 28, 28, 3, 1, 0);
        var random = new SeededRandom(4);
        var x = RandomArray(batch * 28 * 28, ref random);
        var weight = RandomArray(filters * 9, ref random);
        var bias = RandomArray(filters, ref random);
        var dz = RandomArray(batch * filters * shape.Positions, ref random);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var y = new float[batch * filters * shape.Positions];
            var dw = new float[filters * 9];
            var db = new float[filters];
            ConvolutionKernels.DirectForward(x, weight, bias, y, shape, filters, batch, new ReLUOperator());
            ConvolutionKernels.DirectWeightGradient(x, dz, dw, db, shape, filters, batch);
            return [y, dw, db];
        });
    }

    [Fact]
    public void Operands_too_short_for_the_direct_convolution_are_rejected_with_their_sizes()
    {
        var shape = Shape(1, 6, 6, 3, 1, 0);
        var error = Assert.Throws<ArgumentException>(() =>
            ConvolutionKernels.DirectForward(new float[36], new float[18], default, new float[2 * 16], shape, 2, 2, new ReLUOperator()));
        Assert.Contains("x has 36 floats, but 2 samples of 1x6x6 need 72", error.Message);
    }

    /// <summary>The pre-activation <c>Σ w·x + bias</c> in double, straight from the definition.</summary>
    internal static double[] Reference(float[] x, float[] weight, float[] bias, ConvolutionShape shape, int filters, int batch)
    {
        var (channels, height, width, k, stride, padTop, padLeft, oh, ow) = shape;
        var z = new double[batch * filters * oh * ow];
        for (int b = 0; b < batch; b++)
        for (int f = 0; f < filters; f++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double sum = bias[f];
            for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                int iy = oy * stride + ky - padTop, ix = ox * stride + kx - padLeft;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                sum += (double)weight[((f * channels + c) * k + ky) * k + kx] * x[((b * channels + c) * height + iy) * width + ix];
            }
            z[((b * filters + f) * oh + oy) * ow + ox] = sum;
        }
        return z;
    }

    internal static ConvolutionShape Shape(int channels, int height, int width, int kernel, int stride, int padding) =>
        new(channels, height, width, kernel, stride, padding, padding,
            (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1);
}
