using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// The fast path of <see cref="Gemm"/>: a blocked, packed matrix product in the style of BLIS/GotoBLAS. Operands are
/// copied ("packed") into panels that the 6x16 register micro-kernel streams through contiguously, so every variant
/// (either operand transposed) runs the same inner loop at close to the FMA units' throughput.
/// </summary>
/// <remarks>
/// <para>
/// Blocking: the depth is cut into slices of <see cref="DepthBlock"/> so that one packed slice of B stays in L2, and the
/// rows of A into blocks of <see cref="RowBlock"/> so that a packed block of A stays in L1/L2. Within a block, the
/// micro-kernel computes a 6x16 tile of C in twelve 256-bit accumulators: per step of the depth it loads 16 floats of
/// B, broadcasts 6 of A, and issues 12 fused multiply-adds.
/// </para>
/// <para>
/// Determinism: each element of C receives, slice by slice, the sum over that slice's depth in increasing order; the
/// order depends only on the shapes, so the same call always gives the same bits.
/// </para>
/// </remarks>
internal static class PackedGemm
{
    /// <summary>Rows of the register tile.</summary>
    public const int TileRows = 6;

    /// <summary>Columns of the register tile: two 256-bit vectors.</summary>
    public const int TileColumns = 16;

    /// <summary>Depth of a packed slice.</summary>
    public const int DepthBlock = 256;

    /// <summary>Rows of A packed at once (a multiple of <see cref="TileRows"/>).</summary>
    public const int RowBlock = 96;

    /// <summary>Products of at least this many multiply-adds are split across threads.</summary>
    public const long ParallelThreshold = 1L << 19;

    [ThreadStatic] private static float[]? s_packedA;
    [ThreadStatic] private static float[]? s_packedB;
    [ThreadStatic] private static TileWork? s_work;

    /// <summary>Whether this machine runs the packed path: 256-bit vectors with hardware FMA.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported && Avx.IsSupported;

    /// <summary>
    /// <c>C[m, n] (+)= op(A)[m, k] · op(B)[k, n]</c>, where <c>op(A)</c> is A ([m, k]) or Aᵀ (A stored [k, m]) and
    /// <c>op(B)</c> is B ([k, n]) or Bᵀ (B stored [n, k]).
    /// </summary>
    /// <remarks>
    /// B is packed once, whole. The tiles of C are then split into parts (column panels, or row tiles when there are
    /// few panels) that run on <see cref="KernelThreads"/>; each part owns its tiles of C and sums them over the depth in
    /// the same order as a single thread would, so the result does not depend on the number of threads.
    /// </remarks>
    public static unsafe void Multiply(bool transposeA, bool transposeB, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool accumulate)
    {
        if (!accumulate) c.Slice(0, m * n).Clear();
        if (m == 0 || n == 0 || k == 0) return;

        int panels = (n + TileColumns - 1) / TileColumns;
        int rowTiles = (m + TileRows - 1) / TileRows;
        var packedB = Scratch(ref s_packedB, panels * TileColumns * k);
        fixed (float* pa = a, pb = b, pc = c, packB = packedB)
        {
            for (int depth = 0; depth < k; depth += DepthBlock)
                PackB(transposeB, pb, packB + (long)depth * panels * TileColumns, depth, Math.Min(DepthBlock, k - depth), n, k);

            int parts = (long)m * n * k >= ParallelThreshold ? Math.Min(KernelThreads.Parallelism, Math.Max(panels, rowTiles)) : 1;
            var work = s_work ??= new TileWork();
            work.Set(transposeA, pa, packB, pc, m, n, k, panels, rowTiles, splitColumns: panels >= parts);
            KernelThreads.Run(work, parts);
        }
    }

    /// <summary>The tiles of one product, split into parts; a reusable object so that a call allocates nothing.</summary>
    private sealed unsafe class TileWork : IParallelWork
    {
        private bool _transposeA;
        private float* _a;
        private float* _packedB;
        private float* _c;
        private int _m, _n, _k, _panels, _rowTiles;
        private bool _splitColumns;

        public void Set(bool transposeA, float* a, float* packedB, float* c, int m, int n, int k, int panels, int rowTiles, bool splitColumns)
        {
            _transposeA = transposeA;
            _a = a;
            _packedB = packedB;
            _c = c;
            (_m, _n, _k, _panels, _rowTiles, _splitColumns) = (m, n, k, panels, rowTiles, splitColumns);
        }

