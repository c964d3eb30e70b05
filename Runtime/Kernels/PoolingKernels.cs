using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// Max and average pooling over planes (one channel of one sample each), floor mode with no padding, as PyTorch's
/// <c>MaxPool2d</c>/<c>AvgPool2d</c>. Max pooling records where each maximum came from (the first on ties), so that its
/// backward pass routes each gradient to exactly that input.
/// </summary>
public static class PoolingKernels
{
    /// <summary>
    /// <c>y[p, oy, ox] = max over ky, kx &lt; kernel of x[p, oy·stride + ky, ox·stride + kx]</c>, and
    /// <c>argmax[p, oy, ox]</c> = that input's index within its plane.
    /// </summary>
    /// <param name="x">[planes, height, width].</param>
    /// <param name="y">[planes, outHeight, outWidth].</param>
    /// <param name="argmax">[planes, outHeight, outWidth], or empty when no backward pass will follow.</param>
    /// <param name="shape">The window geometry.</param>
    public static void MaxPoolForward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        bool record = !argmax.IsEmpty;
        if (k == 2 && s == 2 && record && Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            MaxPool2x2(x, y, argmax, shape);
            return;
        }
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            ref float source = ref MemoryMarshal.GetReference(x.Slice(plane * h * w, h * w));
            int target = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    int origin = oy * s * w + ox * s;
                    int best = origin;
                    float value = Unsafe.Add(ref source, origin);
                    for (int ky = 0; ky < k; ky++)
                    {
                        int rowStart = origin + ky * w;
                        for (int kx = 0; kx < k; kx++)
                        {
                            float candidate = Unsafe.Add(ref source, rowStart + kx);
                            // Strictly greater keeps the first of equal maxima, as PyTorch does, and a NaN wins
                            // so that it propagates like max. Written without branches:
                            // on real data the comparison is a coin toss that a branch predictor cannot learn.
                            bool take = candidate > value | float.IsNaN(candidate);
                            value = take ? candidate : value;
                            best = take ? rowStart + kx : best;
                        }
                    }
                    y[target + oy * ow + ox] = value;
                    if (record) argmax[target + oy * ow + ox] = best;
                }
            }
        }
    }

    /// <summary>
    /// The common 2x2, stride-2 window with AVX2: eight outputs at a time. The even and odd columns of the two input
    /// rows are split apart with lane permutes, then the four candidates are compared in PyTorch's order (top-left,
    /// top-right, bottom-left, bottom-right; strictly greater wins, NaN wins), carrying the winner's offset along.
    /// </summary>
    private static void MaxPool2x2(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        var evenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var twice = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            ref float source = ref MemoryMarshal.GetReference(x.Slice(plane * h * w, h * w));
            ref float values = ref MemoryMarshal.GetReference(y.Slice(plane * oh * ow, oh * ow));
            ref int where = ref MemoryMarshal.GetReference(argmax.Slice(plane * oh * ow, oh * ow));
            for (int oy = 0; oy < oh; oy++)
            {
                int top = 2 * oy * w;
                for (int ox = 0; ox < ow; ox += 8)
                {
                    // A ragged end recomputes an overlapping block of eight rather than falling back to scalars.
                    if (ox + 8 > ow)
                    {
                        if (ow < 8) break;
                        ox = ow - 8;
                    }
                    int origin = top + 2 * ox;
                    // Rows as [even columns | odd columns] after the permute; Permute2x128 then pairs the halves.
                    var t0 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)origin), evenOdd);
                    var t1 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)(origin + 8)), evenOdd);
                    var b0 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)(origin + w)), evenOdd);
                    var b1 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)(origin + w + 8)), evenOdd);
                    var topLeft = Avx.Permute2x128(t0, t1, 0x20);
                    var topRight = Avx.Permute2x128(t0, t1, 0x31);
                    var bottomLeft = Avx.Permute2x128(b0, b1, 0x20);
                    var bottomRight = Avx.Permute2x128(b0, b1, 0x31);

                    var value = topLeft;
                    var offset = Vector256<int>.Zero;
                    Take(ref value, ref offset, topRight, 1);
                    Take(ref value, ref offset, bottomLeft, w);
                    Take(ref value, ref offset, bottomRight, w + 1);
                    value.StoreUnsafe(ref values, (nuint)(oy * ow + ox));
                    (offset + Vector256.Create(origin) + twice).StoreUnsafe(ref where, (nuint)(oy * ow + ox));
                }
                if (ow < 8)
                {
                    // Narrow rows (e.g. 11x11 -> 5x5): four outputs at a time with 128-bit vectors, the ragged end
                    // recomputed as an overlapping block, and single outputs only for rows under four wide.
                    for (int ox = 0; ow >= 4 && ox < ow; ox += 4)
                    {
                        if (ox + 4 > ow) ox = ow - 4;
                        int origin = top + 2 * ox;
                        var a0 = Vector128.LoadUnsafe(ref source, (nuint)origin);
                        var a1 = Vector128.LoadUnsafe(ref source, (nuint)(origin + 4));
                        var b0 = Vector128.LoadUnsafe(ref source, (nuint)(origin + w));
                        var b1 = Vector128.LoadUnsafe(ref source, (nuint)(origin + w + 4));
                        var value = Sse.Shuffle(a0, a1, 0b10_00_10_00);
                        var offset = Vector128<int>.Zero;
                        Take128(ref value, ref offset, Sse.Shuffle(a0, a1, 0b11_01_11_01), 1);
                        Take128(ref value, ref offset, Sse.Shuffle(b0, b1, 0b10_00_10_00), w);
                        Take128(ref value, ref offset, Sse.Shuffle(b0, b1, 0b11_01_11_01), w + 1);
                        value.StoreUnsafe(ref values, (nuint)(oy * ow + ox));
                        (offset + Vector128.Create(origin) + Vector128.Create(0, 2, 4, 6)).StoreUnsafe(ref where, (nuint)(oy * ow + ox));
                    }
                    for (int ox = 0; ow < 4 && ox < ow; ox++)
                    {
                        int origin = top + 2 * ox;
                        int best = origin;
                        float value = Unsafe.Add(ref source, origin);
                        Scalar(ref value, ref best, Unsafe.Add(ref source, origin + 1), origin + 1);
                        Scalar(ref value, ref best, Unsafe.Add(ref source, origin + w), origin + w);
                        Scalar(ref value, ref best, Unsafe.Add(ref source, origin + w + 1), origin + w + 1);
                        Unsafe.Add(ref values, oy * ow + ox) = value;
                        Unsafe.Add(ref where, oy * ow + ox) = best;
                    }
                }
            }
        }

        static void Take128(ref Vector128<float> value, ref Vector128<int> offset, Vector128<float> candidate, int candidateOffset)
        {
            var take = Vector128.GreaterThan(candidate, value) | ~Vector128.Equals(candidate, candidate);
            value = Vector128.ConditionalSelect(take, candidate, value);
            offset = Vector128.ConditionalSelect(take.AsInt32(), Vector128.Create(candidateOffset), offset);
        }

        static void Take(ref Vector256<float> value, ref Vector256<int> offset, Vector256<float> candidate, int candidateOffset)
        {
            var take = Vector256.GreaterThan(candidate, value) | ~Vector256.Equals(candidate, candidate);
            value = Vector256.ConditionalSelect(take, candidate, value);
            offset = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(candidateOffset), offset);
        }

        static void Scalar(ref float value, ref int best, float candidate, int at)
        {
            if (candidate > value || float.IsNaN(candidate))
            {
                value = candidate;
                best = at;
            }
        }
    }

    /// <summary>The backward pass of max pooling: <c>dx</c> is cleared, then each <c>dy</c> is added at its argmax.</summary>
    public static void MaxPoolBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, in PoolShape shape)
    {
        int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth;
        dx.Slice(0, shape.Planes * planeSize).Clear();
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var target = dx.Slice(plane * planeSize, planeSize);
            int source = plane * outSize;
            for (int o = 0; o < outSize; o++) target[argmax[source + o]] += dy[source + o];
        }
    }

    /// <summary><c>y[p, oy, ox] = mean over the window of x</c>.</summary>
    public static void AveragePoolForward(ReadOnlySpan<float> x, Span<float> y, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        float scale = 1f / (k * k);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var source = x.Slice(plane * h * w, h * w);
            int target = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    int origin = oy * s * w + ox * s;
                    float sum = 0f;
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++) sum += source[origin + ky * w + kx];
                    }
                    y[target + oy * ow + ox] = sum * scale;
                }
            }
        }
    }

    /// <summary>The backward pass of average pooling: each output's gradient is shared equally by its window.</summary>
    public static void AveragePoolBackward(ReadOnlySpan<float> dy, Span<float> dx, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        float scale = 1f / (k * k);
        dx.Slice(0, shape.Planes * h * w).Clear();
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
}

/// <summary>The geometry of a pooling layer over a batch: planes (batch · channels), input and output size, window and stride.</summary>
/// <param name="Planes">Batch size times channels.</param>
/// <param name="Height">Input height.</param>
/// <param name="Width">Input width.</param>
/// <param name="Kernel">Window height and width.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="OutHeight">Output height, <c>(Height - Kernel) / Stride + 1</c>.</param>
/// <param name="OutWidth">Output width.</param>
public readonly record struct PoolShape(int Planes, int Height, int Width, int Kernel, int Stride, int OutHeight, int OutWidth);
