using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

// Packing: copies of the operands in the order the micro-kernel reads them.
internal static unsafe partial class PackedGemm
{
    /// <summary>
    /// Packs columns <c>j .. j + columns</c> of <c>op(B)[depth .. depth + kc, :]</c> into one panel: for each step of
    /// the depth, <see cref="TileColumns"/> floats (zero past <paramref name="columns"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transpose, float* b, float* panel, int j, int columns, int depth, int kc, int n, int k)
    {
        int nr = TileColumns;
        if (!transpose)
        {
            // B is [k, n]: the panel's columns are contiguous in each row of B.
            float* source = b + (long)depth * n + j;
            if (columns == nr)
            {
                for (int p = 0; p < kc; p++) CopyTileRow(source + (long)p * n, panel + p * nr);
                return;
            }
            for (int p = 0; p < kc; p++)
            {
                float* destination = panel + p * nr;
                for (int c = 0; c < columns; c++) destination[c] = source[(long)p * n + c];
                for (int c = columns; c < nr; c++) destination[c] = 0f;
            }
            return;
        }

        // B is stored [n, k]: column c of op(B) is row j + c of B, contiguous along the depth.
        float* rows = b + (long)j * k + depth;
        int step = 0;
        if (Avx.IsSupported && columns == nr)
        {
            // Eight steps of the depth at a time: an 8x8 register transpose per group of 8 columns turns 8 contiguous
            // row reads into 8 contiguous panel rows.
            for (; step + 8 <= kc; step += 8)
            {
                for (int group = 0; group < nr; group += 8)
                    Transpose8x8(rows + (long)group * k + step, k, 8, panel + step * nr + group, nr);
            }
        }
        for (int c = 0; c < nr; c++)
        {
            if (c < columns)
            {
                float* source = rows + (long)c * k;
                for (int p = step; p < kc; p++) panel[p * nr + c] = source[p];
            }
            else
            {
                for (int p = step; p < kc; p++) panel[p * nr + c] = 0f;
            }
        }
    }

    /// <summary>
    /// Packs rows <c>row .. row + mc</c> of <c>op(A)[:, depth .. depth + kc]</c> into panels of <see cref="TileRows"/>
    /// rows, depth-major (for each step of the depth, the panel's rows side by side), zero past <paramref name="m"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transpose, float* a, float* packed, int row, int mc, int depth, int kc, int m, int k)
    {
        int mr = TileRows;
        for (int i = 0; i < mc; i += mr)
        {
            int rows = Math.Min(mr, mc - i);
            float* panel = packed + (long)i * kc;
            int p = 0;
            if (transpose)
            {
                // A is stored [k, m]: the panel's rows are contiguous at each step of the depth.
                float* source = a + (long)depth * m + row + i;
                if (rows == mr)
                {
                    for (; p < kc; p++) CopyTileColumn(source + (long)p * m, panel + p * mr);
                    continue;
                }
                for (; p < kc; p++)
                {
                    for (int r = 0; r < rows; r++) panel[p * mr + r] = source[(long)p * m + r];
                    for (int r = rows; r < mr; r++) panel[p * mr + r] = 0f;
                }
                continue;
            }

            // A is [m, k]: the panel's rows are k apart. Eight steps at a time, an 8x8 register transpose (rows past the
            // panel read as zero) writes eight groups of 8 floats, mr apart; for panels of fewer than 8 rows each group's
            // extra floats are overwritten by the next group, and the last ones spill into the slack after the buffer.
            float* start = a + (long)(row + i) * k + depth;
            if (Avx.IsSupported)
            {
                for (; p + 8 <= kc; p += 8) Transpose8x8(start + p, k, rows, panel + p * mr, mr);
            }
            for (; p < kc; p++)
            {
                for (int r = 0; r < rows; r++) panel[p * mr + r] = start[(long)r * k + p];
                for (int r = rows; r < mr; r++) panel[p * mr + r] = 0f;
            }
        }
    }

    /// <summary>Copies one full row of a B panel (<see cref="TileColumns"/> floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyTileRow(float* source, float* destination)
    {
        switch (Kernel)
        {
            case MicroKernel.Vector512:
                Vector512.Store(Vector512.Load(source), destination);
                Vector512.Store(Vector512.Load(source + 16), destination + 16);
                break;
            case MicroKernel.Vector256:
                Vector256.Store(Vector256.Load(source), destination);
                Vector256.Store(Vector256.Load(source + 8), destination + 8);
                break;
            default:
                Vector128.Store(Vector128.Load(source), destination);
                Vector128.Store(Vector128.Load(source + 4), destination + 4);
                break;
        }
    }

    /// <summary>Copies one full step of an A panel (<see cref="TileRows"/> floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyTileColumn(float* source, float* destination)
    {
        switch (Kernel)
        {
            case MicroKernel.Vector512:
                Vector256.Store(Vector256.Load(source), destination);
                break;
            case MicroKernel.Vector256:
                Vector128.Store(Vector128.Load(source), destination);
                *(long*)(destination + 4) = *(long*)(source + 4);
                break;
            default:
                Vector128.Store(Vector128.Load(source), destination);
                break;
        }
    }

    /// <summary>
    /// Reads <paramref name="rows"/> (up to 8) rows of 8 floats, <paramref name="sourceStride"/> apart, and writes their
    /// transpose: 8 groups of 8 floats, <paramref name="destinationStride"/> apart, group i holding element i of each row
    /// (rows past <paramref name="rows"/> read as zero). Unpack, shuffle and lane permutes, as in every AVX transpose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, long sourceStride, int rows, float* destination, int destinationStride)
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
}
