using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// The fast path of <see cref="Gemm"/>: a blocked, packed matrix product in the style of BLIS/GotoBLAS. Operands are
/// copied ("packed") into panels that a register micro-kernel streams through contiguously, so every variant (either
/// operand transposed) runs the same inner loop at close to the FMA units' throughput.
/// </summary>
/// <remarks>
/// <para>
/// Micro-kernels, chosen once at start-up by what the hardware accelerates (<see cref="Kernel"/>): an 8x32 tile in
/// sixteen 512-bit accumulators (AVX-512), a 6x16 tile in twelve 256-bit ones (AVX2), or a 4x8 tile in eight 128-bit
/// ones (SSE, ARM64 NEON, and x64 with AVX2 switched off). Each step of the depth loads one row of the B panel,
/// broadcasts one element of A per tile row and issues one multiply-add per accumulator: a fused multiply-add where
/// the hardware has one, a multiply and an add where it does not (a software-emulated fused multiply-add is 10x
/// slower than both).
/// </para>
/// <para>
/// Blocking: the depth is cut into equal slices of at most <see cref="MaxDepthBlock"/> so that one packed panel of B
/// (depth x tile columns) stays in L1; the rows of a part are packed in blocks that stay in L2. Loops: slice, row
/// block (pack A), panel (pack B), row tile (micro-kernel).
/// </para>
/// <para>
/// Threads: the tiles of C are split into a grid of parts (column groups x row groups, the grid that balances the
/// tiles best), run on <see cref="KernelThreads"/>. Each part packs the A rows and B panels it needs itself, so
/// packing is parallel and needs no barrier.
/// </para>
/// <para>
/// Determinism: each element of C receives, slice by slice, the sum over that slice's depth in increasing order. The
/// order depends only on the shapes (and on the micro-kernel, fixed per machine), never on the split into parts, so
/// the result is bit-identical whatever the number of threads.
/// </para>
/// </remarks>
internal static unsafe partial class PackedGemm
{
    /// <summary>The register micro-kernels, by vector width.</summary>
    public enum MicroKernel
    {
        /// <summary>4x8 tile, 128-bit vectors.</summary>
        Vector128,

        /// <summary>6x16 tile, 256-bit vectors.</summary>
        Vector256,

        /// <summary>8x32 tile, 512-bit vectors.</summary>
        Vector512,
    }

    /// <summary>The micro-kernel this machine runs: the widest accelerated vector.</summary>
    public static readonly MicroKernel Kernel =
        Vector512.IsHardwareAccelerated ? MicroKernel.Vector512 :
        Vector256.IsHardwareAccelerated ? MicroKernel.Vector256 : MicroKernel.Vector128;

    /// <summary>Rows of the register tile.</summary>
    public static readonly int TileRows = Kernel switch { MicroKernel.Vector512 => 8, MicroKernel.Vector256 => 6, _ => 4 };

    /// <summary>Columns of the register tile: two vectors.</summary>
    public static readonly int TileColumns = Kernel switch { MicroKernel.Vector512 => 32, MicroKernel.Vector256 => 16, _ => 8 };

    /// <summary>Longest slice of the depth packed at once: a 32-column panel of B is then 40 KB, within a 48 KB L1.</summary>
    public const int MaxDepthBlock = 320;

    /// <summary>Bytes of packed A that a part keeps in L2 at once.</summary>
    private const int RowBlockBytes = 192 * 1024;

    /// <summary>Multiply-adds per part below which a product is not split further across threads.</summary>
    public const long MinWorkPerPart = 1L << 17;

    /// <summary>Whether this machine has a packed path: any accelerated SIMD width.</summary>
    public static bool IsSupported => Vector128.IsHardwareAccelerated;

    [ThreadStatic] private static float[]? s_packedA;
    [ThreadStatic] private static float[]? s_packedB;
    [ThreadStatic] private static TileWork? s_work;

    /// <summary>
    /// <c>C[m, n] (+)= op(A)[m, k] · op(B)[k, n]</c>, where <c>op(A)</c> is A ([m, k]) or Aᵀ (A stored [k, m]) and
    /// <c>op(B)</c> is B ([k, n]) or Bᵀ (B stored [n, k]).
    /// </summary>
    public static void Multiply(bool transposeA, bool transposeB, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c.Slice(0, m * n).Clear();
            return;
        }

        int panels = (n + TileColumns - 1) / TileColumns;
        int rowTiles = (m + TileRows - 1) / TileRows;
        int slices = (k + MaxDepthBlock - 1) / MaxDepthBlock;
        int depthBlock = (k + slices - 1) / slices;
        // One part per thread: more parts would pack A or B again in each of them.
        int threads = Math.Min(KernelThreads.Parts((long)m * n * k, MinWorkPerPart), KernelThreads.Parallelism);
        var (columnGroups, rowGroups) = Split(panels, rowTiles, threads);

