using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// A float vector of one width, so that a kernel can be written once and compiled (by the JIT's struct
/// specialisation) for 512-, 256- and 128-bit vectors. Multiply-adds are fused where the hardware has FMA and a
/// multiply then an add where it does not.
/// </summary>
internal unsafe interface ISimdVector<TSelf> where TSelf : struct, ISimdVector<TSelf>
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TSelf Load(float* source);

    /// <summary>The first <paramref name="count"/> (fewer than <see cref="Count"/>) floats at <paramref name="source"/>, zero above; reads nothing past them.</summary>
    static abstract TSelf LoadTail(float* source, int count);

    static abstract void Store(TSelf value, float* destination);

    static abstract TSelf Broadcast(float value);

    /// <summary><c>a · b + c</c>.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Add(TSelf a, TSelf b);

    static abstract TSelf Multiply(TSelf a, TSelf b);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TSelf value);

    /// <summary>Lane-wise <c>a + b</c>.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>Lane-wise <c>a - b</c>.</summary>
    static abstract TSelf operator -(TSelf a, TSelf b);

    /// <summary>Lane-wise <c>a · b</c> (never fused with a neighbouring add).</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary><c>f(v)</c>.</summary>
    static abstract TSelf Activate<TActivation>(TSelf value, TActivation activation) where TActivation : struct, IActivationOperator;

    /// <summary><c>f'</c> from the output <c>y</c>.</summary>
    static abstract TSelf DerivativeFromOutput<TActivation>(TSelf y, TActivation activation) where TActivation : struct, IActivationOperator;
}

/// <summary>Sixteen floats (AVX-512).</summary>
internal readonly unsafe struct Simd512(Vector512<float> value) : ISimdVector<Simd512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LoadTail(float* source, int count) =>
        new(Avx512F.MaskLoad(source, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), Vector512<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512 value, float* destination) => Vector512.Store(value._value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 MultiplyAdd(Simd512 a, Simd512 b, Simd512 c) => new(Vector512.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Add(Simd512 a, Simd512 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd512 value) => Vector512.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Multiply(Simd512 a, Simd512 b) => new(a._value * b._value);

    public static Simd512 operator +(Simd512 a, Simd512 b) => new(a._value + b._value);

    public static Simd512 operator -(Simd512 a, Simd512 b) => new(a._value - b._value);

    public static Simd512 operator *(Simd512 a, Simd512 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Activate<TActivation>(Simd512 value, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.Apply(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 DerivativeFromOutput<TActivation>(Simd512 y, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.DerivativeFromOutput(y._value));
}

/// <summary>Eight floats (AVX2).</summary>
internal readonly unsafe struct Simd256(Vector256<float> value) : ISimdVector<Simd256>
{
    private readonly Vector256<float> _value = value;

    public static int Count => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Load(float* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LoadTail(float* source, int count)
    {
        if (Avx.IsSupported) return new(Avx.MaskLoad(source, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle()));
        float* padded = stackalloc float[16];
        SimdLoops.Pad(source, count, padded);
        return new(Vector256.Load(padded));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256 value, float* destination) => Vector256.Store(value._value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 MultiplyAdd(Simd256 a, Simd256 b, Simd256 c) => new(Vector256.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Add(Simd256 a, Simd256 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd256 value) => Vector256.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Multiply(Simd256 a, Simd256 b) => new(a._value * b._value);

    public static Simd256 operator +(Simd256 a, Simd256 b) => new(a._value + b._value);

    public static Simd256 operator -(Simd256 a, Simd256 b) => new(a._value - b._value);

    public static Simd256 operator *(Simd256 a, Simd256 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Activate<TActivation>(Simd256 value, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.Apply(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 DerivativeFromOutput<TActivation>(Simd256 y, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.DerivativeFromOutput(y._value));
}

/// <summary>Four floats (SSE, NEON).</summary>
internal readonly unsafe struct Simd128(Vector128<float> value) : ISimdVector<Simd128>
{
    private readonly Vector128<float> _value = value;

    public static int Count => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Load(float* source) => new(Vector128.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LoadTail(float* source, int count)
    {
        if (Avx.IsSupported) return new(Avx.MaskLoad(source, Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle()));
        float* padded = stackalloc float[16];
        SimdLoops.Pad(source, count, padded);
        return new(Vector128.Load(padded));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128 value, float* destination) => Vector128.Store(value._value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Broadcast(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 MultiplyAdd(Simd128 a, Simd128 b, Simd128 c) => new(Vector128.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Add(Simd128 a, Simd128 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd128 value) => Vector128.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Multiply(Simd128 a, Simd128 b) => new(a._value * b._value);

    public static Simd128 operator +(Simd128 a, Simd128 b) => new(a._value + b._value);

    public static Simd128 operator -(Simd128 a, Simd128 b) => new(a._value - b._value);

    public static Simd128 operator *(Simd128 a, Simd128 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Activate<TActivation>(Simd128 value, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.Apply(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 DerivativeFromOutput<TActivation>(Simd128 y, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.DerivativeFromOutput(y._value));
}

/// <summary>One float: the portable fallback, with the same interface.</summary>
internal readonly unsafe struct Simd1(float value) : ISimdVector<Simd1>
{
    private readonly float _value = value;

    public static int Count => 1;

    public static Simd1 Load(float* source) => new(*source);

    public static Simd1 LoadTail(float* source, int count) => new(0f);

    public static void Store(Simd1 value, float* destination) => *destination = value._value;

    public static Simd1 Broadcast(float value) => new(value);

    public static Simd1 MultiplyAdd(Simd1 a, Simd1 b, Simd1 c) => new(float.MultiplyAddEstimate(a._value, b._value, c._value));

    public static Simd1 Add(Simd1 a, Simd1 b) => new(a._value + b._value);

    public static float Sum(Simd1 value) => value._value;

    public static Simd1 Multiply(Simd1 a, Simd1 b) => new(a._value * b._value);

    public static Simd1 operator +(Simd1 a, Simd1 b) => new(a._value + b._value);

    public static Simd1 operator -(Simd1 a, Simd1 b) => new(a._value - b._value);

    public static Simd1 operator *(Simd1 a, Simd1 b) => new(a._value * b._value);

    public static Simd1 Activate<TActivation>(Simd1 value, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.Apply(value._value));

    public static Simd1 DerivativeFromOutput<TActivation>(Simd1 y, TActivation activation) where TActivation : struct, IActivationOperator =>
        new(activation.DerivativeFromOutput(y._value));
}
