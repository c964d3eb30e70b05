using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    [ThreadStatic] private static float[]? s_packedA;
    [ThreadStatic] private static float[]? s_packedB;

    /// <summary>Whether this machine runs the packed path: 256-bit vectors with hardware FMA.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>
    /// <c>C[m, n] (+)= op(A)[m, k] · op(B)[k, n]</c>, where <c>op(A)</c> is A ([m, k]) or Aᵀ (A stored [k, m]) and
    /// <c>op(B)</c> is B ([k, n]) or Bᵀ (B stored [n, k]).
    /// </summary>
    public static unsafe void Multiply(bool transposeA, bool transposeB, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool accumulate)
    {
        if (!accumulate) c.Slice(0, m * n).Clear();
        if (m == 0 || n == 0 || k == 0) return;

        int panelsB = (n + TileColumns - 1) / TileColumns;
        int panelsA = (RowBlock + TileRows - 1) / TileRows;
        var packedB = Scratch(ref s_packedB, panelsB * TileColumns * Math.Min(k, DepthBlock));
        var packedA = Scratch(ref s_packedA, panelsA * TileRows * Math.Min(k, DepthBlock));

        fixed (float* pa = a, pb = b, pc = c, packA = packedA, packB = packedB)
        {
            for (int depth = 0; depth < k; depth += DepthBlock)
            {
                int kc = Math.Min(DepthBlock, k - depth);
                PackB(transposeB, pb, packB, depth, kc, n, k);
                for (int row = 0; row < m; row += RowBlock)
                {
                    int mc = Math.Min(RowBlock, m - row);
                    PackA(transposeA, pa, packA, row, mc, depth, kc, m, k);
                    for (int j = 0; j < n; j += TileColumns)
                    {
                        int columns = Math.Min(TileColumns, n - j);
                        float* panelB = packB + (j / TileColumns) * TileColumns * kc;
                        for (int i = 0; i < mc; i += TileRows)
                        {
                            int rows = Math.Min(TileRows, mc - i);
                            float* panelA = packA + (i / TileRows) * TileRows * kc;
                            Tile(kc, panelA, panelB, pc + (row + i) * n + j, n, rows, columns);
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
            for (int p = 0; p < kc; p++)
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
            for (int p = 0; p < kc; p++)
            {
                float* destination = panel + p * TileRows;
                if (!transpose)
                {
                    // A is [m, k]: row r of the panel is strided by k.
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
