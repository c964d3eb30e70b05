using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

[Collection(AllocationCounting.Name)]
public sealed class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 1, 10, 784 }, { 3, 5, 7 },        // single rows and tiny products: the row-by-row path
        { 6, 16, 4 }, { 7, 17, 5 }, { 12, 32, 9 },       // exact and ragged 6x16 tiles
        { 64, 128, 784 }, { 64, 121, 288 },              // dense and convolution shapes; depth over one 256 slice
        { 100, 9, 576 }, { 288, 121, 64 }, { 97, 200, 513 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_matches_a_double_precision_reference(int m, int n, int k) =>
        Check(m, n, k, transposeA: false, transposeB: false, (a, b, c, acc) => Gemm.Multiply(a, b, c, m, n, k, acc));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedB_matches_a_double_precision_reference(int m, int n, int k) =>
        Check(m, n, k, transposeA: false, transposeB: true, (a, b, c, acc) => Gemm.MultiplyTransposedB(a, b, c, m, n, k, acc));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedA_matches_a_double_precision_reference(int m, int n, int k) =>
        Check(m, n, k, transposeA: true, transposeB: false, (a, b, c, acc) => Gemm.MultiplyTransposedA(a, b, c, m, n, k, acc));

    [Fact]
    public void The_same_product_twice_gives_the_same_bits()
    {
        var random = new SeededRandom(3);
        var a = RandomArray(64 * 300, ref random);
        var b = RandomArray(300 * 50, ref random);
        var first = new float[64 * 50];
        var second = new float[64 * 50];
        Gemm.Multiply(a, b, first, 64, 50, 300, accumulate: false);
        Gemm.Multiply(a, b, second, 64, 50, 300, accumulate: false);
        Assert.Equal(first, second);
    }

    [Fact]
    public void A_product_split_across_threads_gives_the_same_bits_as_one_thread_and_allocates_nothing()
    {
        var random = new SeededRandom(5);
        const int m = 130, n = 200, k = 300; // above the parallel threshold, ragged in every direction
        var a = RandomArray(m * k, ref random);
        var b = RandomArray(n * k, ref random);
        var parallel = new float[m * n];
        var serial = new float[m * n];

        long allocated = AllocationCounting.BytesOfWarmCalls(() => Gemm.MultiplyTransposedB(a, b, parallel, m, n, k, accumulate: false), repeats: 5);
        KernelThreads.RunSerially(() => Gemm.MultiplyTransposedB(a, b, serial, m, n, k, accumulate: false));

        Assert.Equal(serial.Select(BitConverter.SingleToInt32Bits), parallel.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Operands_that_are_too_short_are_rejected_with_their_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[6], 2, 3, 3, false));
        Assert.Contains("A has 5 floats, but an 2x3 operand needs 6", error.Message);
    }

    [Fact]
    public void Dot_and_Axpy_match_a_double_precision_reference_for_every_tail_length()
    {
        var random = new SeededRandom(4);
        for (int n = 0; n < 40; n++)
        {
            var x = RandomArray(n, ref random);
            var y = RandomArray(n, ref random);
            double dot = 0;
            for (int i = 0; i < n; i++) dot += (double)x[i] * y[i];
            Assert.Equal(dot, Gemm.Dot(x, y), 1e-4);

            var expected = y.Select((v, i) => v + 0.5 * x[i]).ToArray();
            Gemm.Axpy(y, 0.5f, x);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], y[i], 1e-5);
        }
    }

    /// <summary>
    /// Compares with C = C0 + op(A)·op(B) summed in double, with and without accumulation. Tolerance: 1e-5 · sqrt(k) ·
    /// (1 + |c|), float rounding of k products of values in [-1, 1].
    /// </summary>
    private static void Check(int m, int n, int k, bool transposeA, bool transposeB, Action<float[], float[], float[], bool> product)
    {
        var random = new SeededRandom(m * 10_000 + n * 100 + k);
        var a = RandomArray(m * k, ref random);
        var b = RandomArray(k * n, ref random);
        var initial = RandomArray(m * n, ref random);
        foreach (bool accumulate in new[] { false, true })
        {
            var c = (float[])initial.Clone();
            product(a, b, c, accumulate);
            double tolerance = 1e-5 * Math.Sqrt(k);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = accumulate ? initial[i * n + j] : 0;
                    for (int p = 0; p < k; p++)
                    {
                        double left = transposeA ? a[p * m + i] : a[i * k + p];
                        double right = transposeB ? b[j * k + p] : b[p * n + j];
                        sum += left * right;
                    }
                    double actual = c[i * n + j];
                    Assert.True(Math.Abs(actual - sum) <= tolerance * (1 + Math.Abs(sum)),
                        $"C[{i}, {j}] of {m}x{n}x{k} (accumulate {accumulate}): {actual} vs {sum}");
                }
            }
        }
    }

    private static float[] RandomArray(int length, ref SeededRandom random)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = random.NextFloat() * 2 - 1;
        return values;
    }
}
