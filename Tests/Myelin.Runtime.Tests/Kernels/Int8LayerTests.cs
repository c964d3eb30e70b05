using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>
/// The int8 layers and element-wise kernels against plain references written from their definitions: integer sums,
/// then <c>Quantize(f(acc · scale + bias) · inverse)</c> in float with the same two roundings (multiply, then add), so
/// that ReLU and identity layers match bit for bit.
/// </summary>
[Collection(AllocationCounting.Name)]
public sealed class Int8LayerTests
{
    [Theory]
    [InlineData(0.5f, 0)]
    [InlineData(1.5f, 2)]
    [InlineData(2.5f, 2)]
    [InlineData(-0.5f, 0)]
    [InlineData(-2.5f, -2)]
    [InlineData(126.6f, 127)]
    [InlineData(400f, 127)]
    [InlineData(-400f, -127)]
    [InlineData(float.NaN, 0)]
    public void Quantize_rounds_half_to_even_and_clamps_to_plus_or_minus_127(float value, int expected) =>
        Assert.Equal(expected, Int8Kernels.Quantize(value));

    [Fact]
    public void The_vector_and_scalar_quantisation_agree_on_every_element()
    {
        // 1,003 values: whole vectors of 16 and a scalar tail, with many exact halves among them.
        var x = Enumerable.Range(0, 1003).Select(i => (i - 501) * 0.25f).ToArray();
        var q = new sbyte[x.Length];
        Int8Kernels.Quantize(x, q, inverseScale: 0.5f);
        Assert.Equal(x.Select(v => Int8Kernels.Quantize(v * 0.5f)).ToArray(), q);
    }

    [Theory]
    [InlineData(1, 5, 5, 3, 1, 0)]
    [InlineData(2, 7, 6, 3, 1, 1)]
    [InlineData(3, 9, 9, 3, 2, 1)]
    [InlineData(6, 13, 13, 3, 1, 0)]
    [InlineData(1, 28, 28, 3, 1, 0)]
    public void Im2ColPacked_writes_the_columns_of_the_definition_in_panel_layout(int channels, int height, int width, int kernel, int stride, int padding)
    {
        var shape = Geometry(channels, height, width, kernel, stride, padding);
        var random = new SeededRandom(4);
        var x = Int8GemmTests.RandomBytes(channels * height * width, ref random, min: -128);
        var packed = new sbyte[Int8Gemm.PackedLength(shape.Positions, shape.ColumnRows)];
        packed.AsSpan().Fill(99); // every byte the kernel does not set must come out zero

        Int8Layers.Im2ColPacked(x, packed, shape);

        Assert.Equal(Int8GemmTests.PackPanels(Columns(x, shape), shape.Positions, shape.ColumnRows), packed);
    }

    public static TheoryData<int, int, int, int> DenseShapes => new()
    {
        { 1, 784, 128, 0 }, { 64, 784, 128, 0 }, { 3, 37, 10, 1 }, { 64, 400, 120, 0 }, { 5, 9, 3, 2 }, { 7, 50, 21, 3 }, { 2, 30, 40, 4 },
    };

