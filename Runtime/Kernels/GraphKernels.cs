using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Myelin.Kernels;

/// <summary>
/// The kernels of graph networks: sums for <c>[Add]</c>, and the "and add" backward passes an op uses when another
/// reader of its input has already written that input's gradient, so that a value read by several ops collects the
/// sum of their gradients in place (<c>dx += ...</c>) with no copy and no clearing pass.
/// </summary>
/// <remarks>
/// Each is checked against a double-precision reference in <c>GraphKernelTests</c>. The loops use
/// <see cref="Vector{T}"/>, which is as wide as the hardware allows (and 128 bits without AVX2), and do the same
/// arithmetic per element in every path, so results do not depend on the vector width.
/// </remarks>
public static class GraphKernels
{
    /// <summary><c>y[i] = a[i] + b[i]</c>.</summary>
    public static void Sum(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        int n = a.Length;
        if (b.Length < n || y.Length < n) throw new ArgumentException("Sum needs b and y at least as long as a.");
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
                (Load(ref ar, i) + Load(ref br, i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = Unsafe.Add(ref ar, i) + Unsafe.Add(ref br, i);
    }

    /// <summary><c>destination[i] += source[i]</c>.</summary>
    public static void AddTo(ReadOnlySpan<float> source, Span<float> destination)
    {
        int n = source.Length;
        if (destination.Length < n) throw new ArgumentException("AddTo needs a destination at least as long as the source.");
        ref float sr = ref MemoryMarshal.GetReference(source);
        ref float dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
                (Load(ref dr, i) + Load(ref sr, i)).StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref dr, i) += Unsafe.Add(ref sr, i);
    }

    /// <summary><c>dx[i] += dy[i] · f'(z_i)</c>, from the outputs <c>y</c>: an activation's backward pass, added.</summary>
    public static void MultiplyByDerivativeAndAdd<TActivation>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        int n = dy.Length;
        if (y.Length < n || dx.Length < n) throw new ArgumentException("MultiplyByDerivativeAndAdd needs y and dx at least as long as dy.");
        for (int i = 0; i < n; i++) dx[i] += dy[i] * activation.DerivativeFromOutput(y[i]);
    }

    /// <summary>The softmax Jacobian-vector product, added: <c>dx[r, i] += y[r, i] · (dy[r, i] - Σ_j dy[r, j] · y[r, j])</c>.</summary>
    public static void SoftmaxRowsBackwardAndAdd(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * columns, columns);
            var dyr = dy.Slice(r * columns, columns);
            var dxr = dx.Slice(r * columns, columns);
            float dot = 0;
            for (int i = 0; i < columns; i++) dot += dyr[i] * yr[i];
            for (int i = 0; i < columns; i++) dxr[i] += yr[i] * (dyr[i] - dot);
        }
    }

    /// <summary>The backward pass of max pooling, added: each <c>dy</c> is added to <c>dx</c> at its argmax.</summary>
    public static void MaxPoolBackwardAndAdd(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, in PoolShape shape)
    {
        int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth;
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var target = dx.Slice(plane * planeSize, planeSize);
            int source = plane * outSize;
            for (int o = 0; o < outSize; o++) target[argmax[source + o]] += dy[source + o];
        }
    }

    /// <summary>The backward pass of average pooling, added: each output's gradient is shared equally by its window.</summary>
    public static void AveragePoolBackwardAndAdd(ReadOnlySpan<float> dy, Span<float> dx, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        float scale = 1f / (k * k);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var target = dx.Slice(plane * h * w, h * w);
            int source = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    float share = dy[source + oy * ow + ox] * scale;
                    int origin = oy * s * w + ox * s;
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++) target[origin + ky * w + kx] += share;
                    }
                }
            }
        }
    }

    private static Vector<float> Load(ref float origin, int index) => Vector.LoadUnsafe(ref origin, (nuint)index);
}
