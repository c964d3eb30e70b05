using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>The instructions the int8 products run on, from the fastest this machine has.</summary>
public enum Int8InstructionSet
{
    /// <summary>Plain scalar loops: any CPU.</summary>
    Portable = 0,

    /// <summary>AVX2 <c>vpmaddubsw</c> and <c>vpmaddwd</c>: 32 multiply-adds in two instructions, exact for weights in [-127, 127].</summary>
    Avx2 = 1,

    /// <summary>AVX-VNNI <c>vpdpbusd</c> (256-bit): 32 multiply-adds accumulated into eight int32 sums in one instruction.</summary>
    AvxVnni = 2,
}

/// <summary>
/// Matrix products of int8 matrices with exact int32 sums, the inner loops of int8 dense and convolution layers. One
/// operand is always the weights and the other the activations, because the fast paths treat them differently.
/// </summary>
/// <remarks>
/// <para>
/// <b>Layouts.</b> The depth <c>k</c> is grouped by four (zero-padded to <see cref="PaddedDepth"/>), because each int32 lane of
/// <c>vpdpbusd</c> and of <c>vpmaddubsw</c> + <c>vpmaddwd</c> sums four adjacent byte products. The operand whose columns
/// the vector lanes run along is <em>packed</em> into panels of <see cref="PanelWidth"/> columns: panel <c>p</c> holds, for
/// each group <c>g</c>, columns <c>16p .. 16p + 15</c> with their four bytes <c>4g .. 4g + 3</c> side by side (64 bytes,
/// two 256-bit vectors), zero past the last column. The other operand is read row by row, four bytes at a time, and
/// broadcast.
/// </para>
/// <para>
/// <b>Signs.</b> <c>vpdpbusd</c> multiplies unsigned by signed bytes, so the VNNI path feeds it the activations offset by
/// 128 (<c>x ^ 0x80</c>, exactly <c>x + 128</c> as an unsigned byte) and subtracts <c>128 · Σ_k w</c>, the weight sums
/// computed when the weights are packed. The AVX2 path multiplies <c>|x|</c> by <c>w</c> with the sign of <c>x</c>
/// (<c>vpsignb</c>); each pair of products is then at most 2 · 128 · 127 = 32,512 and never saturates
/// <c>vpmaddubsw</c>'s int16 sums, which is why weights must lie in [-127, 127]. Both paths, and the portable one, give
/// exactly <c>Σ_k x·w</c> in int32 (wrapping only if that sum itself leaves the int32 range, which needs more than
/// 133,000 products).
/// </para>
/// <para>
/// .NET 10 exposes <c>vpdpbusd</c> only through <see cref="AvxVnni"/> (256-bit, VEX) on CPUs without AVX10; the 512-bit
/// form is reachable only through <c>Avx10v1.V512</c>, which Zen 4 and 5 do not report. The VNNI path is therefore
/// 256 bits wide.
/// </para>
/// </remarks>
public static partial class Int8Gemm
{
    /// <summary>Columns per packed panel: two 256-bit vectors of eight int32 sums.</summary>
    public const int PanelWidth = 16;

    /// <summary>Bytes of one group of four depth steps of one panel.</summary>
    private const int GroupBytes = PanelWidth * 4;

    /// <summary>Multiply-adds from which a product is split across cores.</summary>
    internal const long ParallelThreshold = 1L << 22;

    /// <summary>The fastest instruction set this machine runs the int8 products on.</summary>
    public static Int8InstructionSet InstructionSet { get; } =
        AvxVnni.IsSupported && Avx2.IsSupported ? Int8InstructionSet.AvxVnni
        : Avx2.IsSupported ? Int8InstructionSet.Avx2
        : Int8InstructionSet.Portable;

    /// <summary>Whether <paramref name="set"/> runs on this machine.</summary>
    public static bool IsSupported(Int8InstructionSet set) => set switch
    {
        Int8InstructionSet.Portable => true,
        Int8InstructionSet.Avx2 => Avx2.IsSupported,
        Int8InstructionSet.AvxVnni => AvxVnni.IsSupported && Avx2.IsSupported,
        _ => false,
    };

