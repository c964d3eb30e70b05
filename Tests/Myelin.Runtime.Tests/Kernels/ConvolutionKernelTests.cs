using Myelin.Kernels;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

public sealed class ConvolutionKernelTests
{
    public static TheoryData<int, int, int, int, int, int> Geometries => new()
    {
        // channels, height, width, kernel, stride, padding
        { 1, 4, 4, 3, 1, 0 }, { 2, 5, 7, 3, 1, 1 }, { 3, 6, 6, 2, 2, 0 }, { 1, 7, 5, 3, 2, 1 }, { 2, 3, 3, 1, 1, 0 }, { 1, 5, 5, 5, 3, 2 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Im2Col_matches_the_definition_with_zero_padding(int channels, int height, int width, int kernel, int stride, int padding)
    {
        var shape = Shape(channels, height, width, kernel, stride, padding);
        var random = new SeededRandom(1);
        var x = Enumerable.Range(0, channels * height * width).Select(_ => random.NextFloat()).ToArray();
        var col = new float[shape.ColumnRows * shape.Positions];

        ConvolutionKernels.Im2Col(x, col, shape);

        for (int c = 0; c < channels; c++)
        for (int ky = 0; ky < kernel; ky++)
        for (int kx = 0; kx < kernel; kx++)
        for (int oy = 0; oy < shape.OutHeight; oy++)
        for (int ox = 0; ox < shape.OutWidth; ox++)
        {
            int iy = oy * stride + ky - padding, ix = ox * stride + kx - padding;
            float expected = iy >= 0 && iy < height && ix >= 0 && ix < width ? x[(c * height + iy) * width + ix] : 0f;
            int row = (c * kernel + ky) * kernel + kx;
            Assert.Equal(expected, col[row * shape.Positions + oy * shape.OutWidth + ox]);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Col2Im_is_the_adjoint_of_Im2Col(int channels, int height, int width, int kernel, int stride, int padding)
    {
        // <im2col(x), g> = <x, col2im(g)> for every x and g: the defining property of the backward pass.
        var shape = Shape(channels, height, width, kernel, stride, padding);
        var random = new SeededRandom(2);
        var x = Enumerable.Range(0, channels * height * width).Select(_ => random.NextFloat() - 0.5f).ToArray();
        var g = Enumerable.Range(0, shape.ColumnRows * shape.Positions).Select(_ => random.NextFloat() - 0.5f).ToArray();
        var col = new float[g.Length];
        var back = new float[x.Length];

        ConvolutionKernels.Im2Col(x, col, shape);
        ConvolutionKernels.Col2Im(g, back, shape);

        double left = col.Zip(g, (p, q) => (double)p * q).Sum();
        double right = x.Zip(back, (p, q) => (double)p * q).Sum();
        Assert.Equal(left, right, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Batch_im2col_and_col2im_give_the_bits_of_the_per_sample_calls_for_any_thread_count(
        int channels, int height, int width, int kernel, int stride, int padding)
    {
        const int batch = 5;
        var shape = Shape(channels, height, width, kernel, stride, padding);
        int sample = channels * height * width, positions = batch * shape.Positions;
        var random = new SeededRandom(3);
        var x = RandomArray(batch * sample, ref random);
        var g = RandomArray(shape.ColumnRows * positions, ref random);

        // The per-sample loop that generated code runs today.
        var expectedColumns = new float[shape.ColumnRows * positions];
        var expectedDx = new float[batch * sample];
        for (int b = 0; b < batch; b++)
        {
            ConvolutionKernels.Im2Col(x.AsSpan(b * sample, sample), expectedColumns, shape, b * shape.Positions, positions);
            ConvolutionKernels.Col2Im(g, expectedDx.AsSpan(b * sample, sample), shape, b * shape.Positions, positions);
        }

        AssertSameBitsForAnyThreadCount(() =>
        {
            var columns = new float[expectedColumns.Length];
            var dx = Enumerable.Repeat(float.NaN, expectedDx.Length).ToArray(); // Col2ImBatch clears it first
            ConvolutionKernels.Im2ColBatch(x, columns, shape, batch);
            ConvolutionKernels.Col2ImBatch(g, dx, shape, batch);
            Assert.Equal(expectedColumns, columns);
            Assert.Equal(expectedDx.Select(BitConverter.SingleToInt32Bits), dx.Select(BitConverter.SingleToInt32Bits));
            return [columns, dx];
        });
    }

    [Fact]
    public void A_columns_matrix_too_short_for_the_batch_is_rejected_with_its_size()
    {
        var shape = Shape(2, 5, 5, 3, 1, 0);
        var error = Assert.Throws<ArgumentException>(() => ConvolutionKernels.Im2ColBatch(new float[100], new float[100], shape, 2));
        Assert.Contains("columns has 100 floats, but 18 rows of 2x9 positions need 324", error.Message);
    }

    private static ConvolutionShape Shape(int channels, int height, int width, int kernel, int stride, int padding) =>
        new(channels, height, width, kernel, stride, padding, padding,
            (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1);
}
