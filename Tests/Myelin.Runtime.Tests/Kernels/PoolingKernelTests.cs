using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

public sealed class PoolingKernelTests
{
    public static TheoryData<int, int, int, int> Geometries => new()
    {
        // height, width, kernel, stride: the 2x2/2 fast path with even, odd, narrow (< 8 outputs) and wide rows, and others
        { 26, 26, 2, 2 }, { 11, 11, 2, 2 }, { 4, 6, 2, 2 }, { 8, 40, 2, 2 }, { 9, 9, 3, 3 }, { 7, 7, 3, 2 }, { 5, 6, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Max_pooling_matches_the_definition_with_first_maximum_wins(int height, int width, int kernel, int stride)
    {
        var shape = Shape(3, height, width, kernel, stride);
        var random = new SeededRandom(height * 100 + width);
        // Values on a coarse grid so that ties are frequent: the first maximum in row-major window order must win.
        var x = Enumerable.Range(0, 3 * height * width).Select(_ => (float)random.NextInt(5)).ToArray();
        var y = new float[3 * shape.OutHeight * shape.OutWidth];
        var argmax = new int[y.Length];

        PoolingKernels.MaxPoolForward(x, y, argmax, shape);

        for (int p = 0; p < 3; p++)
        for (int oy = 0; oy < shape.OutHeight; oy++)
        for (int ox = 0; ox < shape.OutWidth; ox++)
        {
            float best = float.NegativeInfinity;
            int at = -1;
            for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++)
            {
                int index = (oy * stride + ky) * width + ox * stride + kx;
                if (x[p * height * width + index] > best) { best = x[p * height * width + index]; at = index; }
            }
            int o = (p * shape.OutHeight + oy) * shape.OutWidth + ox;
            Assert.Equal(best, y[o]);
            Assert.Equal(at, argmax[o]);
        }
    }

    [Fact]
    public void Max_pooling_propagates_NaN_like_PyTorch()
    {
        var shape = Shape(1, 2, 16, 2, 2);
        var x = Enumerable.Range(0, 32).Select(i => (float)i).ToArray();
        x[5] = float.NaN;
        var y = new float[8];
        PoolingKernels.MaxPoolForward(x, y, new int[8], shape);
        Assert.True(float.IsNaN(y[2]));
        Assert.Equal(17f, y[0]);
    }

    [Fact]
    public void Max_pooling_backward_routes_each_gradient_to_its_argmax_only()
    {
        var shape = Shape(2, 4, 4, 2, 2);
        var x = Enumerable.Range(0, 32).Select(i => (float)((i * 7) % 11)).ToArray();
        var y = new float[8];
        var argmax = new int[8];
        PoolingKernels.MaxPoolForward(x, y, argmax, shape);
        var dy = Enumerable.Range(1, 8).Select(i => (float)i).ToArray();
        var dx = Enumerable.Repeat(99f, 32).ToArray();

        PoolingKernels.MaxPoolBackward(dy, argmax, dx, shape);

        Assert.Equal(dy.Sum(), dx.Sum());
        for (int o = 0; o < 8; o++) Assert.Equal(dy[o], dx[(o / 4) * 16 + argmax[o]]);
    }

    [Fact]
    public void Average_pooling_and_its_backward_are_adjoint()
    {
        var shape = Shape(2, 7, 7, 3, 2);
        var random = new SeededRandom(3);
        var x = Enumerable.Range(0, 98).Select(_ => random.NextFloat()).ToArray();
        var g = Enumerable.Range(0, 2 * 9).Select(_ => random.NextFloat()).ToArray();
        var y = new float[g.Length];
        var back = new float[x.Length];

        PoolingKernels.AveragePoolForward(x, y, shape);
        PoolingKernels.AveragePoolBackward(g, back, shape);

        Assert.Equal(x.Skip(0).Take(3).Concat(x.Skip(7).Take(3)).Concat(x.Skip(14).Take(3)).Average(), y[0], 5);
        Assert.Equal(y.Zip(g, (a, b) => (double)a * b).Sum(), x.Zip(back, (a, b) => (double)a * b).Sum(), 5);
    }

    private static PoolShape Shape(int planes, int height, int width, int kernel, int stride) =>
        new(planes, height, width, kernel, stride, (height - kernel) / stride + 1, (width - kernel) / stride + 1);
}