    /// <summary>The depth rounded up to a whole number of groups of four.</summary>
    public static int PaddedDepth(int depth) => (depth + 3) & ~3;

    /// <summary>The column count rounded up to a whole number of panels.</summary>
    public static int PaddedColumns(int columns) => (columns + PanelWidth - 1) / PanelWidth * PanelWidth;

    /// <summary>Bytes of <paramref name="columns"/> columns of depth <paramref name="depth"/> packed into panels.</summary>
    public static int PackedLength(int columns, int depth) => PaddedColumns(columns) * PaddedDepth(depth);

    /// <summary>
    /// Packs the weights of a dense layer, <c>W[n, k]</c> (PyTorch's <c>[out, in]</c>), as the panel operand of
    /// <see cref="MultiplyActivationsByWeights(ReadOnlySpan{sbyte}, int, int, ReadOnlySpan{sbyte}, ReadOnlySpan{int}, int, Span{int})"/>,
    /// and writes each output's weight sum <c>Σ_k W[j, k]</c> (zero for the padding columns).
    /// </summary>
    /// <param name="weights">[n, k], every value in [-127, 127].</param>
    /// <param name="n">Outputs: the product's columns.</param>
    /// <param name="k">Inputs: the depth of the product.</param>
    /// <param name="packed"><see cref="PackedLength"/>(n, k) bytes.</param>
    /// <param name="sums"><see cref="PaddedColumns"/>(n) sums.</param>
    public static void PackWeightColumns(ReadOnlySpan<sbyte> weights, int n, int k, Span<sbyte> packed, Span<int> sums)
    {
        CheckWeights(weights, n * k, nameof(weights));
        Require(packed.Length >= PackedLength(n, k), nameof(packed), "shorter than PackedLength(n, k)");
        Require(sums.Length >= PaddedColumns(n), nameof(sums), "shorter than PaddedColumns(n)");
        int groups = PaddedDepth(k) / 4;
        packed.Slice(0, PackedLength(n, k)).Clear();
        sums.Slice(0, PaddedColumns(n)).Clear();
        for (int j = 0; j < n; j++)
        {
            int panel = j / PanelWidth, lane = j % PanelWidth;
            int sum = 0;
            for (int d = 0; d < k; d++)
            {
                sbyte w = weights[j * k + d];
                packed[(panel * groups + d / 4) * GroupBytes + lane * 4 + d % 4] = w;
                sum += w;
            }
            sums[j] = sum;
        }
    }

    /// <summary>
    /// Copies the weights of a convolution, <c>W[m, k]</c> (PyTorch's <c>[out, in, kh, kw]</c> flattened), into rows of
    /// <see cref="PaddedDepth"/> bytes for
    /// <see cref="MultiplyWeightsByActivations(ReadOnlySpan{sbyte}, ReadOnlySpan{int}, int, int, ReadOnlySpan{sbyte}, int, Span{int})"/>,
    /// and writes each row's sum.
    /// </summary>
    /// <param name="weights">[m, k], every value in [-127, 127].</param>
    /// <param name="m">Output channels: the product's rows.</param>
    /// <param name="k">Input channels times the kernel's area: the depth of the product.</param>
    /// <param name="rows">[m, PaddedDepth(k)] bytes.</param>
    /// <param name="sums">m sums.</param>
    public static void PackWeightRows(ReadOnlySpan<sbyte> weights, int m, int k, Span<sbyte> rows, Span<int> sums)
    {
        CheckWeights(weights, m * k, nameof(weights));
        int kp = PaddedDepth(k);
        Require(rows.Length >= m * kp, nameof(rows), "shorter than m * PaddedDepth(k)");
        Require(sums.Length >= m, nameof(sums), "shorter than m");
        rows.Slice(0, m * kp).Clear();
        for (int i = 0; i < m; i++)
        {
            var row = weights.Slice(i * k, k);
            row.CopyTo(rows.Slice(i * kp, k));
            int sum = 0;
            foreach (sbyte w in row) sum += w;
            sums[i] = sum;
        }
    }

