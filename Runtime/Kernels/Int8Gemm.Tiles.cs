using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// One step of an int8 dot product on eight int32 lanes: each lane adds the four products of its four byte pairs. The
/// struct operators let the JIT compile one specialised tile loop per instruction set, as the activation operators do.
/// </summary>
internal interface IInt8Dot
{
    /// <summary>
    /// Whether <see cref="Accumulate"/> sums <c>(x + 128)·w</c> rather than <c>x·w</c>, so that the tile must subtract
    /// <c>128 · Σ w</c> afterwards.
    /// </summary>
    static abstract bool OffsetsActivations { get; }

    /// <summary><c>acc[i] + Σ_{t &lt; 4} x[4i + t] · w[4i + t]</c> (with <c>x + 128</c> when <see cref="OffsetsActivations"/>).</summary>
    static abstract Vector256<int> Accumulate(Vector256<int> acc, Vector256<sbyte> x, Vector256<sbyte> w);
}

/// <summary>AVX-VNNI: <c>vpdpbusd</c> of the activations offset to unsigned bytes (<c>x ^ 0x80 = x + 128</c>) and the weights.</summary>
internal readonly struct VnniDot : IInt8Dot
{
    public static bool OffsetsActivations => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Accumulate(Vector256<int> acc, Vector256<sbyte> x, Vector256<sbyte> w) =>
        AvxVnni.MultiplyWideningAndAdd(acc, (x ^ Vector256.Create(sbyte.MinValue)).AsByte(), w);
}

/// <summary>
/// AVX2: <c>vpmaddubsw(|x|, sign(w, x))</c> pairs byte products into int16 (at most 2 · 128 · 127, so no saturation), and
/// <c>vpmaddwd</c> by ones adds the pairs into int32.
/// </summary>
internal readonly struct Avx2Dot : IInt8Dot
{
    public static bool OffsetsActivations => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Accumulate(Vector256<int> acc, Vector256<sbyte> x, Vector256<sbyte> w) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(x), Avx2.Sign(w, x)), Vector256.Create((short)1)));
}

/// <summary>Which operand of a product holds the activations: the broadcast rows (dense) or the packed panels (convolution).</summary>
internal interface IOperandOrder
{
    static abstract bool ActivationsInA { get; }
}

/// <summary>A holds the activations (a dense layer's samples); the panels hold the weights.</summary>
internal readonly struct ActivationRows : IOperandOrder
{
    public static bool ActivationsInA => true;
}

/// <summary>A holds the weights (a convolution's filters); the panels hold the activations (its im2col columns).</summary>
internal readonly struct ActivationColumns : IOperandOrder
{
    public static bool ActivationsInA => false;
}

