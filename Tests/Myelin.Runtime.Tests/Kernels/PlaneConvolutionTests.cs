using Myelin.Kernels;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

/// <summary>The stride-1 plane kernels (forward, input gradient, weight gradient) against double-precision sums.</summary>
public sealed class PlaneConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int> Geometries => new()
    {
        // channels, height, width, kernel, padding, filters: a ResNet's 3x3 "same" layers at 28, 14 and 7 (rows of
        // 30, 16 and 9 flat positions, last tiles partly dropped), valid padding (the MNIST CNN's conv2), a ragged
        // filter block, a non-square plane, 1x1 and 5x5 kernels (taps in groups of 9 for the weight gradient), 45 filters
        // (filter-major weight gradient with a ragged last block), padding wider than the kernel (a negative padding for the
        // input gradient)
        { 16, 28, 28, 3, 1, 16 }, { 32, 14, 14, 3, 1, 32 }, { 64, 7, 7, 3, 1, 64 }, { 32, 13, 13, 3, 0, 64 },
        { 5, 9, 9, 3, 1, 11 }, { 6, 5, 12, 3, 1, 9 }, { 7, 6, 6, 1, 0, 3 }, { 3, 10, 8, 5, 2, 10 }, { 4, 3, 3, 3, 1, 8 }, { 6, 9, 9, 3, 1, 45 }, { 4, 6, 6, 3, 3, 5 },
    };

    public static TheoryData<int, int, int, int, int, int, int> StridedGeometries => new()
    {
        // channels, height, width, kernel, stride, padding, filters: the ResNet's widening 3x3 stride-2 layers (phases
        // of 15 and 8 columns), odd sizes (a last row and column that no window reaches), stride 3, a 2x2 stride-2 window
        { 16, 28, 28, 3, 2, 1, 32 }, { 32, 14, 14, 3, 2, 1, 64 }, { 5, 9, 11, 3, 2, 1, 7 }, { 6, 8, 7, 3, 2, 0, 9 },
        { 4, 10, 10, 5, 3, 2, 12 }, { 9, 6, 6, 2, 2, 0, 5 }, { 4, 7, 7, 3, 1, 1, 8 },
    };

    [Theory]
    [MemberData(nameof(StridedGeometries))]
    public void The_plane_forward_and_weight_gradient_match_double_precision_sums_with_any_stride(
        int channels, int height, int width, int kernel, int stride, int padding, int filters)
    {
        const int batch = 3;
        var shape = DirectConvolutionTests.Shape(channels, height, width, kernel, stride, padding);
        var random = new SeededRandom(channels * 1000 + width * 10 + filters + stride);
        var x = RandomArray(batch * channels * height * width, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var bias = RandomArray(filters, ref random);
        var dz = RandomArray(batch * filters * shape.Positions, ref random);
        var y = new float[batch * filters * shape.Positions];
        var dw = new float[weight.Length];
        var db = new float[filters];

        ConvolutionKernels.PlaneForward(x, weight, bias, y, shape, filters, batch, new IdentityOperator());
        ConvolutionKernels.PlaneWeightGradient(x, dz, dw, db, shape, filters, batch);

        var reference = DirectConvolutionTests.Reference(x, weight, bias, shape, filters, batch);
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - reference[i]) <= 4e-6 * Math.Sqrt(shape.ColumnRows), $"y[{i}] = {y[i]}, expected {reference[i]}");
        var expected = WeightGradient(x, dz, shape, filters, batch);
        for (int i = 0; i < dw.Length; i++)
            Assert.True(Math.Abs(dw[i] - expected[i]) <= 1e-5 * Math.Sqrt(batch * shape.Positions), $"dW[{i}] = {dw[i]}, expected {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_plane_forward_pass_matches_a_double_precision_convolution_with_bias_and_activation(
        int channels, int height, int width, int kernel, int padding, int filters)
    {
        const int batch = 3;
        var shape = DirectConvolutionTests.Shape(channels, height, width, kernel, 1, padding);
        var random = new SeededRandom(channels * 1000 + width * 10 + filters);
        var x = RandomArray(batch * channels * height * width, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var bias = RandomArray(filters, ref random);
        var y = new float[batch * filters * shape.Positions];

        ConvolutionKernels.PlaneForward(x, weight, bias, y, shape, filters, batch, new TanhOperator());

        var reference = DirectConvolutionTests.Reference(x, weight, bias, shape, filters, batch);
        // Float rounding of C·k·k products of values in [-1, 1], then tanh (slope at most 1).
        double tolerance = 4e-6 * Math.Sqrt(shape.ColumnRows);
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - Math.Tanh(reference[i])) <= tolerance, $"y[{i}] = {y[i]}, expected {Math.Tanh(reference[i])}");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_plane_input_gradient_matches_a_double_precision_sum_and_overwrites(
        int channels, int height, int width, int kernel, int padding, int filters)
    {
        const int batch = 2;
        var shape = DirectConvolutionTests.Shape(channels, height, width, kernel, 1, padding);
        var random = new SeededRandom(channels * 1000 + width * 10 + filters + 2);
        var dz = RandomArray(batch * filters * shape.Positions, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var dx = RandomArray(batch * channels * height * width, ref random); // overwritten

        ConvolutionKernels.PlaneInputGradient(dz, weight, dx, shape, filters, batch);

        var expected = new double[dx.Length];
        int k = kernel;
        for (int b = 0; b < batch; b++)
        for (int f = 0; f < filters; f++)
        for (int oy = 0; oy < shape.OutHeight; oy++)
        for (int ox = 0; ox < shape.OutWidth; ox++)
        for (int c = 0; c < channels; c++)
        for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
        {
            int iy = oy + ky - padding, ix = ox + kx - padding;
            if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
            expected[((b * channels + c) * height + iy) * width + ix] +=
                (double)dz[((b * filters + f) * shape.OutHeight + oy) * shape.OutWidth + ox] * weight[((f * channels + c) * k + ky) * k + kx];
        }
        double tolerance = 4e-6 * Math.Sqrt(filters * k * k);
        for (int i = 0; i < dx.Length; i++)
            Assert.True(Math.Abs(dx[i] - expected[i]) <= tolerance, $"dx[{i}] = {dx[i]}, expected {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_plane_weight_gradient_matches_a_double_precision_sum_and_accumulates(
        int channels, int height, int width, int kernel, int padding, int filters)
    {
        const int batch = 3;
        var shape = DirectConvolutionTests.Shape(channels, height, width, kernel, 1, padding);
        var random = new SeededRandom(channels * 1000 + width * 10 + filters + 1);
        var x = RandomArray(batch * channels * height * width, ref random);
        var dz = RandomArray(batch * filters * shape.Positions, ref random);
        var initialWeights = RandomArray(filters * shape.ColumnRows, ref random);
        var initialBias = RandomArray(filters, ref random);
        var dw = (float[])initialWeights.Clone();
        var db = (float[])initialBias.Clone();

        ConvolutionKernels.PlaneWeightGradient(x, dz, dw, db, shape, filters, batch);

        var expected = WeightGradient(x, dz, shape, filters, batch);
        double tolerance = 1e-5 * Math.Sqrt(batch * shape.Positions);
        for (int f = 0; f < filters; f++)
        {
            double biasSum = initialBias[f];
            for (int b = 0; b < batch; b++)
            for (int p = 0; p < shape.Positions; p++) biasSum += dz[(b * filters + f) * shape.Positions + p];
            Assert.True(Math.Abs(db[f] - biasSum) <= tolerance, $"db[{f}] = {db[f]}, expected {biasSum}");
        }
        for (int i = 0; i < dw.Length; i++)
        {
            double sum = initialWeights[i] + expected[i];
            Assert.True(Math.Abs(dw[i] - sum) <= tolerance, $"dW[{i}] = {dw[i]}, expected {sum}");
        }
    }

    [Fact]
    public void The_scaled_plane_forward_pass_is_a_convolution_then_a_per_filter_scale_and_shift() =>
        DirectConvolutionTests.AssertScaledForward(DirectConvolutionTests.Shape(9, 7, 7, 3, 1, 1), filters: 13, seed: 77,
            ConvolutionKernels.PlaneForwardScaled);

    [Fact]
    public void Plane_kernels_give_the_same_bits_for_any_thread_count()
    {
        const int batch = 19, filters = 24; // more samples than weight-gradient slots
        var shape = DirectConvolutionTests.Shape(8, 14, 14, 3, 1, 1);
        var random = new SeededRandom(5);
        var x = RandomArray(batch * 8 * 14 * 14, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var bias = RandomArray(filters, ref random);
        var dz = RandomArray(batch * filters * shape.Positions, ref random);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var y = new float[batch * filters * shape.Positions];
            var dx = new float[x.Length];
            var dw = new float[filters * shape.ColumnRows];
            var db = new float[filters];
            ConvolutionKernels.PlaneForward(x, weight, bias, y, shape, filters, batch, new ReLUOperator());
            ConvolutionKernels.PlaneInputGradient(dz, weight, dx, shape, filters, batch);
            ConvolutionKernels.PlaneWeightGradient(x, dz, dw, db, shape, filters, batch);
            return [y, dx, dw, db];
        });
    }

    [Fact]
    public void A_strided_convolution_is_refused_by_the_plane_input_gradient_with_its_stride()
    {
        var shape = DirectConvolutionTests.Shape(4, 8, 8, 3, 2, 1);
        var error = Assert.Throws<ArgumentException>(() => ConvolutionKernels.PlaneInputGradient(new float[2 * shape.Positions], new float[2 * 36],
            new float[4 * 64], shape, 2, 1));
        Assert.Contains("stride 2", error.Message);
    }

    /// <summary><c>dW[f, t] = Σ_{b, oy, ox} dz[b, f, oy, ox] · x[b, c, oy·s + ky - pad, ox·s + kx - pad]</c> in double, from the definition.</summary>
    private static double[] WeightGradient(float[] x, float[] dz, ConvolutionShape shape, int filters, int batch)
    {
        var (channels, height, width, k, stride, padTop, padLeft, oh, ow) = shape;
        int taps = shape.ColumnRows;
        var dw = new double[filters * taps];
        for (int f = 0; f < filters; f++)
        for (int t = 0; t < taps; t++)
        {
            int c = t / (k * k), ky = t / k % k, kx = t % k;
            for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                int iy = oy * stride + ky - padTop, ix = ox * stride + kx - padLeft;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                dw[f * taps + t] += (double)dz[(b * filters + f) * oh * ow + oy * ow + ox] * x[((b * channels + c) * height + iy) * width + ix];
            }
        }
        return dw;
    }
}
