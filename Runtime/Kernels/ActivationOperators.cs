using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// An element-wise activation as a tiny operator: its value, and its derivative written in terms of its OUTPUT
/// <c>y</c>, so that a backward pass needs no saved pre-activation. The drivers in <see cref="ElementwiseKernels"/>
/// hold the SIMD plumbing once; a struct operator makes the JIT compile one specialised loop per activation.
/// </summary>
/// <remarks>
/// The drivers run every element through the vector form of the machine's widest accelerated width (a short tail
/// goes through it too, padded), so an element's result does not depend on where it falls in a span or on how the
/// span is split across threads. The scalar forms serve machines without SIMD.
/// </remarks>
public interface IActivationOperator
{
    /// <summary><c>f(z)</c>.</summary>
    float Apply(float z);

    /// <summary><c>f(z)</c> for four lanes.</summary>
    Vector128<float> Apply(Vector128<float> z);

    /// <summary><c>f(z)</c> for eight lanes.</summary>
    Vector256<float> Apply(Vector256<float> z);

    /// <summary><c>f(z)</c> for sixteen lanes.</summary>
    Vector512<float> Apply(Vector512<float> z);

    /// <summary><c>f'(z)</c> as a function of <c>y = f(z)</c>.</summary>
    float DerivativeFromOutput(float y);

    /// <summary><c>f'(z)</c> as a function of <c>y = f(z)</c>, for four lanes.</summary>
    Vector128<float> DerivativeFromOutput(Vector128<float> y);

    /// <summary><c>f'(z)</c> as a function of <c>y = f(z)</c>, for eight lanes.</summary>
    Vector256<float> DerivativeFromOutput(Vector256<float> y);

    /// <summary><c>f'(z)</c> as a function of <c>y = f(z)</c>, for sixteen lanes.</summary>
    Vector512<float> DerivativeFromOutput(Vector512<float> y);
}

/// <summary><c>f(z) = z</c>, <c>f' = 1</c>.</summary>
public readonly struct IdentityOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => z;

    /// <inheritdoc />
    public Vector128<float> Apply(Vector128<float> z) => z;

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => z;

    /// <inheritdoc />
    public Vector512<float> Apply(Vector512<float> z) => z;

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => 1f;

    /// <inheritdoc />
    public Vector128<float> DerivativeFromOutput(Vector128<float> y) => Vector128<float>.One;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => Vector256<float>.One;

    /// <inheritdoc />
    public Vector512<float> DerivativeFromOutput(Vector512<float> y) => Vector512<float>.One;
}

/// <summary><c>f(z) = max(z, 0)</c>, <c>f' = [y &gt; 0]</c> (0 at 0, as PyTorch).</summary>
public readonly struct ReLUOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => z > 0f ? z : 0f;

    /// <inheritdoc />
    public Vector128<float> Apply(Vector128<float> z) => Vector128.Max(z, Vector128<float>.Zero);

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => Vector256.Max(z, Vector256<float>.Zero);

    /// <inheritdoc />
    public Vector512<float> Apply(Vector512<float> z) => Vector512.Max(z, Vector512<float>.Zero);

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => y > 0f ? 1f : 0f;

    /// <inheritdoc />
    public Vector128<float> DerivativeFromOutput(Vector128<float> y) => Vector128.GreaterThan(y, Vector128<float>.Zero) & Vector128<float>.One;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => Vector256.GreaterThan(y, Vector256<float>.Zero) & Vector256<float>.One;

    /// <inheritdoc />
    public Vector512<float> DerivativeFromOutput(Vector512<float> y) => Vector512.GreaterThan(y, Vector512<float>.Zero) & Vector512<float>.One;
}

/// <summary><c>f(z) = z &gt; 0 ? z : slope·z</c>, <c>f' = y &gt; 0 ? 1 : slope</c> (for slope ≥ 0).</summary>
/// <param name="slope">The negative slope, at least 0.</param>
public readonly struct LeakyReLUOperator(float slope) : IActivationOperator
{
    /// <summary>The negative slope.</summary>
    public float Slope { get; } = slope;

    /// <inheritdoc />
    public float Apply(float z) => z > 0f ? z : Slope * z;

    /// <inheritdoc />
    public Vector128<float> Apply(Vector128<float> z) => Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<float>.Zero), z, z * Slope);

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, z * Slope);

    /// <inheritdoc />
    public Vector512<float> Apply(Vector512<float> z) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), z, z * Slope);

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => y > 0f ? 1f : Slope;

    /// <inheritdoc />
    public Vector128<float> DerivativeFromOutput(Vector128<float> y) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(y, Vector128<float>.Zero), Vector128<float>.One, Vector128.Create(Slope));

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(Slope));

    /// <inheritdoc />
    public Vector512<float> DerivativeFromOutput(Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(Slope));
}

