using System;

namespace Myelin;

/// <summary>A ReLU layer, <c>max(x, 0)</c>. After a dense or convolution layer it is fused into that layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute
{
}

/// <summary>A leaky ReLU layer, <c>x &gt; 0 ? x : slope * x</c>. After a dense or convolution layer it is fused into that layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>Declares a leaky ReLU layer.</summary>
    /// <param name="negativeSlope">The slope for negative inputs; PyTorch's default is 0.01. Must be ≥ 0.</param>
    public LeakyReLUAttribute(float negativeSlope = 0.01f) => NegativeSlope = negativeSlope;

    /// <summary>The slope for negative inputs.</summary>
    public float NegativeSlope { get; }
}

/// <summary>A sigmoid layer, <c>1 / (1 + exp(-x))</c>. After a dense or convolution layer it is fused into that layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute
{
}

/// <summary>A tanh layer. After a dense or convolution layer it is fused into that layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute
{
}

/// <summary>
/// A softmax over the features of each sample. As the last layer of a network trained with
/// <see cref="Loss.SoftmaxCrossEntropy"/> it is absorbed by the loss, so training never forms a softmax Jacobian.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
}