    [Theory]
    [MemberData(nameof(DenseShapes))]
    public void A_dense_layer_matches_the_integer_reference_bit_for_bit(int batch, int inputs, int outputs, int activation)
    {
        var random = new SeededRandom(batch + inputs + outputs);
        var x = Int8GemmTests.RandomBytes(batch * inputs, ref random, min: -128);
        var w = Int8GemmTests.RandomBytes(outputs * inputs, ref random, min: -127);
        var scale = Enumerable.Range(0, outputs).Select(_ => 1e-4f + random.NextFloat() * 1e-3f).ToArray();
        var bias = Enumerable.Range(0, outputs).Select(_ => random.NextFloat() - 0.5f).ToArray();
        const float inverse = 20f;
        var packed = new sbyte[Int8Gemm.PackedLength(outputs, inputs)];
        var sums = new int[Int8Gemm.PaddedColumns(outputs)];
        Int8Gemm.PackWeightColumns(w, outputs, inputs, packed, sums);
        var acc = Int8GemmTests.Reference(x, w, batch, outputs, inputs);
        var y = new sbyte[batch * outputs];
        var floats = new float[batch * outputs];

        switch (activation)
        {
            case 0:
                Int8Layers.Dense(x, y, batch, inputs, outputs, packed, sums, scale, bias, inverse, new ReLUOperator());
                Int8Layers.Dense(x, floats, batch, inputs, outputs, packed, sums, scale, bias, new ReLUOperator());
                break;
            case 1:
                Int8Layers.Dense(x, y, batch, inputs, outputs, packed, sums, scale, bias, inverse, new IdentityOperator());
                Int8Layers.Dense(x, floats, batch, inputs, outputs, packed, sums, scale, bias, new IdentityOperator());
                break;
            case 2:
                Int8Layers.Dense(x, y, batch, inputs, outputs, packed, sums, scale, bias, inverse, new LeakyReLUOperator(0.1f));
                Int8Layers.Dense(x, floats, batch, inputs, outputs, packed, sums, scale, bias, new LeakyReLUOperator(0.1f));
                break;
            case 3:
                Int8Layers.Dense(x, y, batch, inputs, outputs, packed, sums, scale, bias, inverse, new SigmoidOperator());
                Int8Layers.Dense(x, floats, batch, inputs, outputs, packed, sums, scale, bias, new SigmoidOperator());
                break;
            default:
                Int8Layers.Dense(x, y, batch, inputs, outputs, packed, sums, scale, bias, inverse, new TanhOperator());
                Int8Layers.Dense(x, floats, batch, inputs, outputs, packed, sums, scale, bias, new TanhOperator());
                break;
        }

        for (int b = 0; b < batch; b++)
        for (int o = 0; o < outputs; o++)
        {
            float z = (float)acc[b * outputs + o] * scale[o] + bias[o];
            // Sigmoid and tanh by the operators' eight-lane form, as every int8 kernel evaluates them (one element at a time included).
            float f = activation switch
            {
                0 => MathF.Max(z, 0f),
                1 => z,
                2 => z > 0f ? z : 0.1f * z,
                3 => Lane(new SigmoidOperator(), z),
                _ => Lane(new TanhOperator(), z),
            };
            Assert.Equal(f, floats[b * outputs + o]);
            Assert.Equal(Int8Kernels.Quantize(f * inverse), y[b * outputs + o]);
        }
    }