    /// <summary>
    /// <c>C[m, n] = X[m, k] · Wᵀ</c> with X the activations, row-major, and W the weights packed by
    /// <see cref="PackWeightColumns"/>: the product of a dense layer, one row per sample.
    /// </summary>
    /// <param name="activations">[m, k].</param>
    /// <param name="m">Samples: the product's rows.</param>
    /// <param name="k">Inputs: the depth.</param>
    /// <param name="packedWeights">From <see cref="PackWeightColumns"/>.</param>
    /// <param name="weightSums">From <see cref="PackWeightColumns"/>.</param>
    /// <param name="n">Outputs: the product's columns.</param>
    /// <param name="c">[m, n], overwritten.</param>
    public static void MultiplyActivationsByWeights(ReadOnlySpan<sbyte> activations, int m, int k, ReadOnlySpan<sbyte> packedWeights,
        ReadOnlySpan<int> weightSums, int n, Span<int> c) =>
        MultiplyActivationsByWeights(activations, m, k, packedWeights, weightSums, n, c, InstructionSet);

    /// <summary>
    /// <c>C[m, n] = W[m, k] · X</c> with W the weights in padded rows from <see cref="PackWeightRows"/> and X the
    /// activations packed into panels (<see cref="Int8Layers.Im2ColPacked(ReadOnlySpan{sbyte}, Span{sbyte}, in ConvolutionShape)"/> writes them): the product of a convolution,
    /// one row per output channel and one column per output position.
    /// </summary>
    /// <param name="weightRows">From <see cref="PackWeightRows"/>.</param>
    /// <param name="weightSums">From <see cref="PackWeightRows"/>.</param>
    /// <param name="m">Output channels: the product's rows.</param>
    /// <param name="k">The depth, unpadded.</param>
    /// <param name="packedActivations"><see cref="PackedLength"/>(n, k) bytes.</param>
    /// <param name="n">Output positions: the product's columns.</param>
    /// <param name="c">[m, n], overwritten.</param>
    public static void MultiplyWeightsByActivations(ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, int m, int k,
        ReadOnlySpan<sbyte> packedActivations, int n, Span<int> c) =>
        MultiplyWeightsByActivations(weightRows, weightSums, m, k, packedActivations, n, c, InstructionSet);

    /// <summary>As the public overload, on the instruction set given (tests force each one).</summary>
    internal static unsafe void MultiplyActivationsByWeights(ReadOnlySpan<sbyte> activations, int m, int k, ReadOnlySpan<sbyte> packedWeights,
        ReadOnlySpan<int> weightSums, int n, Span<int> c, Int8InstructionSet set)
    {
        CheckProduct(m, n, k, set);
        Require(activations.Length >= m * k, nameof(activations), "shorter than m * k");
        Require(packedWeights.Length >= PackedLength(n, k), nameof(packedWeights), "shorter than PackedLength(n, k)");
        Require(weightSums.Length >= PaddedColumns(n), nameof(weightSums), "shorter than PaddedColumns(n)");
        Require(c.Length >= m * n, nameof(c), "shorter than m * n");
        if (m == 0 || n == 0) return;
        fixed (sbyte* a = activations, b = packedWeights)
        fixed (int* sums = weightSums, pc = c)
        {
            var product = new Product(set, a, lda: k, k, b, sums, m, n);
            var sink = new Int32Sink(pc, n);
            if ((long)m * n * k < ParallelThreshold || m < 8)
            {
                product.Rows<ActivationRows, Int32Sink>(sink, 0, m);
                return;
            }
            var work = s_work ??= new ProductWork();
            work.Product = product;
            work.Sink = sink;
            KernelThreads.Run(work, Math.Min(KernelThreads.Parallelism, (m + 3) / 4));
        }
    }

