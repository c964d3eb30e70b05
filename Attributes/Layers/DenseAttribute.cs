using System;

namespace Myelin;

/// <summary>
/// A fully connected layer, PyTorch's <c>nn.Linear</c>: <c>y = act(x · Wᵀ + b)</c>, with weight <c>[units, in]</c>
/// (row-major) and bias <c>[units]</c>. Its input must be 1-D (put a <see cref="FlattenAttribute"/> after images) or a
/// sequence <c>[steps, in]</c>, to which it applies at every step, as Keras's <c>TimeDistributed(Dense)</c> and PyTorch's
/// <c>nn.Linear</c> on <c>[batch, steps, in]</c>: the output is <c>[steps, units]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Declares a dense layer.</summary>
    /// <param name="units">The number of outputs.</param>
    /// <param name="activation">The activation fused into the layer.</param>
    public DenseAttribute(int units, Activation activation = Activation.None)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>The number of outputs.</summary>
    public int Units { get; }

    /// <summary>The activation fused into the layer.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01, as in PyTorch).</summary>
    public float NegativeSlope { get; set; } = 0.01f;

    /// <summary>How the weight is initialised.</summary>
    public Init WeightInit { get; set; }

    /// <summary>How the bias is initialised.</summary>
    public Init BiasInit { get; set; }
}