/// <summary><c>f(z) = 1 / (1 + exp(-z))</c>, <c>f' = y (1 - y)</c>.</summary>
/// <remarks>
/// Relative error within a few float ulps everywhere: for large negative <c>z</c> the result is <c>1 / exp(-z)</c>,
/// as accurate as the exponential (<see cref="FastExp"/> in the vector forms), and below about -88 the exponential
/// overflows and the result is 0 (the true value is below the smallest normal float).
/// </remarks>
public readonly struct SigmoidOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => 1f / (1f + MathF.Exp(-z));

    /// <inheritdoc />
    public Vector128<float> Apply(Vector128<float> z) => Vector128<float>.One / (Vector128<float>.One + FastExp.Exp(-z));

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => Vector256<float>.One / (Vector256<float>.One + FastExp.Exp(-z));

    /// <inheritdoc />
    public Vector512<float> Apply(Vector512<float> z) => Vector512<float>.One / (Vector512<float>.One + FastExp.Exp(-z));

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => y * (1f - y);

    /// <inheritdoc />
    public Vector128<float> DerivativeFromOutput(Vector128<float> y) => y * (Vector128<float>.One - y);

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => y * (Vector256<float>.One - y);

    /// <inheritdoc />
    public Vector512<float> DerivativeFromOutput(Vector512<float> y) => y * (Vector512<float>.One - y);
}

/// <summary><c>f(z) = tanh(z)</c>, <c>f' = 1 - y²</c>.</summary>
/// <remarks>
/// The vector forms keep the relative error within a few float ulps over the whole range. For <c>|z| &lt; 0.625</c>
/// they use an odd polynomial, <c>|z| + |z|³·P(z²)</c> (P of degree 4, a Chebyshev fit of <c>(tanh(z)/z - 1)/z²</c>,
/// relative error 1.5e-8 before rounding); above it <c>1 - 2/(exp(2|z|) + 1)</c>; then the sign of <c>z</c>. The latter's
/// absolute error of about 1e-7 is small against a result above 0.55. The formula alone, used near 0, lost all
/// relative accuracy (1.4e-3 at <c>z = 1e-4</c>, 100% at 1e-7).
/// </remarks>
public readonly struct TanhOperator : IActivationOperator
{
    private const float PolynomialLimit = 0.625f;
    private const float P0 = -0.33333328944134255f;
    private const float P1 = 0.13332769736976328f;
    private const float P2 = -0.053850909578513581f;
    private const float P3 = 0.020997178999074751f;
    private const float P4 = -0.0060967141659081976f;

    /// <inheritdoc />
    public float Apply(float z) => MathF.Tanh(z);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z)
    {
        var magnitude = Vector128.Abs(z);
        var s = z * z;
        var polynomial = magnitude + magnitude * s * ((((Vector128.Create(P4) * s + Vector128.Create(P3)) * s + Vector128.Create(P2)) * s
            + Vector128.Create(P1)) * s + Vector128.Create(P0));
        var large = Vector128<float>.One - Vector128.Create(2f) / (FastExp.Exp(magnitude + magnitude) + Vector128<float>.One);
        // Both branches work on |z|; the sign of z (that of -0 too) goes back on at the end.
        var result = Vector128.ConditionalSelect(Vector128.LessThan(magnitude, Vector128.Create(PolynomialLimit)), polynomial, large);
        return result | (z & Vector128.Create(-0f));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z)
    {
        var magnitude = Vector256.Abs(z);
        var s = z * z;
        var polynomial = magnitude + magnitude * s * ((((Vector256.Create(P4) * s + Vector256.Create(P3)) * s + Vector256.Create(P2)) * s
            + Vector256.Create(P1)) * s + Vector256.Create(P0));
        var large = Vector256<float>.One - Vector256.Create(2f) / (FastExp.Exp(magnitude + magnitude) + Vector256<float>.One);
        // Both branches work on |z|; the sign of z (that of -0 too) goes back on at the end.
        var result = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(PolynomialLimit)), polynomial, large);
        return result | (z & Vector256.Create(-0f));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> z)
    {
        var magnitude = Vector512.Abs(z);
        var s = z * z;
        var polynomial = magnitude + magnitude * s * ((((Vector512.Create(P4) * s + Vector512.Create(P3)) * s + Vector512.Create(P2)) * s
            + Vector512.Create(P1)) * s + Vector512.Create(P0));
        var large = Vector512<float>.One - Vector512.Create(2f) / (FastExp.Exp(magnitude + magnitude) + Vector512<float>.One);
        // Both branches work on |z|; the sign of z (that of -0 too) goes back on at the end.
        var result = Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(PolynomialLimit)), polynomial, large);
        return result | (z & Vector512.Create(-0f));
    }

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => 1f - y * y;

    /// <inheritdoc />
    public Vector128<float> DerivativeFromOutput(Vector128<float> y) => Vector128<float>.One - y * y;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => Vector256<float>.One - y * y;

    /// <inheritdoc />
    public Vector512<float> DerivativeFromOutput(Vector512<float> y) => Vector512<float>.One - y * y;
}