    /// <summary>As the public overload, on the instruction set given (tests force each one).</summary>
    internal static unsafe void MultiplyWeightsByActivations(ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, int m, int k,
        ReadOnlySpan<sbyte> packedActivations, int n, Span<int> c, Int8InstructionSet set)
    {
        CheckProduct(m, n, k, set);
        int kp = PaddedDepth(k);
        Require(weightRows.Length >= m * kp, nameof(weightRows), "shorter than m * PaddedDepth(k)");
        Require(weightSums.Length >= m, nameof(weightSums), "shorter than m");
        Require(packedActivations.Length >= PackedLength(n, k), nameof(packedActivations), "shorter than PackedLength(n, k)");
        Require(c.Length >= m * n, nameof(c), "shorter than m * n");
        if (m == 0 || n == 0) return;
        fixed (int* pc = c) MultiplyWeightsByActivations(weightRows, weightSums, m, k, packedActivations, n, new Int32Sink(pc, n), set);
    }

    /// <summary>
    /// As <see cref="MultiplyWeightsByActivations(ReadOnlySpan{sbyte}, ReadOnlySpan{int}, int, int, ReadOnlySpan{sbyte}, int, Span{int})"/>,
    /// with each tile's sums handed to <paramref name="sink"/> (a convolution's epilogue) instead of stored. The caller has
    /// checked the lengths.
    /// </summary>
    internal static unsafe void MultiplyWeightsByActivations<TSink>(ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, int m, int k,
        ReadOnlySpan<sbyte> packedActivations, int n, TSink sink, Int8InstructionSet set) where TSink : struct, ITileSink
    {
        fixed (sbyte* a = weightRows, b = packedActivations)
        fixed (int* sums = weightSums)
        {
            // The rows are padded with zeros, so the whole padded depth can be read four bytes at a time.
            int kp = PaddedDepth(k);
            new Product(set, a, lda: kp, kp, b, sums, m, n).Rows<ActivationColumns, TSink>(sink, 0, m);
        }
    }

    [ThreadStatic] private static ProductWork? s_work;

    /// <summary>Row blocks of one dense product, split into parts; reused so that a call allocates nothing.</summary>
    private sealed class ProductWork : IParallelWork
    {
        public Product Product;
        public Int32Sink Sink;

        public void Execute(int part, int parts)
        {
            int blocks = (Product.M + 3) / 4;
            int first = blocks * part / parts * 4, last = Math.Min(Product.M, blocks * (part + 1) / parts * 4);
            if (first < last) Product.Rows<ActivationRows, Int32Sink>(Sink, first, last);
        }
    }

