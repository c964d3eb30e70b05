using Myelin.Kernels;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

/// <summary>Each fused pooling kernel against the unfused calls it replaces: the same bits, for any thread count.</summary>
public sealed class FusedPoolingTests
{
    public static TheoryData<int, int, int> Geometries => new()
    {
        // channels, conv output size, batch: MNIST's 26 -> 13 and 11 -> 5 (odd: the last row and column are dropped)
        { 32, 26, 3 }, { 16, 11, 4 }, { 5, 8, 2 }, { 3, 3, 5 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_fused_convolution_epilogue_and_pooling_give_the_bits_of_the_separate_calls(int channels, int size, int batch)
    {
        var random = new SeededRandom(size * 10 + channels);
        int positions = size * size;
        var products = RandomArray(channels * batch * positions, ref random, 3f);
        var bias = RandomArray(channels, ref random);
        var pool = Pool(batch * channels, size);
        int pooledSize = batch * channels * pool.OutHeight * pool.OutWidth;

        var full = new float[batch * channels * positions];
        ElementwiseKernels.ChannelsToSamples(products, full, bias, channels, batch, positions, new ReLUOperator());
        var expected = new float[pooledSize];
        var expectedArgmax = new int[pooledSize];
        PoolingKernels.MaxPoolForward(full, expected, expectedArgmax, pool);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var pooled = new float[pooledSize];
            var argmax = new int[pooledSize];
            PoolingKernels.ChannelsToSamplesMaxPool(products, pooled, argmax, bias, channels, batch, pool, new ReLUOperator());
            Assert.Equal(expected, pooled);
            Assert.Equal(expectedArgmax, argmax);
            var withoutArgmax = new float[pooledSize];
            PoolingKernels.ChannelsToSamplesMaxPool(products, withoutArgmax, default, default, channels, batch, pool, new IdentityOperator());
            return [pooled, withoutArgmax];
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_fused_direct_convolution_and_pooling_give_the_bits_of_the_separate_calls(int filters, int size, int batch)
    {
        var shape = DirectConvolutionTests.Shape(1, size + 2, size + 2, 3, 1, 0);
        var random = new SeededRandom(size * 10 + filters + 1);
        var x = RandomArray(batch * (size + 2) * (size + 2), ref random);
        var weight = RandomArray(filters * 9, ref random);
        var bias = RandomArray(filters, ref random);
        var pool = Pool(batch * filters, size);

        var full = new float[batch * filters * shape.Positions];
        ConvolutionKernels.DirectForward(x, weight, bias, full, shape, filters, batch, new TanhOperator());
        AssertPoolsLikeTheSeparateCalls(full, pool, (pooled, argmax) =>
            ConvolutionKernels.DirectForwardMaxPool(x, weight, bias, pooled, argmax, shape, filters, batch, pool, new TanhOperator()));
    }

    /// <summary>
    /// <paramref name="fused"/> (pooled values, argmax) must write the bits of <see cref="PoolingKernels.MaxPoolForward"/>
    /// over <paramref name="full"/>, the convolution's whole output, for any thread count.
    /// </summary>
    private static void AssertPoolsLikeTheSeparateCalls(float[] full, PoolShape pool, Action<float[], int[]> fused)
    {
        int pooledSize = pool.Planes * pool.OutHeight * pool.OutWidth;
        var expected = new float[pooledSize];
        var expectedArgmax = new int[pooledSize];
        PoolingKernels.MaxPoolForward(full, expected, expectedArgmax, pool);
        AssertSameBitsForAnyThreadCount(() =>
        {
            var pooled = new float[pooledSize];
            var argmax = new int[pooledSize];
            fused(pooled, argmax);
            Assert.Equal(expected, pooled);
            Assert.Equal(expectedArgmax, argmax);
            return [pooled];
        });
    }

    public static TheoryData<int, int, int, int, int, int, int> PlaneGeometries => new()
    {
        // channels, input size, kernel, stride, padding, filters, batch: the MNIST CNN's conv2 (13 -> 11 -> 5, odd: the
        // last row and column are dropped), a "same" layer with a ragged filter block, stride 2, a 5x5 kernel
        { 32, 13, 3, 1, 0, 64, 3 }, { 16, 14, 3, 1, 1, 11, 2 }, { 6, 17, 3, 2, 1, 9, 3 }, { 4, 12, 5, 1, 2, 8, 2 },
    };

    [Theory]
    [MemberData(nameof(PlaneGeometries))]
    public void The_fused_plane_convolution_and_pooling_give_the_bits_of_the_separate_calls(
        int channels, int size, int kernel, int stride, int padding, int filters, int batch)
    {
        var shape = DirectConvolutionTests.Shape(channels, size, size, kernel, stride, padding);
        var random = new SeededRandom(size * 10 + filters + channels);
        var x = RandomArray(batch * channels * size * size, ref random);
        var weight = RandomArray(filters * shape.ColumnRows, ref random);
        var bias = RandomArray(filters, ref random);
        var pool = Pool(batch * filters, shape.OutHeight); // square outputs here
        int pooledSize = batch * filters * pool.OutHeight * pool.OutWidth;

        var full = new float[batch * filters * shape.Positions];
        ConvolutionKernels.PlaneForward(x, weight, bias, full, shape, filters, batch, new ReLUOperator());
        AssertPoolsLikeTheSeparateCalls(full, pool, (pooled, argmax) =>
            ConvolutionKernels.PlaneForwardMaxPool(x, weight, bias, pooled, argmax, shape, filters, batch, pool, new ReLUOperator()));

        // Without an argmax (inference), without a bias.
        ConvolutionKernels.PlaneForward(x, weight, default, full, shape, filters, batch, new IdentityOperator());
        var expected = new float[pooledSize];
        PoolingKernels.MaxPoolForward(full, expected, new int[pooledSize], pool);
        var withoutArgmax = new float[pooledSize];
        ConvolutionKernels.PlaneForwardMaxPool(x, weight, default, withoutArgmax, default, shape, filters, batch, pool, new IdentityOperator());
        Assert.Equal(expected, withoutArgmax);
    }

    [Fact]
    public void The_fused_plane_convolution_refuses_a_pool_that_does_not_fit_its_output()
    {
        var shape = DirectConvolutionTests.Shape(32, 13, 13, 3, 1, 0);
        var error = Assert.Throws<ArgumentException>(() => ConvolutionKernels.PlaneForwardMaxPool(new float[32 * 169], new float[64 * 288], default,
            new float[64 * 36], new int[64 * 36], shape, 64, 1, Pool(64, 12), new ReLUOperator()));
        Assert.Contains("12x12", error.Message);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_fused_pooling_backward_gives_the_bits_of_pooling_backward_derivative_and_reordering(int channels, int size, int batch)
    {
        var random = new SeededRandom(size * 10 + channels + 2);
        int positions = size * size;
        var pool = Pool(batch * channels, size);
        var y = RandomArray(batch * channels * positions, ref random).Select(v => Math.Max(v, 0f)).ToArray(); // a ReLU's output
        int pooledSize = batch * channels * pool.OutHeight * pool.OutWidth;
        var pooled = new float[pooledSize];
        var argmax = new int[pooledSize];
        PoolingKernels.MaxPoolForward(y, pooled, argmax, pool);
        var dy = RandomArray(pooledSize, ref random);

        var expected = new float[y.Length];
        PoolingKernels.MaxPoolBackward(dy, argmax, expected, pool);
        ElementwiseKernels.MultiplyByDerivative(y, expected, new ReLUOperator());
        var expectedChannels = new float[y.Length];
        ElementwiseKernels.SamplesToChannels(expected, expectedChannels, channels, batch, positions);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var dz = Enumerable.Repeat(float.NaN, y.Length).ToArray(); // every element is written
            PoolingKernels.MaxPoolBackward(dy, argmax, pooled, dz, pool, new ReLUOperator());
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), dz.Select(BitConverter.SingleToInt32Bits));
            var dzChannels = Enumerable.Repeat(float.NaN, y.Length).ToArray();
            PoolingKernels.MaxPoolBackwardToChannels(dy, argmax, pooled, dzChannels, channels, batch, pool, new ReLUOperator());
            Assert.Equal(expectedChannels.Select(BitConverter.SingleToInt32Bits), dzChannels.Select(BitConverter.SingleToInt32Bits));
            return [dz, dzChannels];
        });
    }

    [Fact]
    public void The_fused_pooling_backward_refuses_overlapping_windows()
    {
        var pool = new PoolShape(Planes: 1, Height: 5, Width: 5, Kernel: 3, Stride: 2, OutHeight: 2, OutWidth: 2);
        var error = Assert.Throws<ArgumentException>(() =>
            PoolingKernels.MaxPoolBackward(new float[4], new int[4], new float[4], new float[25], pool, new ReLUOperator()));
        Assert.Contains("windows that do not overlap, but the window is 3 with stride 2", error.Message);
    }

    [Fact]
    public void A_pooling_that_does_not_match_the_product_is_rejected()
    {
        var pool = Pool(6, 11);
        var error = Assert.Throws<ArgumentException>(() =>
            PoolingKernels.ChannelsToSamplesMaxPool(new float[6 * 121], new float[6 * 25], default, default, 4, 2, pool, new ReLUOperator()));
        Assert.Contains("2 samples of 4 channels are not the 6 planes of the pooling", error.Message);
    }

    private static PoolShape Pool(int planes, int size) => new(planes, size, size, Kernel: 2, Stride: 2, OutHeight: size / 2, OutWidth: size / 2);
}
