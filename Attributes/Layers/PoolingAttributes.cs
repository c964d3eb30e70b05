using System;

namespace Myelin;

/// <summary>2-D max pooling over each channel, PyTorch's <c>nn.MaxPool2d</c> (no padding, floor mode).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : LayerAttribute
{
    /// <summary>Declares max pooling.</summary>
    /// <param name="kernelSize">The window's height and width.</param>
    public MaxPool2DAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The stride; 0 (the default) means the kernel size, as in PyTorch.</summary>
    public int Stride { get; set; }
}

/// <summary>2-D average pooling over each channel, PyTorch's <c>nn.AvgPool2d</c> (no padding, floor mode).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : LayerAttribute
{
    /// <summary>Declares average pooling.</summary>
    /// <param name="kernelSize">The window's height and width.</param>
    public AvgPool2DAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The stride; 0 (the default) means the kernel size, as in PyTorch.</summary>
    public int Stride { get; set; }
}

/// <summary>Global average pooling: each channel of a C×H×W input becomes its mean, giving a 1-D output of C features.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPool2DAttribute : LayerAttribute
{
}
