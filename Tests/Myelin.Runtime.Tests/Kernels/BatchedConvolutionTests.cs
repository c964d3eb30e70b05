using Myelin.Kernels;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

/// <summary>Whole-layer convolution kernels (chunked im2col products) against the calls they replace and a double reference.</summary>
[Collection(AllocationCounting.Name)]
public sealed class BatchedConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int, int> Geometries => new()
    {
        // channels, size, kernel, stride, padding, filters, batch: the MNIST CNN's conv2 and conv3 (several chunks),
        // same padding, stride 2, a batch that does not divide into chunks
        { 32, 13, 3, 1, 0, 64, 7 }, { 64, 5, 3, 1, 0, 64, 40 }, { 3, 8, 3, 1, 1, 5, 3 }, { 4, 9, 3, 2, 1, 6, 5 }, { 6, 13, 3, 1, 0, 16, 37 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_layer_forward_pass_gives_the_bits_of_im2col_product_and_epilogue(int channels, int size, int kernel, int stride, int padding, int filters, int batch)
    {
        var shape = DirectConvolutionTests.Shape(channels, size, size, kernel, stride, padding);
        var random = new SeededRandom(channels + size + filters);
        int sample = channels * size * size, positions = batch * shape.Positions;
        var x = RandomArray(batch * sample, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var bias = RandomArray(filters, ref random);

        var columns = new float[shape.ColumnRows * positions];
        for (int b = 0; b < batch; b++) ConvolutionKernels.Im2Col(x.AsSpan(b * sample, sample), columns, shape, b * shape.Positions, positions);
        var products = new float[filters * positions];
        Gemm.Multiply(weight, columns, products, filters, positions, shape.ColumnRows, accumulate: false);
        var expected = new float[filters * positions];
        ElementwiseKernels.ChannelsToSamples(products, expected, bias, filters, batch, shape.Positions, new TanhOperator());

        AssertSameBitsForAnyThreadCount(() =>
        {
            var y = new float[expected.Length];
            ConvolutionKernels.Forward(x, weight, bias, y, shape, filters, batch, new TanhOperator());
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            return [y];
        });
    }

    [Fact]
    public void The_layer_forward_pass_with_pooling_gives_the_bits_of_the_two_passes()
    {
        const int batch = 9, filters = 16;
        var shape = DirectConvolutionTests.Shape(6, 13, 13, 3, 1, 0);
        var pool = new PoolShape(batch * filters, 11, 11, 2, 2, 5, 5);
        var random = new SeededRandom(21);
        var x = RandomArray(batch * 6 * 169, ref random);
        var weight = RandomArray(filters * 54, ref random);
        var bias = RandomArray(filters, ref random);
        var full = new float[batch * filters * 121];
        ConvolutionKernels.Forward(x, weight, bias, full, shape, filters, batch, new ReLUOperator());
        var expected = new float[batch * filters * 25];
        var expectedArgmax = new int[expected.Length];
        PoolingKernels.MaxPoolForward(full, expected, expectedArgmax, pool);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var pooled = new float[expected.Length];
            var argmax = new int[expected.Length];
            ConvolutionKernels.ForwardMaxPool(x, weight, bias, pooled, argmax, shape, filters, batch, pool, new ReLUOperator());
            Assert.Equal(expected, pooled);
            Assert.Equal(expectedArgmax, argmax);
            return [pooled];
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_layer_backward_pass_matches_a_double_reference_and_its_input_gradient_the_bits_of_product_and_col2im(
        int channels, int size, int kernel, int stride, int padding, int filters, int batch)
    {
        var shape = DirectConvolutionTests.Shape(channels, size, size, kernel, stride, padding);
        var random = new SeededRandom(channels * 3 + size + filters);
        int sample = channels * size * size, positions = batch * shape.Positions, taps = shape.ColumnRows;
        var x = RandomArray(batch * sample, ref random);
        var dz = RandomArray(filters * positions, ref random); // NCHW
        var weight = RandomArray(filters * taps, ref random);
        var initialWeights = RandomArray(filters * taps, ref random);
        var initialBias = RandomArray(filters, ref random);

        // The input gradient the generated code computes: Wᵀ · dz (channel-major), folded by col2im per sample.
        var channelsMajor = new float[dz.Length];
        ElementwiseKernels.SamplesToChannels(dz, channelsMajor, filters, batch, shape.Positions);
        var columnGradient = new float[taps * positions];
        Gemm.MultiplyTransposedA(weight, channelsMajor, columnGradient, taps, positions, filters, accumulate: false);
        var expectedDx = new float[x.Length];
        for (int b = 0; b < batch; b++) ConvolutionKernels.Col2Im(columnGradient, expectedDx.AsSpan(b * sample, sample), shape, b * shape.Positions, positions);

        float[][]? first = null;
        AssertSameBitsForAnyThreadCount(() =>
        {
            var dw = (float[])initialWeights.Clone();
            var db = (float[])initialBias.Clone();
            var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray(); // overwritten
            ConvolutionKernels.Backward(x, dz, weight, dw, db, dx, shape, filters, batch);
            Assert.Equal(expectedDx.Select(BitConverter.SingleToInt32Bits), dx.Select(BitConverter.SingleToInt32Bits));
            first ??= [dw, db];
            return [dw, db, dx];
        });

        double tolerance = 1e-5 * Math.Sqrt(positions);
        for (int f = 0; f < filters; f++)
        {
            double bias = initialBias[f];
            for (int b = 0; b < batch; b++)
            for (int p = 0; p < shape.Positions; p++) bias += dz[(b * filters + f) * shape.Positions + p];
            Assert.True(Math.Abs(first![1][f] - bias) <= tolerance, $"db[{f}] = {first[1][f]}, expected {bias}");
            for (int t = 0; t < taps; t++)
            {
                int c = t / (kernel * kernel), ky = t / kernel % kernel, kx = t % kernel;
                double sum = initialWeights[f * taps + t];
                for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < shape.OutHeight; oy++)
                for (int ox = 0; ox < shape.OutWidth; ox++)
                {
                    int iy = oy * stride + ky - padding, ix = ox * stride + kx - padding;
                    if (iy < 0 || iy >= size || ix < 0 || ix >= size) continue;
                    sum += (double)dz[(b * filters + f) * shape.Positions + oy * shape.OutWidth + ox] * x[((b * channels + c) * size + iy) * size + ix];
                }
                Assert.True(Math.Abs(first[0][f * taps + t] - sum) <= tolerance, $"dW[{f}, {t}] = {first[0][f * taps + t]}, expected {sum}");
            }
        }
    }

    [Fact]
    public void The_layer_backward_pass_skips_what_is_not_asked_for()
    {
        var shape = DirectConvolutionTests.Shape(2, 6, 6, 3, 1, 0);
        var random = new SeededRandom(5);
        var x = RandomArray(3 * 72, ref random);
        var dz = RandomArray(3 * 4 * 16, ref random);
        var weight = RandomArray(4 * 18, ref random);
        var dx = new float[x.Length];
        ConvolutionKernels.Backward(x, dz, weight, default, default, dx, shape, 4, 3);
        Assert.Contains(dx, v => v != 0);

        var dw = new float[4 * 18];
        ConvolutionKernels.Backward(x, dz, weight, dw, default, default, shape, 4, 3);
        Assert.Contains(dw, v => v != 0);
    }

    [Fact]
    public void Whole_layer_direct_and_fused_kernels_allocate_nothing_after_their_first_call()
    {
        const int batch = 6, filters = 8;
        var shape = DirectConvolutionTests.Shape(4, 12, 12, 3, 1, 0);
        var first = DirectConvolutionTests.Shape(1, 12, 12, 3, 1, 0);
        var pool = new PoolShape(batch * filters, 10, 10, 2, 2, 5, 5);
        var random = new SeededRandom(6);
        var x = RandomArray(batch * 4 * 144, ref random);
        var weight = RandomArray(filters * 36, ref random);
        var bias = RandomArray(filters, ref random);
        var y = new float[batch * filters * 100];
        var dz = RandomArray(y.Length, ref random);
        var pooled = new float[batch * filters * 25];
        var argmax = new int[pooled.Length];
        var dw = new float[weight.Length];
        var db = new float[filters];
        var dx = new float[x.Length];
        void Step()
        {
            ConvolutionKernels.Forward(x, weight, bias, y, shape, filters, batch, new ReLUOperator());
            ConvolutionKernels.ForwardMaxPool(x, weight, bias, pooled, argmax, shape, filters, batch, pool, new ReLUOperator());
            ConvolutionKernels.Backward(x, dz, weight, dw, db, dx, shape, filters, batch);
            ConvolutionKernels.DirectForwardMaxPool(x, weight, bias, pooled, argmax, first, filters, batch, pool, new ReLUOperator());
            ConvolutionKernels.DirectWeightGradient(x, dz, dw, db, first, filters, batch);
            PoolingKernels.MaxPoolBackward(pooled, argmax, pooled, dz, pool, new ReLUOperator());
        }

        // On one thread, so that every allocation the kernels could make is this thread's.
        KernelThreads.RunSerially(() =>
        {
            Step();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++) Step();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        });
    }
}