// The register tiles. Each sums one tile of C over the whole depth in registers and stores it once: four rows of A
// against one panel (8 accumulators), or one row against four panels or one. Eight independent accumulators keep
// the dot-product unit busy despite its latency.
public static partial class Int8Gemm
{
    /// <summary>C[4, cols] for rows <c>a .. a + 3·lda</c> and one panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel4x1<TDot, TOrder, TSink>(sbyte* a, int lda, int k, sbyte* panel, int* sums, TSink sink, int row, int column, int cols)
        where TDot : struct, IInt8Dot where TOrder : struct, IOperandOrder where TSink : struct, ITileSink
    {
        int groups = PaddedDepth(k) / 4, full = k / 4;
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        sbyte* b = panel;
        for (int g = 0; g < groups; g++, b += GroupBytes)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var a0 = Vector256.Create(Group(a, g, full, k)).AsSByte();
            var a1 = Vector256.Create(Group(a + lda, g, full, k)).AsSByte();
            var a2 = Vector256.Create(Group(a + 2 * lda, g, full, k)).AsSByte();
            var a3 = Vector256.Create(Group(a + 3 * lda, g, full, k)).AsSByte();
            if (TOrder.ActivationsInA)
            {
                c00 = TDot.Accumulate(c00, a0, b0); c01 = TDot.Accumulate(c01, a0, b1);
                c10 = TDot.Accumulate(c10, a1, b0); c11 = TDot.Accumulate(c11, a1, b1);
                c20 = TDot.Accumulate(c20, a2, b0); c21 = TDot.Accumulate(c21, a2, b1);
                c30 = TDot.Accumulate(c30, a3, b0); c31 = TDot.Accumulate(c31, a3, b1);
            }
            else
            {
                c00 = TDot.Accumulate(c00, b0, a0); c01 = TDot.Accumulate(c01, b1, a0);
                c10 = TDot.Accumulate(c10, b0, a1); c11 = TDot.Accumulate(c11, b1, a1);
                c20 = TDot.Accumulate(c20, b0, a2); c21 = TDot.Accumulate(c21, b1, a2);
                c30 = TDot.Accumulate(c30, b0, a3); c31 = TDot.Accumulate(c31, b1, a3);
            }
        }
        if (TDot.OffsetsActivations)
        {
            if (TOrder.ActivationsInA)
            {
                var s0 = Vector256.Load(sums) << 7;
                var s1 = Vector256.Load(sums + 8) << 7;
                c00 -= s0; c10 -= s0; c20 -= s0; c30 -= s0;
                c01 -= s1; c11 -= s1; c21 -= s1; c31 -= s1;
            }
            else
            {
                var s0 = Vector256.Create(sums[0] << 7);
                var s1 = Vector256.Create(sums[1] << 7);
                var s2 = Vector256.Create(sums[2] << 7);
                var s3 = Vector256.Create(sums[3] << 7);
                c00 -= s0; c01 -= s0; c10 -= s1; c11 -= s1; c20 -= s2; c21 -= s2; c30 -= s3; c31 -= s3;
            }
        }
        sink.Store(row, column, c00, c01, cols);
        sink.Store(row + 1, column, c10, c11, cols);
        sink.Store(row + 2, column, c20, c21, cols);
        sink.Store(row + 3, column, c30, c31, cols);
    }

    /// <summary>
    /// C[4, cols] for rows <c>a .. a + 3·lda</c> and the two panels from <paramref name="panel"/>, <paramref name="panelBytes"/>
    /// apart: sixteen accumulators (AVX-512 machines give the JIT 32 vector registers), so each broadcast of A feeds four
    /// dot products and each load of B four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel4x2<TDot, TOrder, TSink>(sbyte* a, int lda, int k, sbyte* panel, int panelBytes, int* sums, TSink sink, int row, int column, int cols)
        where TDot : struct, IInt8Dot where TOrder : struct, IOperandOrder where TSink : struct, ITileSink
    {
        int groups = PaddedDepth(k) / 4, full = k / 4;
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        sbyte* b = panel;
        for (int g = 0; g < groups; g++, b += GroupBytes)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var b2 = Vector256.Load(b + panelBytes);
            var b3 = Vector256.Load(b + panelBytes + 32);
            var a0 = Vector256.Create(Group(a, g, full, k)).AsSByte();
            var a1 = Vector256.Create(Group(a + lda, g, full, k)).AsSByte();
            var a2 = Vector256.Create(Group(a + 2 * lda, g, full, k)).AsSByte();
            var a3 = Vector256.Create(Group(a + 3 * lda, g, full, k)).AsSByte();
            if (TOrder.ActivationsInA)
            {
                c00 = TDot.Accumulate(c00, a0, b0); c01 = TDot.Accumulate(c01, a0, b1); c02 = TDot.Accumulate(c02, a0, b2); c03 = TDot.Accumulate(c03, a0, b3);
                c10 = TDot.Accumulate(c10, a1, b0); c11 = TDot.Accumulate(c11, a1, b1); c12 = TDot.Accumulate(c12, a1, b2); c13 = TDot.Accumulate(c13, a1, b3);
                c20 = TDot.Accumulate(c20, a2, b0); c21 = TDot.Accumulate(c21, a2, b1); c22 = TDot.Accumulate(c22, a2, b2); c23 = TDot.Accumulate(c23, a2, b3);
                c30 = TDot.Accumulate(c30, a3, b0); c31 = TDot.Accumulate(c31, a3, b1); c32 = TDot.Accumulate(c32, a3, b2); c33 = TDot.Accumulate(c33, a3, b3);
            }
            else
            {
                c00 = TDot.Accumulate(c00, b0, a0); c01 = TDot.Accumulate(c01, b1, a0); c02 = TDot.Accumulate(c02, b2, a0); c03 = TDot.Accumulate(c03, b3, a0);
                c10 = TDot.Accumulate(c10, b0, a1); c11 = TDot.Accumulate(c11, b1, a1); c12 = TDot.Accumulate(c12, b2, a1); c13 = TDot.Accumulate(c13, b3, a1);
                c20 = TDot.Accumulate(c20, b0, a2); c21 = TDot.Accumulate(c21, b1, a2); c22 = TDot.Accumulate(c22, b2, a2); c23 = TDot.Accumulate(c23, b3, a2);
                c30 = TDot.Accumulate(c30, b0, a3); c31 = TDot.Accumulate(c31, b1, a3); c32 = TDot.Accumulate(c32, b2, a3); c33 = TDot.Accumulate(c33, b3, a3);
            }
        }
        if (TDot.OffsetsActivations)
        {
            if (TOrder.ActivationsInA)
            {
                var s0 = Vector256.Load(sums) << 7;
                var s1 = Vector256.Load(sums + 8) << 7;
                var s2 = Vector256.Load(sums + 16) << 7;
                var s3 = Vector256.Load(sums + 24) << 7;
                c00 -= s0; c10 -= s0; c20 -= s0; c30 -= s0;
                c01 -= s1; c11 -= s1; c21 -= s1; c31 -= s1;
                c02 -= s2; c12 -= s2; c22 -= s2; c32 -= s2;
                c03 -= s3; c13 -= s3; c23 -= s3; c33 -= s3;
            }
            else
            {
                var s0 = Vector256.Create(sums[0] << 7);
                var s1 = Vector256.Create(sums[1] << 7);
                var s2 = Vector256.Create(sums[2] << 7);
                var s3 = Vector256.Create(sums[3] << 7);
                c00 -= s0; c01 -= s0; c02 -= s0; c03 -= s0;
                c10 -= s1; c11 -= s1; c12 -= s1; c13 -= s1;
                c20 -= s2; c21 -= s2; c22 -= s2; c23 -= s2;
                c30 -= s3; c31 -= s3; c32 -= s3; c33 -= s3;
            }
        }
        sink.Store(row, column, c00, c01, cols);
        sink.Store(row, column + PanelWidth, c02, c03, cols - PanelWidth);
        sink.Store(row + 1, column, c10, c11, cols);
        sink.Store(row + 1, column + PanelWidth, c12, c13, cols - PanelWidth);
        sink.Store(row + 2, column, c20, c21, cols);
        sink.Store(row + 2, column + PanelWidth, c22, c23, cols - PanelWidth);
        sink.Store(row + 3, column, c30, c31, cols);
        sink.Store(row + 3, column + PanelWidth, c32, c33, cols - PanelWidth);
    }

    /// <summary>C[1, cols] for one row of A and the four panels from <paramref name="panel"/>, <paramref name="panelBytes"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel1x4<TDot, TOrder, TSink>(sbyte* a, int k, sbyte* panel, int panelBytes, int* sums, TSink sink, int row, int column, int cols)
        where TDot : struct, IInt8Dot where TOrder : struct, IOperandOrder where TSink : struct, ITileSink
    {
        int groups = PaddedDepth(k) / 4, full = k / 4;
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        sbyte* b = panel;
        for (int g = 0; g < groups; g++, b += GroupBytes)
        {
            var x = Vector256.Create(Group(a, g, full, k)).AsSByte();
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var b2 = Vector256.Load(b + panelBytes);
            var b3 = Vector256.Load(b + panelBytes + 32);
            var b4 = Vector256.Load(b + 2 * panelBytes);
            var b5 = Vector256.Load(b + 2 * panelBytes + 32);
            var b6 = Vector256.Load(b + 3 * panelBytes);
            var b7 = Vector256.Load(b + 3 * panelBytes + 32);
            if (TOrder.ActivationsInA)
            {
                c0 = TDot.Accumulate(c0, x, b0); c1 = TDot.Accumulate(c1, x, b1);
                c2 = TDot.Accumulate(c2, x, b2); c3 = TDot.Accumulate(c3, x, b3);
                c4 = TDot.Accumulate(c4, x, b4); c5 = TDot.Accumulate(c5, x, b5);
                c6 = TDot.Accumulate(c6, x, b6); c7 = TDot.Accumulate(c7, x, b7);
            }
            else
            {
                c0 = TDot.Accumulate(c0, b0, x); c1 = TDot.Accumulate(c1, b1, x);
                c2 = TDot.Accumulate(c2, b2, x); c3 = TDot.Accumulate(c3, b3, x);
                c4 = TDot.Accumulate(c4, b4, x); c5 = TDot.Accumulate(c5, b5, x);
                c6 = TDot.Accumulate(c6, b6, x); c7 = TDot.Accumulate(c7, b7, x);
            }
        }
        if (TDot.OffsetsActivations)
        {
            if (TOrder.ActivationsInA)
            {
                c0 -= Vector256.Load(sums) << 7; c1 -= Vector256.Load(sums + 8) << 7;
                c2 -= Vector256.Load(sums + 16) << 7; c3 -= Vector256.Load(sums + 24) << 7;
                c4 -= Vector256.Load(sums + 32) << 7; c5 -= Vector256.Load(sums + 40) << 7;
                c6 -= Vector256.Load(sums + 48) << 7; c7 -= Vector256.Load(sums + 56) << 7;
            }
            else
            {
                var s = Vector256.Create(sums[0] << 7);
                c0 -= s; c1 -= s; c2 -= s; c3 -= s; c4 -= s; c5 -= s; c6 -= s; c7 -= s;
            }
        }
        sink.Store(row, column, c0, c1, cols);
        sink.Store(row, column + PanelWidth, c2, c3, cols - PanelWidth);
        sink.Store(row, column + 2 * PanelWidth, c4, c5, cols - 2 * PanelWidth);
        sink.Store(row, column + 3 * PanelWidth, c6, c7, cols - 3 * PanelWidth);
    }

    /// <summary>C[1, cols] for one row of A and one panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel1x1<TDot, TOrder, TSink>(sbyte* a, int k, sbyte* panel, int* sums, TSink sink, int row, int column, int cols)
        where TDot : struct, IInt8Dot where TOrder : struct, IOperandOrder where TSink : struct, ITileSink
    {
        int groups = PaddedDepth(k) / 4, full = k / 4;
        // Two chains per column half: even and odd groups, added at the end.
        Vector256<int> c0 = default, c1 = default, d0 = default, d1 = default;
        sbyte* b = panel;
        int g = 0;
        for (; g + 2 <= groups; g += 2, b += 2 * GroupBytes)
        {
            var x = Vector256.Create(Group(a, g, full, k)).AsSByte();
            var y = Vector256.Create(Group(a, g + 1, full, k)).AsSByte();
            if (TOrder.ActivationsInA)
            {
                c0 = TDot.Accumulate(c0, x, Vector256.Load(b)); c1 = TDot.Accumulate(c1, x, Vector256.Load(b + 32));
                d0 = TDot.Accumulate(d0, y, Vector256.Load(b + GroupBytes)); d1 = TDot.Accumulate(d1, y, Vector256.Load(b + GroupBytes + 32));
            }
            else
            {
                c0 = TDot.Accumulate(c0, Vector256.Load(b), x); c1 = TDot.Accumulate(c1, Vector256.Load(b + 32), x);
                d0 = TDot.Accumulate(d0, Vector256.Load(b + GroupBytes), y); d1 = TDot.Accumulate(d1, Vector256.Load(b + GroupBytes + 32), y);
            }
        }
        if (g < groups)
        {
            var x = Vector256.Create(Group(a, g, full, k)).AsSByte();
            if (TOrder.ActivationsInA)
            {
                c0 = TDot.Accumulate(c0, x, Vector256.Load(b)); c1 = TDot.Accumulate(c1, x, Vector256.Load(b + 32));
            }
            else
            {
                c0 = TDot.Accumulate(c0, Vector256.Load(b), x); c1 = TDot.Accumulate(c1, Vector256.Load(b + 32), x);
            }
        }
        c0 += d0;
        c1 += d1;
        if (TDot.OffsetsActivations)
        {
            if (TOrder.ActivationsInA)
            {
                c0 -= Vector256.Load(sums) << 7;
                c1 -= Vector256.Load(sums + 8) << 7;
            }
            else
            {
                var s = Vector256.Create(sums[0] << 7);
                c0 -= s;
                c1 -= s;
            }
        }
        sink.Store(row, column, c0, c1, cols);
    }
}

