using System;

namespace Myelin;

/// <summary>
/// Inverted dropout, PyTorch's <c>nn.Dropout</c>: in training mode each element is zeroed with probability
/// <see cref="Rate"/> and the rest are scaled by <c>1 / (1 - rate)</c>; in eval mode it is the identity. Masks come
/// from the network's seed and step count, so a run is reproducible.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Declares dropout.</summary>
    /// <param name="rate">The probability of zeroing an element, in [0, 1).</param>
    public DropoutAttribute(float rate) => Rate = rate;

    /// <summary>The probability of zeroing an element.</summary>
    public float Rate { get; }
}

/// <summary>
/// Batch normalisation over the features of a 1-D input, PyTorch's <c>nn.BatchNorm1d</c>, with weight (gamma) and bias
/// (beta), and buffers <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm1DAttribute : LayerAttribute
{
    /// <summary>The running-statistics momentum: <c>running = (1 - m) * running + m * batch</c> (default 0.1).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance for numerical stability (default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>
/// Batch normalisation over the channels of a C×H×W input, PyTorch's <c>nn.BatchNorm2d</c>: statistics are taken over
/// the batch, height and width of each channel.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm2DAttribute : LayerAttribute
{
    /// <summary>The running-statistics momentum: <c>running = (1 - m) * running + m * batch</c> (default 0.1).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance for numerical stability (default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}