        // The calling thread's buffers now, in its first call, whichever parts it ends up claiming.
        _ = Scratch(rowTiles, depthBlock);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var work = s_work ??= new TileWork();
            work.Set(transposeA, transposeB, pa, pb, pc, m, n, k, accumulate, depthBlock, panels, rowTiles, columnGroups, rowGroups);
            KernelThreads.Run(work, columnGroups * rowGroups);
            work.Clear();
        }
    }

    /// <summary>
    /// The grid of parts for <paramref name="threads"/> threads: the column and row group counts whose busiest part
    /// has the least work, counting the tiles it computes and the panels it packs (a part packs every B panel of its
    /// columns and every A row of its rows, so more groups mean more repeated packing).
    /// </summary>
    internal static (int ColumnGroups, int RowGroups) Split(int panels, int rowTiles, int threads)
    {
        if (threads <= 1) return (1, 1);
        (int, int) best = (1, 1);
        double bestCost = double.MaxValue;
        for (int columnGroups = 1; columnGroups <= Math.Min(threads, panels); columnGroups++)
        {
            int rowGroups = Math.Min(threads / columnGroups, rowTiles);
            int panelsPerPart = (panels + columnGroups - 1) / columnGroups;
            int tilesPerPart = (rowTiles + rowGroups - 1) / rowGroups;
            // Per step of the depth: a tile costs TileRows x 2 multiply-adds of vectors, packing costs a load and a store
            // per vector of A and of B; both in vector operations.
            double cost = panelsPerPart * tilesPerPart * TileRows * 2.0 + panelsPerPart * 2.0 + tilesPerPart * TileRows * 2.0 / (TileColumns / 2);
            if (cost < bestCost - 1e-9)
            {
                bestCost = cost;
                best = (columnGroups, rowGroups);
            }
        }
        return best;
    }

    /// <summary>The tiles of one product, split into parts; a reusable object so that a call allocates nothing.</summary>
    private sealed class TileWork : IParallelWork
    {
        private bool _transposeA, _transposeB, _accumulate;
        private float* _a, _b, _c;
        private int _m, _n, _k, _depthBlock, _panels, _rowTiles, _columnGroups, _rowGroups;

        public void Set(bool transposeA, bool transposeB, float* a, float* b, float* c, int m, int n, int k, bool accumulate,
            int depthBlock, int panels, int rowTiles, int columnGroups, int rowGroups)
        {
            (_transposeA, _transposeB, _accumulate) = (transposeA, transposeB, accumulate);
            _a = a;
            _b = b;
            _c = c;
            (_m, _n, _k, _depthBlock, _panels, _rowTiles, _columnGroups, _rowGroups) = (m, n, k, depthBlock, panels, rowTiles, columnGroups, rowGroups);
        }

        /// <summary>Drops the pointers once the call is over, so that nothing can use them after the operands are unpinned.</summary>
        public void Clear()
        {
            _a = null;
            _b = null;
            _c = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            int columnGroup = part % _columnGroups, rowGroup = part / _columnGroups;
            int panelStart = (int)((long)_panels * columnGroup / _columnGroups), panelEnd = (int)((long)_panels * (columnGroup + 1) / _columnGroups);
            int tileStart = (int)((long)_rowTiles * rowGroup / _rowGroups), tileEnd = (int)((long)_rowTiles * (rowGroup + 1) / _rowGroups);
            if (panelStart == panelEnd || tileStart == tileEnd) return;
            int rowStart = tileStart * TileRows, rowEnd = Math.Min(_m, tileEnd * TileRows);

            int mr = TileRows, nr = TileColumns;
            int rowBlock = RowBlock(_depthBlock);
            var (packedA, packedB) = Scratch(_rowTiles, _depthBlock);
            fixed (float* packA = packedA, packB = packedB)
            {
                for (int depth = 0; depth < _k; depth += _depthBlock)
                {
                    int kc = Math.Min(_depthBlock, _k - depth);
                    // The first slice writes C, the later ones add to it: no separate pass to clear C.
                    bool add = _accumulate || depth > 0;
                    for (int row = rowStart; row < rowEnd; row += rowBlock)
                    {
                        int mc = Math.Min(rowBlock, rowEnd - row);
                        PackA(_transposeA, _a, packA, row, mc, depth, kc, _m, _k);
                        for (int panel = panelStart; panel < panelEnd; panel++)
                        {
                            int j = panel * nr;
                            int columns = Math.Min(nr, _n - j);
                            PackB(_transposeB, _b, packB, j, columns, depth, kc, _n, _k);
                            for (int i = 0; i < mc; i += mr)
                                Tile(kc, packA + (long)i * kc, packB, _c + (long)(row + i) * _n + j, _n, Math.Min(mr, mc - i), columns, add);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Rows of A packed at once: as many tiles as keep the packed block within <see cref="RowBlockBytes"/>.</summary>
    private static int RowBlock(int depthBlock) => Math.Max(TileRows, RowBlockBytes / (sizeof(float) * depthBlock) / TileRows * TileRows);

    /// <summary>
    /// This thread's packing buffers, sized for any part of a product with these row tiles and depth slices, so that the
    /// size does not depend on how the product is split (nor, then, a reallocation on which thread gets which part).
    /// The packed A block has slack after it: the vectorised packing writes groups of 8 for panels of fewer rows.
    /// </summary>
    private static (float[] PackedA, float[] PackedB) Scratch(int rowTiles, int depthBlock) =>
        (Scratch(ref s_packedA, Math.Min(RowBlock(depthBlock), rowTiles * TileRows) * depthBlock + 8), Scratch(ref s_packedB, TileColumns * depthBlock));

    private static float[] Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 4096), pinned: true);
        return buffer;
    }
}