/// <summary>
/// Where a register tile's sums go: sixteen sums of one row of the product from a column, of which the first
/// <c>count</c> are real (up to 16; none when not positive), or one sum at a time on the portable path. The plain int32
/// product stores them (<see cref="Int32Sink"/>); a convolution requantises them in registers instead.
/// </summary>
internal interface ITileSink
{
    void Store(int row, int column, Vector256<int> low, Vector256<int> high, int count);

    void Store(int row, int column, int sum);
}

/// <summary>Stores the sums as the int32 matrix <c>C[row, column]</c> with row stride <c>ldc</c>.</summary>
internal readonly unsafe struct Int32Sink(int* c, int ldc) : ITileSink
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(int row, int column, Vector256<int> low, Vector256<int> high, int count)
    {
        int* target = c + (long)row * ldc + column;
        if (count >= Int8Gemm.PanelWidth)
        {
            low.Store(target);
            high.Store(target + 8);
            return;
        }
        if (count <= 0) return;
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Avx2.MaskStore(target, Vector256.LessThan(lanes, Vector256.Create(count)), low);
        Avx2.MaskStore(target + 8, Vector256.LessThan(lanes, Vector256.Create(count - 8)), high);
    }

    public void Store(int row, int column, int sum) => c[(long)row * ldc + column] = sum;
}