    /// <summary>
    /// One product with its operands pinned: A is read by rows (four bytes at a time, broadcast), B is packed in panels.
    /// Which of the two holds the activations (and so which sums the VNNI path subtracts) is the type argument of
    /// <see cref="Rows{TOrder, TSink}"/>: each caller compiles only its own order, which keeps Native AOT executables small.
    /// </summary>
    private readonly unsafe struct Product(Int8InstructionSet set, sbyte* a, int lda, int k, sbyte* b, int* sums, int m, int n)
    {
        public readonly Int8InstructionSet Set = set;
        public readonly sbyte* A = a;
        public readonly int Lda = lda;
        public readonly int K = k;
        public readonly sbyte* B = b;
        public readonly int* Sums = sums;
        public readonly int M = m;
        public readonly int N = n;

        /// <summary>Computes rows <paramref name="first"/> .. <paramref name="last"/> - 1 of the product into <paramref name="sink"/>.</summary>
        public void Rows<TOrder, TSink>(TSink sink, int first, int last) where TOrder : struct, IOperandOrder where TSink : struct, ITileSink
        {
            switch (Set)
            {
                case Int8InstructionSet.AvxVnni: Tiles<VnniDot, TOrder, TSink>(sink, first, last); break;
                case Int8InstructionSet.Avx2: Tiles<Avx2Dot, TOrder, TSink>(sink, first, last); break;
                default: Portable(sink, first, last); break;
            }
        }

        /// <summary>Four rows against two panels, then one, where it can; the remaining rows one at a time against four panels, then one.</summary>
        private void Tiles<TDot, TOrder, TSink>(TSink sink, int first, int last)
            where TDot : struct, IInt8Dot where TOrder : struct, IOperandOrder where TSink : struct, ITileSink
        {
            int panels = (N + PanelWidth - 1) / PanelWidth;
            int panelBytes = PaddedDepth(K) / 4 * GroupBytes;
            int row = first;
            for (; row + 4 <= last; row += 4)
            {
                int panel = 0;
                for (; panel + 2 <= panels; panel += 2)
                    Kernel4x2<TDot, TOrder, TSink>(A + (long)row * Lda, Lda, K, B + (long)panel * panelBytes, panelBytes, SumsFor<TOrder>(row, panel),
                        sink, row, panel * PanelWidth, Math.Min(2 * PanelWidth, N - panel * PanelWidth));
                for (; panel < panels; panel++)
                    Kernel4x1<TDot, TOrder, TSink>(A + (long)row * Lda, Lda, K, B + (long)panel * panelBytes, SumsFor<TOrder>(row, panel),
                        sink, row, panel * PanelWidth, Math.Min(PanelWidth, N - panel * PanelWidth));
            }
            for (; row < last; row++)
            {
                int panel = 0;
                for (; panel + 4 <= panels; panel += 4)
                    Kernel1x4<TDot, TOrder, TSink>(A + (long)row * Lda, K, B + (long)panel * panelBytes, panelBytes, SumsFor<TOrder>(row, panel),
                        sink, row, panel * PanelWidth, Math.Min(4 * PanelWidth, N - panel * PanelWidth));
                for (; panel < panels; panel++)
                    Kernel1x1<TDot, TOrder, TSink>(A + (long)row * Lda, K, B + (long)panel * panelBytes, SumsFor<TOrder>(row, panel),
                        sink, row, panel * PanelWidth, Math.Min(PanelWidth, N - panel * PanelWidth));
            }
        }

        /// <summary>The weight sums of a tile: per column (from the panel) when A holds the activations, per row otherwise.</summary>
        private int* SumsFor<TOrder>(int row, int panel) where TOrder : struct, IOperandOrder =>
            TOrder.ActivationsInA ? Sums + panel * PanelWidth : Sums + row;

        /// <summary>The reference loops, on the packed layout itself.</summary>
        private void Portable<TSink>(TSink sink, int first, int last) where TSink : struct, ITileSink
        {
            int groups = PaddedDepth(K) / 4;
            for (int i = first; i < last; i++)
            {
                sbyte* aRow = A + (long)i * Lda;
                for (int j = 0; j < N; j++)
                {
                    sbyte* column = B + (long)(j / PanelWidth) * groups * GroupBytes + j % PanelWidth * 4;
                    int sum = 0;
                    for (int d = 0; d < K; d++) sum += aRow[d] * column[d / 4 * GroupBytes + d % 4];
                    sink.Store(i, j, sum);
                }
            }
        }
    }

    /// <summary>The four bytes of group <paramref name="group"/> of a row, zero past its end, as one int (little-endian).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Group(sbyte* row, int group, int full, int k)
    {
        int offset = group * 4;
        if (group < full) return Unsafe.ReadUnaligned<int>(row + offset);
        int value = 0;
        for (int t = 0; offset + t < k; t++) value |= (byte)row[offset + t] << (8 * t);
        return value;
    }

    private static void CheckProduct(int m, int n, int k, Int8InstructionSet set)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"The product's sizes must not be negative (m = {m}, n = {n}, k = {k}).");
        if (!IsSupported(set)) throw new PlatformNotSupportedException($"This CPU has no {set} instructions.");
    }

    private static void CheckWeights(ReadOnlySpan<sbyte> weights, int length, string name)
    {
        Require(weights.Length >= length, name, "shorter than its stated shape");
        int at = weights.Slice(0, length).IndexOf(sbyte.MinValue);
        if (at >= 0)
            throw new ArgumentException($"Weight {at} is -128; int8 weights must lie in [-127, 127] (symmetric quantisation), so that the AVX2 path never saturates.", name);
    }

    private static void Require(bool condition, string name, string problem)
    {
        if (!condition) throw new ArgumentException($"The span '{name}' is {problem}.", name);
    }
}
