using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// Max and average pooling over planes (one channel of one sample each), floor mode with no padding, as PyTorch's
/// <c>MaxPool2d</c>/<c>AvgPool2d</c>. Max pooling records where each maximum came from (the first on ties), so that its
/// backward pass routes each gradient to exactly that input.
/// </summary>
public static unsafe partial class PoolingKernels
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
        Check(x.Length, y.Length, shape);
        if (!argmax.IsEmpty && argmax.Length < shape.Planes * shape.OutHeight * shape.OutWidth)
            throw new ArgumentException($"argmax has {argmax.Length} entries, but {shape.Planes} planes of {shape.OutHeight}x{shape.OutWidth} need {shape.Planes * shape.OutHeight * shape.OutWidth}.", nameof(argmax));
        fixed (float* px = x, py = y)
        fixed (int* pa = argmax)
            ParallelRange.Run(new MaxPoolWork(px, py, argmax.IsEmpty ? null : pa, shape), shape.Planes, shape.Height * shape.Width);
    }

    private readonly struct MaxPoolWork(float* input, float* output, int* positions, PoolShape shape) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth, planes = end - start;
            var x = new ReadOnlySpan<float>(input + (long)start * planeSize, planes * planeSize);
            var y = new Span<float>(output + (long)start * outSize, planes * outSize);
            var argmax = positions is null ? default : new Span<int>(positions + (long)start * outSize, planes * outSize);
            MaxPoolPlanes(x, y, argmax, shape with { Planes = planes });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPoolPlanes(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        bool record = !argmax.IsEmpty;
        if (k == 2 && s == 2 && ow >= 8 && Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            MaxPool2x2(x, y, argmax, shape);
            return;
        }
        if (k == 2 && s == 2 && Vector128.IsHardwareAccelerated && ow >= 4)
        {
            MaxPool2x2Narrow(x, y, argmax, shape);
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
    /// The common 2x2, stride-2 window with AVX2, for rows of at least 8 outputs: eight outputs at a time. The even and
    /// odd columns of the two input rows are split apart with lane permutes, then the four candidates are compared in
    /// PyTorch's order (top-left, top-right, bottom-left, bottom-right; strictly greater wins, NaN wins), carrying the
    /// winner's offset along. A ragged end recomputes an overlapping block of eight rather than falling back to scalars.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPool2x2(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        var evenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var twice = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            ref float source = ref MemoryMarshal.GetReference(x.Slice(plane * h * w, h * w));
            ref float values = ref MemoryMarshal.GetReference(y.Slice(plane * oh * ow, oh * ow));
            bool record = !argmax.IsEmpty;
            ref int where = ref record ? ref MemoryMarshal.GetReference(argmax.Slice(plane * oh * ow, oh * ow)) : ref Unsafe.NullRef<int>();
            for (int oy = 0; oy < oh; oy++)
            {
                int top = 2 * oy * w;
                for (int ox = 0; ox < ow; ox += 8)
                {
                    if (ox + 8 > ow) ox = ow - 8;
                    int origin = top + 2 * ox;
                    // Rows as [even columns | odd columns] after the permute; Permute2x128 then pairs the halves.
                    var t0 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)origin), evenOdd);
                    var t1 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)(origin + 8)), evenOdd);
                    var b0 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)(origin + w)), evenOdd);
                    var b1 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref source, (nuint)(origin + w + 8)), evenOdd);
                    var value = Avx.Permute2x128(t0, t1, 0x20);
                    var offset = Vector256<int>.Zero;
                    Take(ref value, ref offset, Avx.Permute2x128(t0, t1, 0x31), 1);
                    Take(ref value, ref offset, Avx.Permute2x128(b0, b1, 0x20), w);
                    Take(ref value, ref offset, Avx.Permute2x128(b0, b1, 0x31), w + 1);
                    value.StoreUnsafe(ref values, (nuint)(oy * ow + ox));
                    if (record) (offset + Vector256.Create(origin) + twice).StoreUnsafe(ref where, (nuint)(oy * ow + ox));
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Take(ref Vector256<float> value, ref Vector256<int> offset, Vector256<float> candidate, int candidateOffset)
        {
            var take = Vector256.GreaterThan(candidate, value) | ~Vector256.Equals(candidate, candidate);
            value = Vector256.ConditionalSelect(take, candidate, value);
            offset = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(candidateOffset), offset);
        }
    }

    /// <summary>
    /// The 2x2, stride-2 window with 128-bit vectors (SSE, NEON, and x64 with AVX2 switched off), for rows of at least 4
    /// outputs (e.g. 11x11 -> 5x5): four outputs at a time, the ragged end recomputed as an overlapping block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPool2x2Narrow(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        var twice = Vector128.Create(0, 2, 4, 6);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            ref float source = ref MemoryMarshal.GetReference(x.Slice(plane * h * w, h * w));
            ref float values = ref MemoryMarshal.GetReference(y.Slice(plane * oh * ow, oh * ow));
            bool record = !argmax.IsEmpty;
            ref int where = ref record ? ref MemoryMarshal.GetReference(argmax.Slice(plane * oh * ow, oh * ow)) : ref Unsafe.NullRef<int>();
            for (int oy = 0; oy < oh; oy++)
            {
                int top = 2 * oy * w;
                for (int ox = 0; ox < ow; ox += 4)
                {
                    if (ox + 4 > ow) ox = ow - 4;
                    int origin = top + 2 * ox;
                    Deinterleave(Vector128.LoadUnsafe(ref source, (nuint)origin), Vector128.LoadUnsafe(ref source, (nuint)(origin + 4)),
                        out var topLeft, out var topRight);
                    Deinterleave(Vector128.LoadUnsafe(ref source, (nuint)(origin + w)), Vector128.LoadUnsafe(ref source, (nuint)(origin + w + 4)),
                        out var bottomLeft, out var bottomRight);
                    var value = topLeft;
                    var offset = Vector128<int>.Zero;
                    Take(ref value, ref offset, topRight, 1);
                    Take(ref value, ref offset, bottomLeft, w);
                    Take(ref value, ref offset, bottomRight, w + 1);
                    value.StoreUnsafe(ref values, (nuint)(oy * ow + ox));
                    if (record) (offset + Vector128.Create(origin) + twice).StoreUnsafe(ref where, (nuint)(oy * ow + ox));
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Take(ref Vector128<float> value, ref Vector128<int> offset, Vector128<float> candidate, int candidateOffset)
        {
            var take = Vector128.GreaterThan(candidate, value) | ~Vector128.Equals(candidate, candidate);
            value = Vector128.ConditionalSelect(take, candidate, value);
            offset = Vector128.ConditionalSelect(take.AsInt32(), Vector128.Create(candidateOffset), offset);
        }
    }

    /// <summary>Splits 8 consecutive floats into their even and odd elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(Vector128<float> low, Vector128<float> high, out Vector128<float> even, out Vector128<float> odd)
    {
        if (Sse.IsSupported)
        {
            even = Sse.Shuffle(low, high, 0b10_00_10_00);
            odd = Sse.Shuffle(low, high, 0b11_01_11_01);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            even = AdvSimd.Arm64.UnzipEven(low, high);
            odd = AdvSimd.Arm64.UnzipOdd(low, high);
        }
        else
        {
            even = Vector128.Create(Vector128.Shuffle(low, Vector128.Create(0, 2, 0, 2)).GetLower(), Vector128.Shuffle(high, Vector128.Create(0, 2, 0, 2)).GetLower());
            odd = Vector128.Create(Vector128.Shuffle(low, Vector128.Create(1, 3, 1, 3)).GetLower(), Vector128.Shuffle(high, Vector128.Create(1, 3, 1, 3)).GetLower());
        }
    }

    /// <summary>The backward pass of max pooling: <c>dx</c> is cleared, then each <c>dy</c> is added at its argmax.</summary>
    public static void MaxPoolBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, in PoolShape shape)
    {
        int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth;
        Check(dx.Length, dy.Length, shape);
        if (argmax.Length < shape.Planes * outSize)
            throw new ArgumentException($"argmax has {argmax.Length} entries, but {shape.Planes} planes of {shape.OutHeight}x{shape.OutWidth} need {shape.Planes * outSize}.", nameof(argmax));
        fixed (float* pdy = dy, pdx = dx)
        fixed (int* pa = argmax)
            ParallelRange.Run(new MaxPoolBackwardWork(pdy, pa, pdx, planeSize, outSize), shape.Planes, planeSize);
    }

    private readonly struct MaxPoolBackwardWork(float* dy, int* argmax, float* dx, int planeSize, int outSize) : IRangeWork
    {
        public void Run(int start, int end)
        {
            new Span<float>(dx + (long)start * planeSize, (end - start) * planeSize).Clear();
            for (int plane = start; plane < end; plane++)
            {
                float* target = dx + (long)plane * planeSize;
                long source = (long)plane * outSize;
                for (int o = 0; o < outSize; o++) target[argmax[source + o]] += dy[source + o];
            }
        }
    }

    /// <summary><c>y[p, oy, ox] = mean over the window of x</c>.</summary>
    public static void AveragePoolForward(ReadOnlySpan<float> x, Span<float> y, in PoolShape shape)
    {
        Check(x.Length, y.Length, shape);
        fixed (float* px = x, py = y)
            ParallelRange.Run(new AveragePoolWork(px, py, shape, backward: false), shape.Planes, shape.Height * shape.Width);
    }

    /// <summary>The backward pass of average pooling: each output's gradient is shared equally by its window.</summary>
    public static void AveragePoolBackward(ReadOnlySpan<float> dy, Span<float> dx, in PoolShape shape)
    {
        Check(dx.Length, dy.Length, shape);
        fixed (float* pdy = dy, pdx = dx)
            ParallelRange.Run(new AveragePoolWork(pdx, pdy, shape, backward: true), shape.Planes, shape.Height * shape.Width);
    }

    /// <summary>Average pooling over planes <c>start .. end</c>: forward (x to y), or backward (dy to dx, which it clears first).</summary>
    private readonly struct AveragePoolWork(float* input, float* output, PoolShape shape, bool backward) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
            float scale = 1f / (k * k);
            if (backward) new Span<float>(input + (long)start * h * w, (end - start) * h * w).Clear();
            for (int plane = start; plane < end; plane++)
            {
                float* full = input + (long)plane * h * w;
                float* pooled = output + (long)plane * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float* window = full + oy * s * w + ox * s;
                        if (backward)
                        {
                            float share = pooled[oy * ow + ox] * scale;
                            for (int ky = 0; ky < k; ky++)
                            {
                                for (int kx = 0; kx < k; kx++) window[ky * w + kx] += share;
                            }
                            continue;
                        }
                        float sum = 0f;
                        for (int ky = 0; ky < k; ky++)
                        {
                            for (int kx = 0; kx < k; kx++) sum += window[ky * w + kx];
                        }
                        pooled[oy * ow + ox] = sum * scale;
                    }
                }
            }
        }
    }

    /// <summary>Checks that the full-size and pooled operands hold the shape's planes.</summary>
    private static void Check(int fullLength, int pooledLength, in PoolShape shape)
    {
        long full = (long)shape.Planes * shape.Height * shape.Width, pooled = (long)shape.Planes * shape.OutHeight * shape.OutWidth;
        if (fullLength < full || pooledLength < pooled)
            throw new ArgumentException(
                $"Pooling {shape.Planes} planes of {shape.Height}x{shape.Width} to {shape.OutHeight}x{shape.OutWidth} needs {full} and {pooled} floats, but got {fullLength} and {pooledLength}.");
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
