using System;
using System.IO;
using Myelin.Data;

/// <summary>
/// One held-out digit of the bundled MNIST files, read without building the whole 10,000-digit dataset: the bytes of
/// the files are decompressed once, but only this digit's 784 pixels become floats. This is the path whose start-up
/// time docs/deployment.md measures; loading all digits as floats first would take most of it.
/// </summary>
internal static class HeldOutDigit
{
    private const int HeldOutCount = Mnist.BundledCount - Mnist.BundledTrainCount;
    private const int PixelCount = Mnist.ImageSide * Mnist.ImageSide;

    /// <summary>The digit at <paramref name="index"/> of the 2,000 held out (as <see cref="Mnist.SplitBundled"/> splits them), normalised, and its label.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, 2000).</exception>
    /// <exception cref="InvalidDataException">A bundled file does not hold the 10,000 digits it should.</exception>
    public static (float[] Pixels, int Label) Read(int index, Normalization normalization)
    {
        if ((uint)index >= HeldOutCount)
            throw new ArgumentOutOfRangeException(paramName: null, $"The held-out digits are numbered 0 to {HeldOutCount - 1}, so there is no digit {index}.");

        string directory = Mnist.FindBundledDirectory();
        string imagesPath = Path.Combine(directory, Mnist.BundledImagesFile);
        string labelsPath = Path.Combine(directory, Mnist.BundledLabelsFile);
        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);
        if (images.DataType != IdxDataType.UnsignedByte || images.Length != Mnist.BundledCount * PixelCount)
            throw new InvalidDataException($"'{imagesPath}' should hold {Mnist.BundledCount} images of {Mnist.ImageSide}x{Mnist.ImageSide} bytes, but holds {images.DataType} [{string.Join(", ", images.Dimensions)}].");
        if (labels.DataType != IdxDataType.UnsignedByte || labels.Length != Mnist.BundledCount)
            throw new InvalidDataException($"'{labelsPath}' should hold {Mnist.BundledCount} byte labels, but holds {labels.DataType} [{string.Join(", ", labels.Dimensions)}].");

        int row = Mnist.BundledTrainCount + index;
        ReadOnlySpan<byte> bytes = images.AsSpan<byte>().Slice(row * PixelCount, PixelCount);
        var pixels = new float[PixelCount];
        for (int i = 0; i < PixelCount; i++) pixels[i] = bytes[i] / 255f; // [0, 1], as Mnist.Load scales them
        normalization.TransformInPlace(pixels, PixelCount);
        return (pixels, labels.AsSpan<byte>()[row]);
    }
}
