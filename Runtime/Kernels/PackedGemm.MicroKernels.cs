using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

// The register micro-kernels: C[rows, columns] (+)= panelA[TileRows, kc] · panelB[kc, TileColumns].
// MultiplyAddEstimate is a fused multiply-add where the hardware has one and a multiply then an add where it does not;
// either way it is the same instruction sequence on every call on one machine, so results stay deterministic.
internal static unsafe partial class PackedGemm
{
    /// <summary>
    /// Runs this machine's micro-kernel on one tile. <paramref name="add"/> adds the tile to C, otherwise it overwrites
    /// C; only the <paramref name="rows"/> x <paramref name="columns"/> corner inside C is touched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(int kc, float* panelA, float* panelB, float* c, int ldc, int rows, int columns, bool add)
    {
        switch (Kernel)
        {
            case MicroKernel.Vector512: Tile8x32(kc, panelA, panelB, c, ldc, rows, columns, add); break;
            case MicroKernel.Vector256: Tile6x16(kc, panelA, panelB, c, ldc, rows, columns, add); break;
            default: Tile4x8(kc, panelA, panelB, c, ldc, rows, columns, add); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(int kc, float* pa, float* pb, float* c, int ldc, int rows, int columns, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(pb);
            var b1 = Vector512.Load(pb + 16);
            var a = Vector512.Create(pa[0]);
            c00 = Vector512.MultiplyAddEstimate(a, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(a, b1, c01);
            a = Vector512.Create(pa[1]);
            c10 = Vector512.MultiplyAddEstimate(a, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(a, b1, c11);
            a = Vector512.Create(pa[2]);
            c20 = Vector512.MultiplyAddEstimate(a, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(a, b1, c21);
            a = Vector512.Create(pa[3]);
            c30 = Vector512.MultiplyAddEstimate(a, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(a, b1, c31);
            a = Vector512.Create(pa[4]);
            c40 = Vector512.MultiplyAddEstimate(a, b0, c40);
            c41 = Vector512.MultiplyAddEstimate(a, b1, c41);
            a = Vector512.Create(pa[5]);
            c50 = Vector512.MultiplyAddEstimate(a, b0, c50);
            c51 = Vector512.MultiplyAddEstimate(a, b1, c51);
            a = Vector512.Create(pa[6]);
            c60 = Vector512.MultiplyAddEstimate(a, b0, c60);
            c61 = Vector512.MultiplyAddEstimate(a, b1, c61);
            a = Vector512.Create(pa[7]);
            c70 = Vector512.MultiplyAddEstimate(a, b0, c70);
            c71 = Vector512.MultiplyAddEstimate(a, b1, c71);
            pa += 8;
            pb += 32;
        }

        if (rows == 8 && columns == 32)
        {
            Store(c, c00, c01, add);
            Store(c + ldc, c10, c11, add);
            Store(c + 2 * ldc, c20, c21, add);
            Store(c + 3 * ldc, c30, c31, add);
            Store(c + 4 * ldc, c40, c41, add);
            Store(c + 5 * ldc, c50, c51, add);
            Store(c + 6 * ldc, c60, c61, add);
            Store(c + 7 * ldc, c70, c71, add);
            return;
        }

        // An edge tile: spill the accumulators and write only the part inside C.
        float* tile = stackalloc float[8 * 32];
        Vector512.Store(c00, tile); Vector512.Store(c01, tile + 16);
        Vector512.Store(c10, tile + 32); Vector512.Store(c11, tile + 48);
        Vector512.Store(c20, tile + 64); Vector512.Store(c21, tile + 80);
        Vector512.Store(c30, tile + 96); Vector512.Store(c31, tile + 112);
        Vector512.Store(c40, tile + 128); Vector512.Store(c41, tile + 144);
        Vector512.Store(c50, tile + 160); Vector512.Store(c51, tile + 176);
        Vector512.Store(c60, tile + 192); Vector512.Store(c61, tile + 208);
        Vector512.Store(c70, tile + 224); Vector512.Store(c71, tile + 240);
        StoreEdge(tile, 32, c, ldc, rows, columns, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x16(int kc, float* pa, float* pb, float* c, int ldc, int rows, int columns, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(pb);
            var b1 = Vector256.Load(pb + 8);
            var a = Vector256.Create(pa[0]);
            c00 = Vector256.MultiplyAddEstimate(a, b0, c00);
            c01 = Vector256.MultiplyAddEstimate(a, b1, c01);
            a = Vector256.Create(pa[1]);
            c10 = Vector256.MultiplyAddEstimate(a, b0, c10);
            c11 = Vector256.MultiplyAddEstimate(a, b1, c11);
            a = Vector256.Create(pa[2]);
            c20 = Vector256.MultiplyAddEstimate(a, b0, c20);
            c21 = Vector256.MultiplyAddEstimate(a, b1, c21);
            a = Vector256.Create(pa[3]);
            c30 = Vector256.MultiplyAddEstimate(a, b0, c30);
            c31 = Vector256.MultiplyAddEstimate(a, b1, c31);
            a = Vector256.Create(pa[4]);
            c40 = Vector256.MultiplyAddEstimate(a, b0, c40);
            c41 = Vector256.MultiplyAddEstimate(a, b1, c41);
            a = Vector256.Create(pa[5]);
            c50 = Vector256.MultiplyAddEstimate(a, b0, c50);
            c51 = Vector256.MultiplyAddEstimate(a, b1, c51);
            pa += 6;
            pb += 16;
        }

        if (rows == 6 && columns == 16)
        {
            Store(c, c00, c01, add);
            Store(c + ldc, c10, c11, add);
            Store(c + 2 * ldc, c20, c21, add);
            Store(c + 3 * ldc, c30, c31, add);
            Store(c + 4 * ldc, c40, c41, add);
            Store(c + 5 * ldc, c50, c51, add);
            return;
        }

        float* tile = stackalloc float[6 * 16];
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + 8);
        Vector256.Store(c10, tile + 16); Vector256.Store(c11, tile + 24);
        Vector256.Store(c20, tile + 32); Vector256.Store(c21, tile + 40);
        Vector256.Store(c30, tile + 48); Vector256.Store(c31, tile + 56);
        Vector256.Store(c40, tile + 64); Vector256.Store(c41, tile + 72);
        Vector256.Store(c50, tile + 80); Vector256.Store(c51, tile + 88);
        StoreEdge(tile, 16, c, ldc, rows, columns, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x8(int kc, float* pa, float* pb, float* c, int ldc, int rows, int columns, bool add)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(pb);
            var b1 = Vector128.Load(pb + 4);
            var a = Vector128.Create(pa[0]);
            c00 = Vector128.MultiplyAddEstimate(a, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(a, b1, c01);
            a = Vector128.Create(pa[1]);
            c10 = Vector128.MultiplyAddEstimate(a, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(a, b1, c11);
            a = Vector128.Create(pa[2]);
            c20 = Vector128.MultiplyAddEstimate(a, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(a, b1, c21);
            a = Vector128.Create(pa[3]);
            c30 = Vector128.MultiplyAddEstimate(a, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(a, b1, c31);
            pa += 4;
            pb += 8;
        }

        if (rows == 4 && columns == 8)
        {
            Store(c, c00, c01, add);
            Store(c + ldc, c10, c11, add);
            Store(c + 2 * ldc, c20, c21, add);
            Store(c + 3 * ldc, c30, c31, add);
            return;
        }

        float* tile = stackalloc float[4 * 8];
        Vector128.Store(c00, tile); Vector128.Store(c01, tile + 4);
        Vector128.Store(c10, tile + 8); Vector128.Store(c11, tile + 12);
        Vector128.Store(c20, tile + 16); Vector128.Store(c21, tile + 20);
        Vector128.Store(c30, tile + 24); Vector128.Store(c31, tile + 28);
        StoreEdge(tile, 8, c, ldc, rows, columns, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> low, Vector512<float> high, bool add)
    {
        if (add)
        {
            low += Vector512.Load(c);
            high += Vector512.Load(c + 16);
        }
        Vector512.Store(low, c);
        Vector512.Store(high, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> low, Vector256<float> high, bool add)
    {
        if (add)
        {
            low += Vector256.Load(c);
            high += Vector256.Load(c + 8);
        }
        Vector256.Store(low, c);
        Vector256.Store(high, c + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> low, Vector128<float> high, bool add)
    {
        if (add)
        {
            low += Vector128.Load(c);
            high += Vector128.Load(c + 4);
        }
        Vector128.Store(low, c);
        Vector128.Store(high, c + 4);
    }

    private static void StoreEdge(float* tile, int tileColumns, float* c, int ldc, int rows, int columns, bool add)
    {
        for (int r = 0; r < rows; r++)
        {
            float* source = tile + r * tileColumns;
            float* target = c + (long)r * ldc;
            for (int col = 0; col < columns; col++) target[col] = add ? target[col] + source[col] : source[col];
        }
    }
}
