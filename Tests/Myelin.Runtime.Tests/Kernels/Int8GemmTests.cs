using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>
/// Every int8 product path (portable, AVX2 <c>vpmaddubsw</c>, AVX-VNNI <c>vpdpbusd</c>), forced one at a time, against a
/// plain integer reference: <c>C[i, j] = Σ_d A[i, d] · B[j, d]</c> summed in int64. Integer sums are exact, so the check
/// is equality.
/// </summary>
[Collection(AllocationCounting.Name)]
public sealed class Int8GemmTests
{
    /// <summary>The paths this machine runs; a path the CPU lacks cannot be run, only reported (see the last test).</summary>
    public static TheoryData<Int8InstructionSet> Sets => new(Enum.GetValues<Int8InstructionSet>().Where(Int8Gemm.IsSupported));

    public static TheoryData<Int8InstructionSet, int, int, int> SetsAndShapes
    {
        get
        {
            // m, n, k: single rows (the one-row tiles over four panels and over one), ragged 4-row tiles and panels, depths
            // that are not a multiple of four, and the layer shapes of the MNIST models.
            int[][] shapes =
            [
                [1, 1, 1], [1, 10, 784], [3, 5, 7], [4, 16, 4], [5, 17, 9], [1, 130, 100], [7, 70, 13], [2, 64, 3],
                [64, 128, 784], [6, 676, 9], [16, 128, 54], [64, 128, 288], [64, 32, 576], [9, 200, 1001],
            ];
            var data = new TheoryData<Int8InstructionSet, int, int, int>();
            foreach (var set in Enum.GetValues<Int8InstructionSet>().Where(Int8Gemm.IsSupported))
                foreach (var s in shapes) data.Add(set, s[0], s[1], s[2]);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(SetsAndShapes))]
    public void Activations_times_packed_weights_equal_the_integer_reference(Int8InstructionSet set, int m, int n, int k)
    {
        var random = new SeededRandom(m * 1000 + n * 10 + k);
        var x = RandomBytes(m * k, ref random, min: -128);   // activations may be -128
        var w = RandomBytes(n * k, ref random, min: -127);   // weights never are
        var packed = new sbyte[Int8Gemm.PackedLength(n, k)];
        var sums = new int[Int8Gemm.PaddedColumns(n)];
        Int8Gemm.PackWeightColumns(w, n, k, packed, sums);
        var c = new int[m * n];

        Int8Gemm.MultiplyActivationsByWeights(x, m, k, packed, sums, n, c, set);

        Assert.Equal(Reference(x, w, m, n, k), c);
    }

