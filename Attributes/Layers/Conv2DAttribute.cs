using System;

namespace Myelin;

/// <summary>
/// A 2-D convolution over NCHW input, PyTorch's <c>nn.Conv2d</c> (cross-correlation), with weight
/// <c>[filters, in_channels, kernel, kernel]</c> and bias <c>[filters]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <summary>Declares a convolution.</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The height and width of the square kernel.</param>
    /// <param name="activation">The activation fused into the layer.</param>
    public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.None)
    {
        Filters = filters;
        KernelSize = kernelSize;
        Activation = activation;
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The kernel's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The activation fused into the layer.</summary>
    public Activation Activation { get; }

    /// <summary>The stride in both directions (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Valid (no padding) or same. Setting both <see cref="Padding.Same"/> and <see cref="PaddingSize"/> is an error (MYL0024).</summary>
    public Padding Padding { get; set; }

    /// <summary>Explicit zero padding on every side, PyTorch's <c>padding=n</c>. Default 0.</summary>
    public int PaddingSize { get; set; }

    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01).</summary>
    public float NegativeSlope { get; set; } = 0.01f;

    /// <summary>How the weight is initialised.</summary>
    public Init WeightInit { get; set; }

    /// <summary>How the bias is initialised.</summary>
    public Init BiasInit { get; set; }
}