    [Theory]
    [InlineData(1, 1, 28, 28, 6, 3, 1, 0)]      // LeNet's first convolution: depth 9, padded to 12
    [InlineData(64, 32, 13, 13, 64, 3, 1, 0)]   // the CNN's second, at batch 64: split across cores
    [InlineData(3, 3, 9, 7, 5, 3, 2, 1)]        // strided, padded, ragged everything
    [InlineData(2, 4, 6, 6, 17, 1, 1, 0)]       // 1x1 kernel, a ragged tile of filters
    [InlineData(64, 64, 5, 5, 64, 3, 1, 0)]     // the CNN's third: 9 positions, 16 samples side by side fill 9 panels
    [InlineData(7, 3, 4, 5, 6, 3, 1, 0)]        // 6 positions: 8 samples per product, fewer in this batch
    [InlineData(21, 2, 6, 4, 5, 2, 2, 0)]       // 6 positions of a strided kernel, a ragged last group of samples
    [InlineData(3, 8, 9, 7, 5, 3, 2, 1)]        // channel quads gathered from padded planes, strided
    public void A_convolution_matches_the_integer_reference_bit_for_bit(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
    {
        var shape = Geometry(channels, height, width, kernel, stride, padding);
        int depth = shape.ColumnRows, positions = shape.Positions, inputSize = channels * height * width;
        var random = new SeededRandom(filters * 31 + batch);
        var x = Int8GemmTests.RandomBytes(batch * inputSize, ref random, min: -128);
        var w = Int8GemmTests.RandomBytes(filters * depth, ref random, min: -127);
        var scale = Enumerable.Range(0, filters).Select(_ => 1e-3f + random.NextFloat() * 1e-3f).ToArray();
        var bias = Enumerable.Range(0, filters).Select(_ => random.NextFloat() - 0.5f).ToArray();
        var rows = new sbyte[filters * Int8Gemm.PaddedDepth(depth)];
        var sums = new int[filters];
        Int8Layers.PackConvolutionWeights(w, shape, filters, rows, sums);
        var y = new sbyte[batch * filters * positions];
        var floats = new float[y.Length];
        const float inverse = 10f;

        Int8Layers.Convolution(x, y, batch, shape, filters, rows, sums, scale, bias, inverse, new ReLUOperator());
        Int8Layers.Convolution(x, floats, batch, shape, filters, rows, sums, scale, default, new IdentityOperator());

        for (int b = 0; b < batch; b++)
        {
            var columns = Columns(x.AsSpan(b * inputSize, inputSize).ToArray(), shape); // [positions, depth]
            var acc = Int8GemmTests.Reference(w, columns, filters, positions, depth);
            for (int f = 0; f < filters; f++)
            for (int p = 0; p < positions; p++)
            {
                int at = (b * filters + f) * positions + p;
                float z = (float)acc[f * positions + p] * scale[f];
                Assert.Equal(z, floats[at]);
                Assert.Equal(Int8Kernels.Quantize(MathF.Max(z + bias[f], 0f) * inverse), y[at]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Int8GemmTests.Sets), MemberType = typeof(Int8GemmTests))]
    public void Every_instruction_set_gives_a_convolution_the_same_bits(Int8InstructionSet set)
    {
        // The epilogue runs on each register tile (and, on the portable path, on each sum): every path must agree, with
        // one sample per product (63 positions) and with several (9 positions).
        SameBits(set, Geometry(3, 9, 7, 3, 1, 1), batch: 2);
        SameBits(set, Geometry(3, 5, 5, 3, 1, 0), batch: 19);
        SameBits(set, Geometry(8, 9, 7, 3, 1, 1), batch: 2);  // channel quads
        SameBits(set, Geometry(4, 5, 5, 3, 1, 0), batch: 19);
    }

    private static void SameBits(Int8InstructionSet set, ConvolutionShape shape, int batch)
    {
        const int filters = 7;
        var random = new SeededRandom(12);
        var x = Int8GemmTests.RandomBytes(batch * shape.Channels * shape.Height * shape.Width, ref random, min: -128);
        var w = Int8GemmTests.RandomBytes(filters * shape.ColumnRows, ref random, min: -127);
        var rows = new sbyte[filters * Int8Gemm.PaddedDepth(shape.ColumnRows)];
        var sums = new int[filters];
        Int8Layers.PackConvolutionWeights(w, shape, filters, rows, sums);
        var scale = Enumerable.Range(0, filters).Select(i => 0.002f * (i + 1)).ToArray();
        var bias = Enumerable.Range(0, filters).Select(i => 0.1f * i - 0.3f).ToArray();
        var expected = new sbyte[batch * filters * shape.Positions];
        var actual = new sbyte[expected.Length];

        Int8Layers.Convolution(x, expected, batch, shape, filters, rows, sums, scale, bias, 5f, new TanhOperator(), Int8InstructionSet.Portable);
        Int8Layers.Convolution(x, actual, batch, shape, filters, rows, sums, scale, bias, 5f, new TanhOperator(), set);

        Assert.Equal(expected, actual);
        Assert.Contains(actual, v => v != 0);
    }

    [Fact]
    public void A_convolution_allocates_nothing_once_warm()
    {
        var shape = Geometry(32, 13, 13, 3, 1, 0);
        const int batch = 64, filters = 64;
        var x = new sbyte[batch * 32 * 13 * 13];
        var rows = new sbyte[filters * Int8Gemm.PaddedDepth(shape.ColumnRows)];
        var y = new sbyte[batch * filters * shape.Positions];
        var sums = new int[filters];
        var scale = Enumerable.Repeat(0.01f, filters).ToArray();

        Assert.Equal(0, AllocationCounting.BytesOfWarmCalls(() => Int8Layers.Convolution(x, y, batch, shape, filters, rows, sums, scale, default, 1f, new ReLUOperator())));
    }

    [Fact]
    public void Max_and_average_pooling_match_their_definitions()
    {
        var shape = new PoolShape(Planes: 3, Height: 7, Width: 6, Kernel: 2, Stride: 2, OutHeight: 3, OutWidth: 3);
        var random = new SeededRandom(6);
        var x = Int8GemmTests.RandomBytes(3 * 7 * 6, ref random, min: -128);
        var max = new sbyte[27];
        var average = new sbyte[27];

        Int8Kernels.MaxPool(x, max, shape);
        Int8Kernels.AveragePool(x, average, shape);

        for (int p = 0; p < 3; p++)
        for (int oy = 0; oy < 3; oy++)
        for (int ox = 0; ox < 3; ox++)
        {
            var window = new[] { (0, 0), (0, 1), (1, 0), (1, 1) }.Select(d => (int)x[(p * 7 + oy * 2 + d.Item1) * 6 + ox * 2 + d.Item2]).ToArray();
            Assert.Equal(window.Max(), max[(p * 3 + oy) * 3 + ox]);
            Assert.Equal(Int8Kernels.Quantize(window.Sum() * 0.25f), average[(p * 3 + oy) * 3 + ox]);
        }
    }

    [Fact]
    public void Global_average_pooling_rounds_the_mean_of_each_plane()
    {
        var x = new sbyte[] { 1, 2, 3, 4, -10, -11, 0, 0 };
        var y = new sbyte[2];
        Int8Kernels.GlobalAveragePool(x, y, planes: 2, size: 4);
        Assert.Equal(new sbyte[] { 2, -5 }, y); // 2.5 rounds to even, -5.25 to -5
    }

    [Fact]
    public void An_activation_table_maps_every_int8_value_through_the_activation_between_two_scales()
    {
        var table = new sbyte[Int8Kernels.TableLength];
        Int8Kernels.BuildTable(table, inputScale: 0.05f, inverseOutputScale: 127f, new SigmoidOperator());
        var x = Enumerable.Range(-128, 256).Select(v => (sbyte)v).ToArray();
        var y = new sbyte[256];

        Int8Kernels.Lookup(x, y, table);

        for (int i = 0; i < 256; i++)
            Assert.Equal(Int8Kernels.Quantize(Lane(new SigmoidOperator(), x[i] * 0.05f) * 127f), y[i]);
    }

    [Fact]
    public void A_per_channel_affine_map_and_a_scaled_sum_match_their_definitions()
    {
        var x = new sbyte[] { 10, -20, 30, 40, -50, 60, 70, -80 }; // [batch 2, channels 2, spatial 2]
        var scale = new[] { 0.5f, 0.25f };
        var shift = new[] { 1f, -2f };
        var y = new sbyte[8];
        Int8Kernels.AffineChannels(x, y, batch: 2, channels: 2, spatial: 2, scale, shift, inverseOutputScale: 0.5f, new ReLUOperator());
        for (int i = 0; i < 8; i++)
        {
            int c = i / 2 % 2;
            Assert.Equal(Int8Kernels.Quantize(MathF.Max(x[i] * scale[c] + shift[c], 0f) * 0.5f), y[i]);
        }

        var sum = new float[8];
        Int8Kernels.AddScaled(x, 0.1f, sum, accumulate: false);
        Int8Kernels.AddScaled(y, 2f, sum, accumulate: true);
        var q = new sbyte[8];
        Int8Kernels.Activate(sum, q, 4f, new IdentityOperator());
        for (int i = 0; i < 8; i++) Assert.Equal(Int8Kernels.Quantize((x[i] * 0.1f + y[i] * 2f) * 4f), q[i]);
    }

    [Fact]
    public void Requantising_changes_the_scale_and_a_ratio_of_one_copies()
    {
        var x = new sbyte[] { 127, -127, 3, -3, 0 };
        var y = new sbyte[5];
        Int8Kernels.Requantize(x, y, 0.5f);
        Assert.Equal(new sbyte[] { 64, -64, 2, -2, 0 }, y); // 63.5 and 1.5 round to even
        Int8Kernels.Requantize(x, y, 1f);
        Assert.Equal(x, y);
    }

    /// <summary>An activation of one value by the operator's eight-lane form.</summary>
    internal static float Lane<T>(T activation, float z) where T : struct, IActivationOperator =>
        System.Runtime.Intrinsics.Vector256.ToScalar(activation.Apply(System.Runtime.Intrinsics.Vector256.Create(z)));

    /// <summary>The im2col columns of one sample as <c>[positions, depth]</c> rows (column j of the product is position j).</summary>
    internal static sbyte[] Columns(sbyte[] x, ConvolutionShape shape)
    {
        int depth = shape.ColumnRows, positions = shape.Positions, k = shape.Kernel;
        var columns = new sbyte[positions * depth];
        for (int p = 0; p < positions; p++)
        for (int d = 0; d < depth; d++)
        {
            int c = d / (k * k), ky = d / k % k, kx = d % k;
            int iy = p / shape.OutWidth * shape.Stride + ky - shape.PadTop, ix = p % shape.OutWidth * shape.Stride + kx - shape.PadLeft;
            columns[p * depth + d] = iy >= 0 && iy < shape.Height && ix >= 0 && ix < shape.Width ? x[(c * shape.Height + iy) * shape.Width + ix] : (sbyte)0;
        }
        return columns;
    }

    internal static ConvolutionShape Geometry(int channels, int height, int width, int kernel, int stride, int padding) =>
        new(channels, height, width, kernel, stride, padding, padding,
            (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1);
}