    [Theory]
    [MemberData(nameof(SetsAndShapes))]
    public void Weight_rows_times_packed_activations_equal_the_integer_reference(Int8InstructionSet set, int m, int n, int k)
    {
        var random = new SeededRandom(m * 1000 + n * 10 + k + 7);
        var w = RandomBytes(m * k, ref random, min: -127);
        var x = RandomBytes(n * k, ref random, min: -128);   // x[j, d]: column j of the product is position j
        var rows = new sbyte[m * Int8Gemm.PaddedDepth(k)];
        var sums = new int[m];
        Int8Gemm.PackWeightRows(w, m, k, rows, sums);
        var packed = PackPanels(x, n, k);
        var c = new int[m * n];

        Int8Gemm.MultiplyWeightsByActivations(rows, sums, m, k, packed, n, c, set);

        Assert.Equal(Reference(w, x, m, n, k), c);
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void The_extreme_values_do_not_saturate_any_path(Int8InstructionSet set)
    {
        // Every pair of products at its largest: -128 · -127 and 127 · 127 (vpmaddubsw's int16 pair sums peak here), and
        // the depth of the largest MNIST layer.
        const int m = 4, n = 16, k = 784;
        var x = Enumerable.Range(0, m * k).Select(i => (sbyte)(i % 3 == 0 ? -128 : 127)).ToArray();
        var w = Enumerable.Range(0, n * k).Select(i => (sbyte)(i % 5 == 0 ? -127 : 127)).ToArray();
        var packed = new sbyte[Int8Gemm.PackedLength(n, k)];
        var sums = new int[Int8Gemm.PaddedColumns(n)];
        Int8Gemm.PackWeightColumns(w, n, k, packed, sums);
        var c = new int[m * n];

        Int8Gemm.MultiplyActivationsByWeights(x, m, k, packed, sums, n, c, set);

        Assert.Equal(Reference(x, w, m, n, k), c);
    }

    [Fact]
    public void A_product_split_across_threads_equals_one_thread_and_allocates_nothing()
    {
        const int m = 130, n = 200, k = 300; // above the parallel threshold, ragged tiles and panels
        var random = new SeededRandom(9);
        var x = RandomBytes(m * k, ref random, min: -128);
        var w = RandomBytes(n * k, ref random, min: -127);
        var packed = new sbyte[Int8Gemm.PackedLength(n, k)];
        var sums = new int[Int8Gemm.PaddedColumns(n)];
        Int8Gemm.PackWeightColumns(w, n, k, packed, sums);
        var parallel = new int[m * n];

        long allocated = AllocationCounting.BytesOfWarmCalls(() => Int8Gemm.MultiplyActivationsByWeights(x, m, k, packed, sums, n, parallel), repeats: 5);

        Assert.Equal(0, allocated);
        Assert.Equal(Reference(x, w, m, n, k), parallel);
    }

    [Fact]
    public void A_weight_of_minus_128_is_refused_with_its_index()
    {
        var w = new sbyte[] { 1, 2, -128, 4 };
        var error = Assert.Throws<ArgumentException>(() => Int8Gemm.PackWeightColumns(w, 1, 4, new sbyte[64], new int[16]));
        Assert.Contains("Weight 2 is -128", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fastest_instruction_set_is_one_this_machine_supports()
    {
        Assert.True(Int8Gemm.IsSupported(Int8Gemm.InstructionSet));
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) Assert.Equal(Int8InstructionSet.AvxVnni, Int8Gemm.InstructionSet);
        foreach (var set in Enum.GetValues<Int8InstructionSet>().Where(s => !Int8Gemm.IsSupported(s)))
            Assert.Throws<PlatformNotSupportedException>(() => Int8Gemm.MultiplyActivationsByWeights(new sbyte[4], 1, 4, new sbyte[64], new int[16], 1, new int[1], set));
    }

    /// <summary>The plain integer product <c>C[i, j] = Σ_d A[i, d] · B[j, d]</c>, summed in int64 and checked to fit int32.</summary>
    internal static int[] Reference(sbyte[] a, sbyte[] b, int m, int n, int k)
    {
        var c = new int[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            long sum = 0;
            for (int d = 0; d < k; d++) sum += a[i * k + d] * b[j * k + d];
            c[i * n + j] = checked((int)sum);
        }
        return c;
    }

    /// <summary>
    /// The panel layout written out from its definition: column j, depth d at byte
    /// <c>((j / 16)·groups + d / 4)·64 + (j % 16)·4 + d % 4</c>, zero elsewhere (what im2col writes for activations).
    /// </summary>
    internal static sbyte[] PackPanels(sbyte[] columns, int n, int k)
    {
        int groups = Int8Gemm.PaddedDepth(k) / 4;
        var packed = new sbyte[Int8Gemm.PackedLength(n, k)];
        for (int j = 0; j < n; j++)
        for (int d = 0; d < k; d++)
            packed[(j / 16 * groups + d / 4) * 64 + j % 16 * 4 + d % 4] = columns[j * k + d];
        return packed;
    }

    internal static sbyte[] RandomBytes(int count, ref SeededRandom random, int min)
    {
        var values = new sbyte[count];
        for (int i = 0; i < count; i++) values[i] = (sbyte)(min + (int)(random.NextFloat() * (128 - min)));
        return values;
    }
}
