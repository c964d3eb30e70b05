using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// An element-wise activation as a tiny operator: its value, and its derivative written in terms of its OUTPUT
/// <c>y</c>, so that a backward pass needs no saved pre-activation. The drivers in <see cref="ElementwiseKernels"/>
/// hold the SIMD plumbing once; a struct operator makes the JIT compile one specialised loop per activation.
/// </summary>
public interface IActivationOperator
{
    /// <summary><c>f(z)</c>.</summary>
    float Apply(float z);

    /// <summary><c>f(z)</c> for eight lanes.</summary>
    Vector256<float> Apply(Vector256<float> z);

    /// <summary><c>f'(z)</c> as a function of <c>y = f(z)</c>.</summary>
    float DerivativeFromOutput(float y);

    /// <summary><c>f'(z)</c> as a function of <c>y = f(z)</c>, for eight lanes.</summary>
    Vector256<float> DerivativeFromOutput(Vector256<float> y);
}

/// <summary><c>f(z) = z</c>, <c>f' = 1</c>.</summary>
public readonly struct IdentityOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => z;

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => z;

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => 1f;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => Vector256<float>.One;
}

/// <summary><c>f(z) = max(z, 0)</c>, <c>f' = [y &gt; 0]</c> (0 at 0, as PyTorch).</summary>
public readonly struct ReLUOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => z > 0f ? z : 0f;

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => Vector256.Max(z, Vector256<float>.Zero);

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => y > 0f ? 1f : 0f;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero);
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
    public Vector256<float> Apply(Vector256<float> z) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, z * Slope);

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => y > 0f ? 1f : Slope;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(Slope));
}

/// <summary><c>f(z) = 1 / (1 + exp(-z))</c>, <c>f' = y (1 - y)</c>.</summary>
public readonly struct SigmoidOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => 1f / (1f + MathF.Exp(-z));

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-z));

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => y * (1f - y);

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => y * (Vector256<float>.One - y);
}

/// <summary><c>f(z) = tanh(z)</c>, <c>f' = 1 - y²</c>.</summary>
public readonly struct TanhOperator : IActivationOperator
{
    /// <inheritdoc />
    public float Apply(float z) => MathF.Tanh(z);

    /// <inheritdoc />
    public Vector256<float> Apply(Vector256<float> z)
    {
        // tanh(z) = 1 - 2 / (exp(2z) + 1): exact limits ±1 for large |z|, absolute error ~1e-7 near 0.
        var two = Vector256.Create(2f);
        return Vector256<float>.One - two / (Vector256.Exp(z * two) + Vector256<float>.One);
    }

    /// <inheritdoc />
    public float DerivativeFromOutput(float y) => 1f - y * y;

    /// <inheritdoc />
    public Vector256<float> DerivativeFromOutput(Vector256<float> y) => Vector256<float>.One - y * y;
}