        public void Execute(int part, int parts)
        {
            int units = _splitColumns ? _panels : _rowTiles;
            int first = (int)((long)units * part / parts), last = (int)((long)units * (part + 1) / parts);
            if (first == last) return;
            int panelStart = _splitColumns ? first : 0, panelEnd = _splitColumns ? last : _panels;
            int rowStart = _splitColumns ? 0 : first * TileRows, rowEnd = _splitColumns ? _m : Math.Min(_m, last * TileRows);

            // Two floats of slack: the vectorised packing of A writes groups of 8 for panels of 6 rows.
            var packedA = Scratch(ref s_packedA, RowBlock * Math.Min(_k, DepthBlock) + 2);
            fixed (float* packA = packedA)
            {
                for (int depth = 0; depth < _k; depth += DepthBlock)
                {
                    int kc = Math.Min(DepthBlock, _k - depth);
                    float* slice = _packedB + (long)depth * _panels * TileColumns;
                    for (int row = rowStart; row < rowEnd; row += RowBlock)
                    {
                        int mc = Math.Min(RowBlock, rowEnd - row);
                        PackA(_transposeA, _a, packA, row, mc, depth, kc, _m, _k);
                        for (int panel = panelStart; panel < panelEnd; panel++)
                        {
                            int j = panel * TileColumns;
                            int columns = Math.Min(TileColumns, _n - j);
                            float* panelB = slice + (long)panel * TileColumns * kc;
                            for (int i = 0; i < mc; i += TileRows)
                                Tile(kc, packA + (i / TileRows) * TileRows * kc, panelB, _c + (long)(row + i) * _n + j, _n, Math.Min(TileRows, mc - i), columns);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs <c>op(B)[depth .. depth + kc, 0 .. n]</c> into panels of 16 columns: panel p holds, for each step of the
    /// depth, columns 16p .. 16p + 15 (zero past n).
    /// </summary>
    private static unsafe void PackB(bool transpose, float* b, float* packed, int depth, int kc, int n, int k)
    {
        for (int j = 0; j < n; j += TileColumns)
        {
            int columns = Math.Min(TileColumns, n - j);
            float* panel = packed + (j / TileColumns) * TileColumns * kc;
            int p = 0;
            if (transpose && columns == TileColumns)
            {
                // B is stored [n, k]: the panel's 16 columns are 16 rows of B. Eight steps of the depth at a time, two
                // 8x8 register transposes turn 16 contiguous row reads into 8 contiguous panel rows.
                float* source = b + (long)j * k + depth;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(source + p, k, 8, panel + p * TileColumns, TileColumns);
                    Transpose8x8(source + 8L * k + p, k, 8, panel + p * TileColumns + 8, TileColumns);
                }
            }
            for (; p < kc; p++)
            {
                float* destination = panel + p * TileColumns;
                if (!transpose)
                {
                    // B is [k, n]: the 16 columns are contiguous.
                    float* source = b + (long)(depth + p) * n + j;
                    if (columns == TileColumns)
                    {
                        Vector256.Store(Vector256.Load(source), destination);
                        Vector256.Store(Vector256.Load(source + 8), destination + 8);
                        continue;
                    }
                    for (int c = 0; c < columns; c++) destination[c] = source[c];
                }
                else
                {
                    // B is stored [n, k]: column c of op(B) is row c of B.
                    float* source = b + (long)j * k + depth + p;
                    for (int c = 0; c < columns; c++) destination[c] = source[(long)c * k];
                }
                for (int c = columns; c < TileColumns; c++) destination[c] = 0f;
            }
        }
    }

    /// <summary>Packs <c>op(A)[row .. row + mc, depth .. depth + kc]</c> into panels of 6 rows, depth-major, zero past m.</summary>
    private static unsafe void PackA(bool transpose, float* a, float* packed, int row, int mc, int depth, int kc, int m, int k)
    {
        for (int i = 0; i < mc; i += TileRows)
        {
            int rows = Math.Min(TileRows, mc - i);
            float* panel = packed + (i / TileRows) * TileRows * kc;
            int p = 0;
            if (!transpose && rows == TileRows)
            {
                // A is [m, k]: the panel's 6 rows are strided by k. Eight steps at a time, an 8x8 register transpose (the
                // last two rows unused) writes eight groups of 8; each group's 2 extra floats are overwritten by the next
                // group, and the last spills into the slack at the end of the scratch buffer (see Multiply).
                float* source = a + (long)(row + i) * k + depth;
                for (; p + 8 <= kc; p += 8) Transpose8x8(source + p, k, TileRows, panel + p * TileRows, TileRows);
            }
            for (; p < kc; p++)
            {
                float* destination = panel + p * TileRows;
                if (!transpose)
                {
                    float* source = a + (long)(row + i) * k + depth + p;
                    for (int r = 0; r < rows; r++) destination[r] = source[(long)r * k];
                }
                else
                {
                    // A is stored [k, m]: the panel's rows are contiguous at each depth.
                    float* source = a + (long)(depth + p) * m + row + i;
                    for (int r = 0; r < rows; r++) destination[r] = source[r];
                }
                for (int r = rows; r < TileRows; r++) destination[r] = 0f;
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="rows"/> (up to 8) rows of 8 floats, <paramref name="sourceStride"/> apart, and writes their
    /// transpose: 8 groups of 8 floats, <paramref name="destinationStride"/> apart, group i holding element i of each row
    /// (rows past <paramref name="rows"/> read as zero). Unpack, shuffle and lane permutes, as in every AVX transpose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* source, long sourceStride, int rows, float* destination, int destinationStride)
    {
        var r0 = Avx.LoadVector256(source);
        var r1 = rows > 1 ? Avx.LoadVector256(source + sourceStride) : Vector256<float>.Zero;
        var r2 = rows > 2 ? Avx.LoadVector256(source + 2 * sourceStride) : Vector256<float>.Zero;
        var r3 = rows > 3 ? Avx.LoadVector256(source + 3 * sourceStride) : Vector256<float>.Zero;
        var r4 = rows > 4 ? Avx.LoadVector256(source + 4 * sourceStride) : Vector256<float>.Zero;
        var r5 = rows > 5 ? Avx.LoadVector256(source + 5 * sourceStride) : Vector256<float>.Zero;
        var r6 = rows > 6 ? Avx.LoadVector256(source + 6 * sourceStride) : Vector256<float>.Zero;
        var r7 = rows > 7 ? Avx.LoadVector256(source + 7 * sourceStride) : Vector256<float>.Zero;

        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(destination, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(destination + destinationStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(destination + 2 * destinationStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(destination + 3 * destinationStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(destination + 4 * destinationStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(destination + 5 * destinationStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(destination + 6 * destinationStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(destination + 7 * destinationStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>The 6x16 micro-kernel: <c>C[rows, columns] += panelA[6, kc] · panelB[kc, 16]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile(int kc, float* panelA, float* panelB, float* c, int ldc, int rows, int columns)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* pa = panelA;
        float* pb = panelB;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(pb);
            var b1 = Vector256.Load(pb + 8);
            var a0 = Vector256.Create(pa[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(pa[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(pa[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(pa[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(pa[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(pa[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            pa += TileRows;
            pb += TileColumns;
        }

        if (rows == TileRows && columns == TileColumns)
        {
            AddRow(c, c00, c01);
            AddRow(c + ldc, c10, c11);
            AddRow(c + 2 * ldc, c20, c21);
            AddRow(c + 3 * ldc, c30, c31);
            AddRow(c + 4 * ldc, c40, c41);
            AddRow(c + 5 * ldc, c50, c51);
            return;
        }

        // An edge tile: spill the accumulators and add only the part inside C.
        float* tile = stackalloc float[TileRows * TileColumns];
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + 8);
        Vector256.Store(c10, tile + 16); Vector256.Store(c11, tile + 24);
        Vector256.Store(c20, tile + 32); Vector256.Store(c21, tile + 40);
        Vector256.Store(c30, tile + 48); Vector256.Store(c31, tile + 56);
        Vector256.Store(c40, tile + 64); Vector256.Store(c41, tile + 72);
        Vector256.Store(c50, tile + 80); Vector256.Store(c51, tile + 88);
        for (int r = 0; r < rows; r++)
        {
            for (int col = 0; col < columns; col++) c[r * ldc + col] += tile[r * TileColumns + col];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(float* c, Vector256<float> low, Vector256<float> high)
    {
        Vector256.Store(Vector256.Load(c) + low, c);
        Vector256.Store(Vector256.Load(c + 8) + high, c + 8);
    }

    private static float[] Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 4096), pinned: true);
        return buffer;
    }
}
