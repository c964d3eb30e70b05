using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>
/// The int8 convolution with its max pool in the epilogue against the plain reference of the two layers one after the
/// other: integer sums, <c>Quantize(f(acc · scale + bias) · inverse)</c> at every output position, then the maximum of
/// each window. The fused kernel must give the same bits for every activation, geometry and instruction set.
/// </summary>
[Collection(AllocationCounting.Name)]
public sealed class Int8PoolEpilogueTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Geometries => new()
    {
        // batch, channels, height, width, filters, kernel, stride, padding, pool window, pool stride
        { 2, 1, 28, 28, 6, 3, 1, 0, 2, 2 },     // LeNet's first convolution: 26x26 pooled to 13x13, ragged last tile
        { 64, 32, 13, 13, 64, 3, 1, 0, 2, 2 },  // the CNN's second at batch 64: 11x11 to 5x5 drops a row and a column; split across cores
        { 3, 3, 9, 7, 5, 3, 2, 1, 2, 2 },       // strided and padded convolution
        { 2, 2, 12, 11, 7, 3, 1, 1, 3, 3 },     // 3x3 windows: nine members straddle the register tiles
        { 2, 3, 10, 10, 9, 3, 1, 0, 2, 3 },     // stride 3 over 2x2 windows: rows and columns between windows are skipped
        { 3, 8, 9, 7, 5, 3, 2, 1, 2, 2 },       // channel quads gathered from padded planes
        { 2, 4, 12, 11, 7, 3, 1, 1, 3, 3 },     // channel quads, 3x3 windows
        { 2, 4, 10, 10, 9, 3, 1, 0, 2, 3 },     // channel quads, windows apart
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_pooled_convolution_matches_the_convolution_then_the_pool_bit_for_bit(int batch, int channels, int height, int width, int filters,
        int kernel, int stride, int padding, int window, int poolStride)
    {
        var shape = Int8LayerTests.Geometry(channels, height, width, kernel, stride, padding);
        var pool = Pool(shape, filters, window, poolStride);
        var layer = Layer.Random(shape, filters, batch, seed: filters * 7 + window);
        foreach (int activation in new[] { 0, 1, 2, 3, 4 })
        {
            var y = new sbyte[batch * filters * pool.OutHeight * pool.OutWidth];
            y.AsSpan().Fill(99); // every output must be written
            Run(layer, y, batch, shape, pool, filters, activation, Int8Gemm.InstructionSet);
            Assert.Equal(Reference(layer, batch, shape, pool, filters, activation), y);
        }
    }

    [Theory]
    [MemberData(nameof(Int8GemmTests.Sets), MemberType = typeof(Int8GemmTests))]
    public void Every_instruction_set_gives_a_pooled_convolution_the_same_bits(Int8InstructionSet set)
    {
        foreach (var (channels, window, poolStride) in new[] { (3, 2, 2), (3, 3, 3), (4, 2, 2), (8, 3, 3) })
        {
            var shape = Int8LayerTests.Geometry(channels, 13, 12, 3, 1, 1);
            const int batch = 2, filters = 9;
            var pool = Pool(shape, filters, window, poolStride);
            var layer = Layer.Random(shape, filters, batch, seed: 21);
            foreach (int activation in new[] { 0, 4 })
            {
                var expected = Reference(layer, batch, shape, pool, filters, activation);
                var actual = new sbyte[expected.Length];
                Run(layer, actual, batch, shape, pool, filters, activation, set);
                Assert.Equal(expected, actual);
                Assert.Contains(actual, v => v != 0);
            }
        }
    }

    [Fact]
    public void A_pooled_convolution_allocates_nothing_once_warm()
    {
        var shape = Int8LayerTests.Geometry(32, 13, 13, 3, 1, 0);
        const int batch = 64, filters = 64;
        var pool = Pool(shape, filters, 2, 2);
        var layer = Layer.Random(shape, filters, batch, seed: 3);
        var y = new sbyte[batch * filters * 25];

        Assert.Equal(0, AllocationCounting.BytesOfWarmCalls(() => Run(layer, y, batch, shape, pool, filters, 0, Int8Gemm.InstructionSet)));
    }

    [Fact]
    public void A_pool_that_does_not_fit_the_convolution_is_refused_with_its_numbers()
    {
        var shape = Int8LayerTests.Geometry(1, 8, 8, 3, 1, 0); // 6x6 output
        var layer = Layer.Random(shape, 2, 1, seed: 1);
        var y = new sbyte[2 * 9];
        var overlapping = new PoolShape(2, 6, 6, Kernel: 3, Stride: 2, OutHeight: 2, OutWidth: 2);
        var wrongPlane = new PoolShape(2, 7, 6, Kernel: 2, Stride: 2, OutHeight: 3, OutWidth: 3);

        var overlap = Assert.Throws<ArgumentException>(() => Run(layer, y, 1, shape, overlapping, 2, 0, Int8Gemm.InstructionSet));
        var plane = Assert.Throws<ArgumentException>(() => Run(layer, y, 1, shape, wrongPlane, 2, 0, Int8Gemm.InstructionSet));

        Assert.Contains("3x3 window and stride 2", overlap.Message);
        Assert.Contains("2 planes of 7x6, but the convolution writes 2 of 6x6", plane.Message);
    }

    /// <summary>The pool over the whole convolution output, floor mode.</summary>
    private static PoolShape Pool(ConvolutionShape shape, int filters, int window, int stride) =>
        new(filters, shape.OutHeight, shape.OutWidth, window, stride, (shape.OutHeight - window) / stride + 1, (shape.OutWidth - window) / stride + 1);

    /// <summary>A convolution's inputs and state, with weights packed as the generated networks pack them.</summary>
    private sealed record Layer(sbyte[] X, sbyte[] W, sbyte[] Rows, int[] Sums, float[] Scale, float[] Bias)
    {
        public const float Inverse = 8f;

        public static Layer Random(ConvolutionShape shape, int filters, int batch, int seed)
        {
            var random = new SeededRandom(seed);
            int depth = shape.ColumnRows;
            var x = Int8GemmTests.RandomBytes(batch * shape.Channels * shape.Height * shape.Width, ref random, min: -128);
            var w = Int8GemmTests.RandomBytes(filters * depth, ref random, min: -127);
            // Scales that put the sums around the int8 range, so that clamping, rounding and negative values all occur.
            var scale = Enumerable.Range(0, filters).Select(_ => (0.5f + random.NextFloat()) / (8f * MathF.Sqrt(depth) * 74f)).ToArray();
            var bias = Enumerable.Range(0, filters).Select(_ => random.NextFloat() - 0.5f).ToArray();
            var rows = new sbyte[filters * Int8Gemm.PaddedDepth(depth)];
            var sums = new int[filters];
            Int8Layers.PackConvolutionWeights(w, shape, filters, rows, sums);
            return new Layer(x, w, rows, sums, scale, bias);
        }
    }

    private static void Run(Layer l, sbyte[] y, int batch, ConvolutionShape shape, PoolShape pool, int filters, int activation, Int8InstructionSet set)
    {
        switch (activation)
        {
            case 0: Int8Layers.ConvolutionMaxPool(l.X, y, batch, shape, pool, filters, l.Rows, l.Sums, l.Scale, l.Bias, Layer.Inverse, new ReLUOperator(), set); break;
            case 1: Int8Layers.ConvolutionMaxPool(l.X, y, batch, shape, pool, filters, l.Rows, l.Sums, l.Scale, default, Layer.Inverse, new IdentityOperator(), set); break;
            case 2: Int8Layers.ConvolutionMaxPool(l.X, y, batch, shape, pool, filters, l.Rows, l.Sums, l.Scale, l.Bias, Layer.Inverse, new LeakyReLUOperator(0.1f), set); break;
            case 3: Int8Layers.ConvolutionMaxPool(l.X, y, batch, shape, pool, filters, l.Rows, l.Sums, l.Scale, l.Bias, Layer.Inverse, new SigmoidOperator(), set); break;
            default: Int8Layers.ConvolutionMaxPool(l.X, y, batch, shape, pool, filters, l.Rows, l.Sums, l.Scale, l.Bias, Layer.Inverse, new TanhOperator(), set); break;
        }
    }

    /// <summary>The convolution requantised at every position, then the maximum of each window.</summary>
    private static sbyte[] Reference(Layer l, int batch, ConvolutionShape shape, PoolShape pool, int filters, int activation)
    {
        int depth = shape.ColumnRows, positions = shape.Positions, inputSize = shape.Channels * shape.Height * shape.Width;
        int pooled = pool.OutHeight * pool.OutWidth;
        var y = new sbyte[batch * filters * pooled];
        for (int b = 0; b < batch; b++)
        {
            var columns = Int8LayerTests.Columns(l.X.AsSpan(b * inputSize, inputSize).ToArray(), shape); // [positions, depth]
            var acc = Int8GemmTests.Reference(l.W, columns, filters, positions, depth);
            for (int f = 0; f < filters; f++)
            {
                var q = new sbyte[positions];
                for (int p = 0; p < positions; p++)
                {
                    float z = (float)acc[f * positions + p] * l.Scale[f] + (activation == 1 ? 0f : l.Bias[f]);
                    float a = activation switch
                    {
                        0 => MathF.Max(z, 0f),
                        1 => z,
                        2 => z > 0f ? z : 0.1f * z,
                        3 => Int8LayerTests.Lane(new SigmoidOperator(), z),
                        _ => Int8LayerTests.Lane(new TanhOperator(), z),
                    };
                    q[p] = Int8Kernels.Quantize(a * Layer.Inverse);
                }
                for (int py = 0; py < pool.OutHeight; py++)
                for (int px = 0; px < pool.OutWidth; px++)
                {
                    int best = sbyte.MinValue;
                    for (int wy = 0; wy < pool.Kernel; wy++)
                    for (int wx = 0; wx < pool.Kernel; wx++)
                        best = Math.Max(best, q[(py * pool.Stride + wy) * shape.OutWidth + px * pool.Stride + wx]);
                    y[(b * filters + f) * pooled + py * pool.OutWidth + px] = (sbyte)best;
                }
            }
        }
        return y;
    }
}
