using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Myelin.Kernels;

/// <summary>
/// Single-precision matrix products over row-major spans, the inner loops of dense and convolution layers. Each
/// variant names which operand is transposed, as in BLAS: <c>C[m, n] = A · B</c>, <c>A · Bᵀ</c> or <c>Aᵀ · B</c>,
/// optionally accumulating into <c>C</c>. Results are deterministic: the summation order depends only on the shapes.
/// </summary>
/// <remarks>
/// <para>
/// Products large enough to fill register tiles run on <see cref="PackedGemm"/> (packed panels and a 6x16 FMA
/// micro-kernel); small ones, and machines without 256-bit FMA, use the row-by-row loops below.
/// </para>
/// <para>
/// Generated forward passes use <see cref="MultiplyTransposedB"/> (dense: <c>y = x · Wᵀ</c>); backward passes use
/// <see cref="MultiplyTransposedA"/> for weight gradients (<c>dW += dyᵀ · x</c>) and <see cref="Multiply"/> for input
/// gradients (<c>dx = dy · W</c>). The scalar reference these are tested against is in the test project.
/// </para>
/// </remarks>
public static class Gemm
{
    /// <summary><c>C[m, n] (+)= A[m, k] · B[k, n]</c>.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (UsePacked(m, n, k))
        {
            PackedGemm.Multiply(transposeA: false, transposeB: false, a, b, c, m, n, k, accumulate);
            return;
        }
        if (!accumulate) c.Slice(0, m * n).Clear();
        // Row i of C is a sum of rows of B scaled by A[i, p]: every inner step is a contiguous axpy over n.
        for (int i = 0; i < m; i++)
        {
            var cRow = c.Slice(i * n, n);
            var aRow = a.Slice(i * k, k);
            int p = 0;
            for (; p + 4 <= k; p += 4)
            {
                Axpy4(cRow, aRow[p], b.Slice(p * n, n), aRow[p + 1], b.Slice((p + 1) * n, n),
                    aRow[p + 2], b.Slice((p + 2) * n, n), aRow[p + 3], b.Slice((p + 3) * n, n));
            }
            for (; p < k; p++) Axpy(cRow, aRow[p], b.Slice(p * n, n));
        }
    }

    /// <summary><c>C[m, n] (+)= A[m, k] · B[n, k]ᵀ</c>: every element is a dot product of two contiguous rows.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (UsePacked(m, n, k))
        {
            PackedGemm.Multiply(transposeA: false, transposeB: true, a, b, c, m, n, k, accumulate);
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var aRow = a.Slice(i * k, k);
            var cRow = c.Slice(i * n, n);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                Dot4(aRow, b.Slice(j * k, k), b.Slice((j + 1) * k, k), b.Slice((j + 2) * k, k), b.Slice((j + 3) * k, k),
                    out float d0, out float d1, out float d2, out float d3);
                if (accumulate)
                {
                    cRow[j] += d0; cRow[j + 1] += d1; cRow[j + 2] += d2; cRow[j + 3] += d3;
                }
                else
                {
                    cRow[j] = d0; cRow[j + 1] = d1; cRow[j + 2] = d2; cRow[j + 3] = d3;
                }
            }
            for (; j < n; j++)
            {
                float d = Dot(aRow, b.Slice(j * k, k));
                cRow[j] = accumulate ? cRow[j] + d : d;
            }
        }
    }

    /// <summary><c>C[m, n] (+)= A[k, m]ᵀ · B[k, n]</c>: a sum over <c>k</c> of outer products of rows of A and B.</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (UsePacked(m, n, k))
        {
            PackedGemm.Multiply(transposeA: true, transposeB: false, a, b, c, m, n, k, accumulate);
            return;
        }
        if (!accumulate) c.Slice(0, m * n).Clear();
        for (int i = 0; i < m; i++)
        {
            var cRow = c.Slice(i * n, n);
            int p = 0;
            for (; p + 4 <= k; p += 4)
            {
                Axpy4(cRow, a[p * m + i], b.Slice(p * n, n), a[(p + 1) * m + i], b.Slice((p + 1) * n, n),
                    a[(p + 2) * m + i], b.Slice((p + 2) * n, n), a[(p + 3) * m + i], b.Slice((p + 3) * n, n));
            }
            for (; p < k; p++) Axpy(cRow, a[p * m + i], b.Slice(p * n, n));
        }
    }

    /// <summary>The dot product of two equally long spans.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int width = Vector<float>.Count;
        var acc0 = Vector<float>.Zero;
        var acc1 = Vector<float>.Zero;
        int i = 0;
        for (; i + 2 * width <= n; i += 2 * width)
        {
            acc0 = Vector.MultiplyAddEstimate(Load(ref xr, i), Load(ref yr, i), acc0);
            acc1 = Vector.MultiplyAddEstimate(Load(ref xr, i + width), Load(ref yr, i + width), acc1);
        }
        for (; i + width <= n; i += width) acc0 = Vector.MultiplyAddEstimate(Load(ref xr, i), Load(ref yr, i), acc0);
        float sum = Vector.Sum(acc0 + acc1);
        for (; i < n; i++) sum = float.MultiplyAddEstimate(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), sum);
        return sum;
    }

    /// <summary><c>y += alpha · x</c>.</summary>
    public static void Axpy(Span<float> y, float alpha, ReadOnlySpan<float> x)
    {
        int n = y.Length;
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int width = Vector<float>.Count;
        var va = new Vector<float>(alpha);
        int i = 0;
        for (; i + width <= n; i += width)
            Store(Vector.MultiplyAddEstimate(va, Load(ref xr, i), Load(ref yr, i)), ref yr, i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = float.MultiplyAddEstimate(alpha, Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    // Four dot products sharing the left operand: one pass over x instead of four.
    private static void Dot4(ReadOnlySpan<float> x, ReadOnlySpan<float> y0, ReadOnlySpan<float> y1, ReadOnlySpan<float> y2, ReadOnlySpan<float> y3,
        out float d0, out float d1, out float d2, out float d3)
    {
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float r0 = ref MemoryMarshal.GetReference(y0);
        ref float r1 = ref MemoryMarshal.GetReference(y1);
        ref float r2 = ref MemoryMarshal.GetReference(y2);
        ref float r3 = ref MemoryMarshal.GetReference(y3);
        int width = Vector<float>.Count;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + width <= n; i += width)
        {
            var xv = Load(ref xr, i);
            a0 = Vector.MultiplyAddEstimate(xv, Load(ref r0, i), a0);
            a1 = Vector.MultiplyAddEstimate(xv, Load(ref r1, i), a1);
            a2 = Vector.MultiplyAddEstimate(xv, Load(ref r2, i), a2);
            a3 = Vector.MultiplyAddEstimate(xv, Load(ref r3, i), a3);
        }
        d0 = Vector.Sum(a0); d1 = Vector.Sum(a1); d2 = Vector.Sum(a2); d3 = Vector.Sum(a3);
        for (; i < n; i++)
        {
            float xi = Unsafe.Add(ref xr, i);
            d0 = float.MultiplyAddEstimate(xi, Unsafe.Add(ref r0, i), d0);
            d1 = float.MultiplyAddEstimate(xi, Unsafe.Add(ref r1, i), d1);
            d2 = float.MultiplyAddEstimate(xi, Unsafe.Add(ref r2, i), d2);
            d3 = float.MultiplyAddEstimate(xi, Unsafe.Add(ref r3, i), d3);
        }
    }

    // y += a0·x0 + a1·x1 + a2·x2 + a3·x3: one load and store of y for four rows of B.
    private static void Axpy4(Span<float> y, float a0, ReadOnlySpan<float> x0, float a1, ReadOnlySpan<float> x1,
        float a2, ReadOnlySpan<float> x2, float a3, ReadOnlySpan<float> x3)
    {
        int n = y.Length;
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float r1 = ref MemoryMarshal.GetReference(x1);
        ref float r2 = ref MemoryMarshal.GetReference(x2);
        ref float r3 = ref MemoryMarshal.GetReference(x3);
        int width = Vector<float>.Count;
        Vector<float> v0 = new(a0), v1 = new(a1), v2 = new(a2), v3 = new(a3);
        int i = 0;
        for (; i + width <= n; i += width)
        {
            var acc = Load(ref yr, i);
            acc = Vector.MultiplyAddEstimate(v0, Load(ref r0, i), acc);
            acc = Vector.MultiplyAddEstimate(v1, Load(ref r1, i), acc);
            acc = Vector.MultiplyAddEstimate(v2, Load(ref r2, i), acc);
            acc = Vector.MultiplyAddEstimate(v3, Load(ref r3, i), acc);
            Store(acc, ref yr, i);
        }
        for (; i < n; i++)
        {
            float acc = Unsafe.Add(ref yr, i);
            acc = float.MultiplyAddEstimate(a0, Unsafe.Add(ref r0, i), acc);
            acc = float.MultiplyAddEstimate(a1, Unsafe.Add(ref r1, i), acc);
            acc = float.MultiplyAddEstimate(a2, Unsafe.Add(ref r2, i), acc);
            acc = float.MultiplyAddEstimate(a3, Unsafe.Add(ref r3, i), acc);
            Unsafe.Add(ref yr, i) = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float source, int offset) => Vector.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> value, ref float destination, int offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    /// <summary>
    /// Whether the packed kernel pays off: it needs 256-bit FMA hardware and enough rows and columns to fill its 6x16
    /// tiles; a single row (one sample) is faster as dot products or row updates.
    /// </summary>
    private static bool UsePacked(int m, int n, int k) => PackedGemm.IsSupported && m >= 4 && n >= 8 && k >= 4;

    private static void CheckSizes(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must not be negative (m = {m}, n = {n}, k = {k}).");
        if (aLength < m * k) throw new ArgumentException($"A has {aLength} floats, but an {m}x{k} operand needs {m * k}.", "a");
        if (bLength < k * n) throw new ArgumentException($"B has {bLength} floats, but a {k}x{n} operand needs {k * n}.", "b");
        if (cLength < m * n) throw new ArgumentException($"C has {cLength} floats, but the {m}x{n} result needs {m * n}.", "c");
    }
}
