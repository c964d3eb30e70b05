using System;
using Myelin.Data;

namespace Myelin.Benchmarks.Data;

/// <summary>
/// The fixed input of every benchmark: the first <see cref="Size"/> bundled MNIST digits, normalised as PyTorch's MNIST
/// example does (<c>(pixel / 255 - 0.1307) / 0.3081</c>), with their labels. Real digits rather than random numbers, so
/// that ReLU sparsity and max-pool choices are those of real training.
/// </summary>
internal sealed class DigitBatch
{
    /// <summary>The largest batch benchmarked.</summary>
    public const int Size = 256;

    private static readonly Lazy<DigitBatch> s_instance = new(Load);

    private DigitBatch(float[] pixels, int[] labels)
    {
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>The batch, loaded once per process.</summary>
    public static DigitBatch Instance => s_instance.Value;

    /// <summary>[256, 1, 28, 28] normalised pixels, sample after sample (the MLP reads each sample as [784]).</summary>
    public float[] Pixels { get; }

    /// <summary>[256] class indices 0 to 9.</summary>
    public int[] Labels { get; }

    private static DigitBatch Load()
    {
        Dataset first = Mnist.LoadBundled().Slice(0, Size);
        Dataset normalised = Normalization.Scalar(Mnist.PixelMean, Mnist.PixelStd).Transform(first);
        return new DigitBatch(normalised.Features.ToArray(), normalised.Labels.ToArray());
    }
}
