using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// The SIMD plumbing of the element-wise kernels, written once: loops over a contiguous run of floats at the machine's
/// widest accelerated width (<see cref="Width"/>), whose last, partial vector is padded through a small buffer rather
/// than handled by scalar code. Every element thus goes through the same vector code wherever it sits in a span, so
/// results do not depend on how a span is cut into parts for threads.
/// </summary>
/// <remarks>
/// The kernels' inner methods are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: compiled fully
/// optimised at their first call rather than tiered, because a tier-0 body (and the on-stack-replacement versions of
/// long loops) calls the small vector helpers instead of inlining them and ran several times slower for the first
/// hundreds of calls, which made benchmark repetitions bimodal. The per-item bodies that take many vector helpers are
/// also kept out of their callers (<see cref="MethodImplOptions.NoInlining"/>) so that each gets its own inlining budget.
/// </remarks>
internal static unsafe class SimdLoops
{
    /// <summary>Floats per vector: 16 (AVX-512), 8 (AVX2), 4 (SSE, NEON) or 1 (no SIMD).</summary>
    public static readonly int Width =
        Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

    /// <summary><c>y[i] = f(x[i])</c> for <paramref name="n"/> floats (<paramref name="y"/> may be <paramref name="x"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T>(float* x, float* y, int n, T f) where T : struct, IActivationOperator
    {
        int i = 0;
        float* pad = stackalloc float[16];
        switch (Width)
        {
            case 16:
                for (; i + 16 <= n; i += 16) Vector512.Store(f.Apply(Vector512.Load(x + i)), y + i);
                if (i < n)
                {
                    Pad(x + i, n - i, pad);
                    Vector512.Store(f.Apply(Vector512.Load(pad)), pad);
                    Unpad(pad, n - i, y + i);
                }
                break;
            case 8:
                for (; i + 8 <= n; i += 8) Vector256.Store(f.Apply(Vector256.Load(x + i)), y + i);
                if (i < n)
                {
                    Pad(x + i, n - i, pad);
                    Vector256.Store(f.Apply(Vector256.Load(pad)), pad);
                    Unpad(pad, n - i, y + i);
                }
                break;
            case 4:
                for (; i + 4 <= n; i += 4) Vector128.Store(f.Apply(Vector128.Load(x + i)), y + i);
                if (i < n)
                {
                    Pad(x + i, n - i, pad);
                    Vector128.Store(f.Apply(Vector128.Load(pad)), pad);
                    Unpad(pad, n - i, y + i);
                }
                break;
            default:
                for (; i < n; i++) y[i] = f.Apply(x[i]);
                break;
        }
    }

    /// <summary><c>m[i] = f(m[i] + bias[i])</c> for <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MapWithBias<T>(float* m, float* bias, int n, T f) where T : struct, IActivationOperator
    {
        int i = 0;
        float* pad = stackalloc float[16];
        float* padBias = stackalloc float[16];
        switch (Width)
        {
            case 16:
                for (; i + 16 <= n; i += 16) Vector512.Store(f.Apply(Vector512.Load(m + i) + Vector512.Load(bias + i)), m + i);
                if (i < n)
                {
                    Pad(m + i, n - i, pad);
                    Pad(bias + i, n - i, padBias);
                    Vector512.Store(f.Apply(Vector512.Load(pad) + Vector512.Load(padBias)), pad);
                    Unpad(pad, n - i, m + i);
                }
                break;
            case 8:
                for (; i + 8 <= n; i += 8) Vector256.Store(f.Apply(Vector256.Load(m + i) + Vector256.Load(bias + i)), m + i);
                if (i < n)
                {
                    Pad(m + i, n - i, pad);
                    Pad(bias + i, n - i, padBias);
                    Vector256.Store(f.Apply(Vector256.Load(pad) + Vector256.Load(padBias)), pad);
                    Unpad(pad, n - i, m + i);
                }
                break;
            case 4:
                for (; i + 4 <= n; i += 4) Vector128.Store(f.Apply(Vector128.Load(m + i) + Vector128.Load(bias + i)), m + i);
                if (i < n)
                {
                    Pad(m + i, n - i, pad);
                    Pad(bias + i, n - i, padBias);
                    Vector128.Store(f.Apply(Vector128.Load(pad) + Vector128.Load(padBias)), pad);
                    Unpad(pad, n - i, m + i);
                }
                break;
            default:
                for (; i < n; i++) m[i] = f.Apply(m[i] + bias[i]);
                break;
        }
    }

