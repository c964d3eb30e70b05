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
    public static void Map<T>(float* x, float* y, int n, T f) where T : struct, IActivationOperator
    {
        switch (Width)
        {
            case 16: Map<Simd512, T>(x, y, n, f); break;
            case 8: Map<Simd256, T>(x, y, n, f); break;
            case 4: Map<Simd128, T>(x, y, n, f); break;
            default: Map<Simd1, T>(x, y, n, f); break;
        }
    }

    /// <summary><c>m[i] = f(m[i] + bias[i])</c> for <paramref name="n"/> floats.</summary>
    public static void MapWithBias<T>(float* m, float* bias, int n, T f) where T : struct, IActivationOperator => SumMap(m, bias, m, n, f);

    /// <summary><c>y[i] = f(a[i] + b[i])</c> for <paramref name="n"/> floats (<paramref name="y"/> may be either input).</summary>
    public static void SumMap<T>(float* a, float* b, float* y, int n, T f) where T : struct, IActivationOperator
    {
        switch (Width)
        {
            case 16: SumMap<Simd512, T>(a, b, y, n, f); break;
            case 8: SumMap<Simd256, T>(a, b, y, n, f); break;
            case 4: SumMap<Simd128, T>(a, b, y, n, f); break;
            default: SumMap<Simd1, T>(a, b, y, n, f); break;
        }
    }

    /// <summary>
    /// <c>dz = dy[i] · f'(from y[i])</c> for <paramref name="n"/> floats, written (or, with <paramref name="addFirst"/>,
    /// added) to <paramref name="first"/>, and likewise to <paramref name="second"/> unless it is null.
    /// </summary>
    public static void SpreadDerivative<T>(float* y, float* dy, float* first, bool addFirst, float* second, bool addSecond, int n, T f)
        where T : struct, IActivationOperator
    {
        switch (Width)
        {
            case 16: SpreadDerivative<Simd512, T>(y, dy, first, addFirst, second, addSecond, n, f); break;
            case 8: SpreadDerivative<Simd256, T>(y, dy, first, addFirst, second, addSecond, n, f); break;
            case 4: SpreadDerivative<Simd128, T>(y, dy, first, addFirst, second, addSecond, n, f); break;
            default: SpreadDerivative<Simd1, T>(y, dy, first, addFirst, second, addSecond, n, f); break;
        }
    }

    /// <summary><c>dx[i] = dy[i] · f'(from y[i])</c> for <paramref name="n"/> floats.</summary>
    public static void MultiplyByDerivative<T>(float* y, float* dy, float* dx, int n, T f) where T : struct, IActivationOperator
    {
        switch (Width)
        {
            case 16: MultiplyByDerivative<Simd512, T>(y, dy, dx, n, f); break;
            case 8: MultiplyByDerivative<Simd256, T>(y, dy, dx, n, f); break;
            case 4: MultiplyByDerivative<Simd128, T>(y, dy, dx, n, f); break;
            default: MultiplyByDerivative<Simd1, T>(y, dy, dx, n, f); break;
        }
    }

    /// <summary>
    /// <c>Σ x[i]</c> over <paramref name="n"/> floats: four vector accumulators over blocks of four vectors (lane j of
    /// accumulator a sums the elements at <c>4·W·block + a·W + j</c>), combined pairwise, then across lanes; a fixed
    /// order that depends only on <paramref name="n"/>.
    /// </summary>
    public static float Sum(float* x, int n) => Width switch
    {
        16 => Sum<Simd512>(x, n),
        8 => Sum<Simd256>(x, n),
        4 => Sum<Simd128>(x, n),
        _ => Sum<Simd1>(x, n),
    };

    /// <summary><c>y[i] += x[i]</c> for <paramref name="n"/> floats.</summary>
    public static void Add(float* y, float* x, int n)
    {
        switch (Width)
        {
            case 16: Add<Simd512>(y, x, n); break;
            case 8: Add<Simd256>(y, x, n); break;
            case 4: Add<Simd128>(y, x, n); break;
            default: Add<Simd1>(y, x, n); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Map<TV, T>(float* x, float* y, int n, T f) where TV : struct, ISimdVector<TV> where T : struct, IActivationOperator
    {
        int i = 0, v = TV.Count;
        for (; i + v <= n; i += v) TV.Store(TV.Activate(TV.Load(x + i), f), y + i);
        if (i == n) return;
        float* pad = stackalloc float[16];
        Pad(x + i, n - i, pad);
        TV.Store(TV.Activate(TV.Load(pad), f), pad);
        Unpad(pad, n - i, y + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumMap<TV, T>(float* a, float* b, float* y, int n, T f) where TV : struct, ISimdVector<TV> where T : struct, IActivationOperator
    {
        int i = 0, v = TV.Count;
        for (; i + v <= n; i += v) TV.Store(TV.Activate(TV.Add(TV.Load(a + i), TV.Load(b + i)), f), y + i);
        if (i == n) return;
        float* pad = stackalloc float[16];
        float* padB = stackalloc float[16];
        Pad(a + i, n - i, pad);
        Pad(b + i, n - i, padB);
        TV.Store(TV.Activate(TV.Add(TV.Load(pad), TV.Load(padB)), f), pad);
        Unpad(pad, n - i, y + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SpreadDerivative<TV, T>(float* y, float* dy, float* first, bool addFirst, float* second, bool addSecond, int n, T f)
        where TV : struct, ISimdVector<TV> where T : struct, IActivationOperator
    {
        int i = 0, v = TV.Count;
        for (; i + v <= n; i += v)
        {
            TV dz = TV.Multiply(TV.Load(dy + i), TV.DerivativeFromOutput(TV.Load(y + i), f));
            TV.Store(addFirst ? TV.Add(TV.Load(first + i), dz) : dz, first + i);
            if (second != null) TV.Store(addSecond ? TV.Add(TV.Load(second + i), dz) : dz, second + i);
        }
        if (i == n) return;
        float* pad = stackalloc float[16];
        float* padGradient = stackalloc float[16];
        Pad(y + i, n - i, pad);
        Pad(dy + i, n - i, padGradient);
        TV tail = TV.Multiply(TV.Load(padGradient), TV.DerivativeFromOutput(TV.Load(pad), f));
        TV.Store(tail, pad);
        // Added in float per element: the same bits as the vector form.
        for (int j = 0; j < n - i; j++)
        {
            first[i + j] = addFirst ? first[i + j] + pad[j] : pad[j];
            if (second != null) second[i + j] = addSecond ? second[i + j] + pad[j] : pad[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyByDerivative<TV, T>(float* y, float* dy, float* dx, int n, T f)
        where TV : struct, ISimdVector<TV> where T : struct, IActivationOperator
    {
        int i = 0, v = TV.Count;
        for (; i + v <= n; i += v) TV.Store(TV.Multiply(TV.Load(dy + i), TV.DerivativeFromOutput(TV.Load(y + i), f)), dx + i);
        if (i == n) return;
        float* pad = stackalloc float[16];
        float* padGradient = stackalloc float[16];
        Pad(y + i, n - i, pad);
        Pad(dy + i, n - i, padGradient);
        TV.Store(TV.Multiply(TV.Load(padGradient), TV.DerivativeFromOutput(TV.Load(pad), f)), pad);
        Unpad(pad, n - i, dx + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum<TV>(float* x, int n) where TV : struct, ISimdVector<TV>
    {
        int i = 0, v = TV.Count;
        TV a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i + 4 * v <= n; i += 4 * v)
        {
            a0 = TV.Add(a0, TV.Load(x + i));
            a1 = TV.Add(a1, TV.Load(x + i + v));
            a2 = TV.Add(a2, TV.Load(x + i + 2 * v));
            a3 = TV.Add(a3, TV.Load(x + i + 3 * v));
        }
        for (; i + v <= n; i += v) a0 = TV.Add(a0, TV.Load(x + i));
        if (i < n)
        {
            float* pad = stackalloc float[16];
            Pad(x + i, n - i, pad);
            a1 = TV.Add(a1, TV.Load(pad));
        }
        return TV.Sum(TV.Add(TV.Add(a0, a1), TV.Add(a2, a3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add<TV>(float* y, float* x, int n) where TV : struct, ISimdVector<TV>
    {
        int i = 0, v = TV.Count;
        for (; i + v <= n; i += v) TV.Store(TV.Add(TV.Load(y + i), TV.Load(x + i)), y + i);
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