    /// <summary><c>dx[i] = dy[i] · f'(from y[i])</c> for <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyByDerivative<T>(float* y, float* dy, float* dx, int n, T f) where T : struct, IActivationOperator
    {
        int i = 0;
        float* pad = stackalloc float[16];
        float* padGradient = stackalloc float[16];
        switch (Width)
        {
            case 16:
                for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(dy + i) * f.DerivativeFromOutput(Vector512.Load(y + i)), dx + i);
                if (i < n)
                {
                    Pad(y + i, n - i, pad);
                    Pad(dy + i, n - i, padGradient);
                    Vector512.Store(Vector512.Load(padGradient) * f.DerivativeFromOutput(Vector512.Load(pad)), pad);
                    Unpad(pad, n - i, dx + i);
                }
                break;
            case 8:
                for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(dy + i) * f.DerivativeFromOutput(Vector256.Load(y + i)), dx + i);
                if (i < n)
                {
                    Pad(y + i, n - i, pad);
                    Pad(dy + i, n - i, padGradient);
                    Vector256.Store(Vector256.Load(padGradient) * f.DerivativeFromOutput(Vector256.Load(pad)), pad);
                    Unpad(pad, n - i, dx + i);
                }
                break;
            case 4:
                for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(dy + i) * f.DerivativeFromOutput(Vector128.Load(y + i)), dx + i);
                if (i < n)
                {
                    Pad(y + i, n - i, pad);
                    Pad(dy + i, n - i, padGradient);
                    Vector128.Store(Vector128.Load(padGradient) * f.DerivativeFromOutput(Vector128.Load(pad)), pad);
                    Unpad(pad, n - i, dx + i);
                }
                break;
            default:
                for (; i < n; i++) dx[i] = dy[i] * f.DerivativeFromOutput(y[i]);
                break;
        }
    }

    /// <summary>
    /// <c>Σ x[i]</c> over <paramref name="n"/> floats: four vector accumulators over blocks of four vectors (lane j of
    /// accumulator a sums the elements at <c>4·W·block + a·W + j</c>), combined pairwise, then across lanes; a fixed
    /// order that depends only on <paramref name="n"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(float* x, int n)
    {
        int i = 0;
        float* pad = stackalloc float[16];
        switch (Width)
        {
            case 16:
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i + 64 <= n; i += 64)
                {
                    a0 += Vector512.Load(x + i);
                    a1 += Vector512.Load(x + i + 16);
                    a2 += Vector512.Load(x + i + 32);
                    a3 += Vector512.Load(x + i + 48);
                }
                for (; i + 16 <= n; i += 16) a0 += Vector512.Load(x + i);
                if (i < n)
                {
                    Pad(x + i, n - i, pad);
                    a1 += Vector512.Load(pad);
                }
                return Vector512.Sum((a0 + a1) + (a2 + a3));
            }
            case 8:
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i + 32 <= n; i += 32)
                {
                    a0 += Vector256.Load(x + i);
                    a1 += Vector256.Load(x + i + 8);
                    a2 += Vector256.Load(x + i + 16);
                    a3 += Vector256.Load(x + i + 24);
                }
                for (; i + 8 <= n; i += 8) a0 += Vector256.Load(x + i);
                if (i < n)
                {
                    Pad(x + i, n - i, pad);
                    a1 += Vector256.Load(pad);
                }
                return Vector256.Sum((a0 + a1) + (a2 + a3));
            }
            case 4:
            {
                Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i + 16 <= n; i += 16)
                {
                    a0 += Vector128.Load(x + i);
                    a1 += Vector128.Load(x + i + 4);
                    a2 += Vector128.Load(x + i + 8);
                    a3 += Vector128.Load(x + i + 12);
                }
                for (; i + 4 <= n; i += 4) a0 += Vector128.Load(x + i);
                if (i < n)
                {
                    Pad(x + i, n - i, pad);
                    a1 += Vector128.Load(pad);
                }
                return Vector128.Sum((a0 + a1) + (a2 + a3));
            }
            default:
            {
                float total = 0f;
                for (; i < n; i++) total += x[i];
                return total;
            }
        }
    }

    /// <summary><c>y[i] += x[i]</c> for <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(float* y, float* x, int n)
    {
        int i = 0;
        switch (Width)
        {
            case 16:
                for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(y + i) + Vector512.Load(x + i), y + i);
                break;
            case 8:
                for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
                break;
            case 4:
                for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(y + i) + Vector128.Load(x + i), y + i);
                break;
        }
        // Addition is exact per element whatever the width, so a scalar tail gives the same bits as a vector would.
        for (; i < n; i++) y[i] += x[i];
    }

    /// <summary>Copies <paramref name="count"/> floats (less than a vector) into a zeroed 16-float buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pad(float* source, int count, float* buffer)
    {
        for (int i = 0; i < 16; i++) buffer[i] = i < count ? source[i] : 0f;
    }

    /// <summary>Copies the first <paramref name="count"/> floats of a padded buffer back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpad(float* buffer, int count, float* destination)
    {
        for (int i = 0; i < count; i++) destination[i] = buffer[i];
    }
}

/// <summary><c>f(z + shift)</c>: an activation after adding a constant (a channel's bias).</summary>
internal readonly struct Shifted<T>(T inner, float shift) : IActivationOperator where T : struct, IActivationOperator
{
    private readonly T _inner = inner;
    private readonly float _shift = shift;

    public float Apply(float z) => _inner.Apply(z + _shift);

    public Vector128<float> Apply(Vector128<float> z) => _inner.Apply(z + Vector128.Create(_shift));

    public Vector256<float> Apply(Vector256<float> z) => _inner.Apply(z + Vector256.Create(_shift));

    public Vector512<float> Apply(Vector512<float> z) => _inner.Apply(z + Vector512.Create(_shift));

    public float DerivativeFromOutput(float y) => _inner.DerivativeFromOutput(y);

    public Vector128<float> DerivativeFromOutput(Vector128<float> y) => _inner.DerivativeFromOutput(y);

    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => _inner.DerivativeFromOutput(y);

    public Vector512<float> DerivativeFromOutput(Vector512<float> y) => _inner.DerivativeFromOutput(y);
}
