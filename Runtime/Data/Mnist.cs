using System;
using System.Collections.Generic;
using System.IO;

namespace Myelin.Data;

/// <summary>
/// Loads MNIST handwritten digits from IDX files: the 10,000 real digits bundled in <c>Samples/Data/mnist</c>, or the
/// official files (<c>train-images-idx3-ubyte.gz</c> and so on) when you have them.
/// </summary>
/// <remarks>
/// Samples have shape <c>[1, 28, 28]</c> (one channel, 28 rows of 28 pixels) with pixels scaled to [0, 1] as
/// <c>pixel / 255f</c>, and labels 0 to 9: the same as torchvision's <c>ToTensor()</c> on MNIST.
/// </remarks>
public static class Mnist
{
    /// <summary>The height and width of an image.</summary>
    public const int ImageSide = 28;

    /// <summary>The number of classes, the digits 0 to 9.</summary>
    public const int ClassCount = 10;

    /// <summary>The mean pixel of the official 60,000 training images after scaling to [0, 1], as used by PyTorch's MNIST example.</summary>
    public const float PixelMean = 0.1307f;

    /// <summary>The standard deviation of those pixels; <c>Normalization.Scalar(PixelMean, PixelStd)</c> normalises like PyTorch's example.</summary>
    public const float PixelStd = 0.3081f;

    /// <summary>The file name of the bundled images.</summary>
    public const string BundledImagesFile = "mnist-10k-images-idx3-ubyte.gz";

    /// <summary>The file name of the bundled labels.</summary>
    public const string BundledLabelsFile = "mnist-10k-labels-idx1-ubyte.gz";

    /// <summary>The number of bundled digits.</summary>
    public const int BundledCount = 10_000;

    /// <summary>How many of the bundled digits <see cref="SplitBundled"/> uses for training: the first 8,000.</summary>
    public const int BundledTrainCount = 8_000;

    /// <summary>
    /// Loads MNIST from an IDX images file (unsigned bytes, <c>[n, 28, 28]</c>) and an IDX labels file (unsigned bytes,
    /// <c>[n]</c>, each 0 to 9), raw or gzipped.
    /// </summary>
    /// <returns>A dataset of <c>n</c> samples of shape <c>[1, 28, 28]</c>, pixels in [0, 1], 10 classes.</returns>
    /// <exception cref="InvalidDataException">A file is not MNIST-shaped or the files disagree; the message names the file.</exception>
    public static Dataset Load(string imagesPath, string labelsPath)
    {
        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);

        if (images.DataType != IdxDataType.UnsignedByte || images.Rank != 3 || images.Dimensions[1] != ImageSide || images.Dimensions[2] != ImageSide)
            throw new InvalidDataException($"MNIST images file '{imagesPath}' holds {images.DataType} [{string.Join(", ", images.Dimensions)}], but MNIST images are UnsignedByte [n, {ImageSide}, {ImageSide}].");
        if (labels.DataType != IdxDataType.UnsignedByte || labels.Rank != 1)
            throw new InvalidDataException($"MNIST labels file '{labelsPath}' holds {labels.DataType} [{string.Join(", ", labels.Dimensions)}], but MNIST labels are UnsignedByte [n].");
        int count = images.Dimensions[0];
        if (labels.Dimensions[0] != count)
            throw new InvalidDataException($"MNIST labels file '{labelsPath}' has {labels.Dimensions[0]} labels, but images file '{imagesPath}' has {count} images.");

        ReadOnlySpan<byte> labelBytes = labels.AsSpan<byte>();
        var classes = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (labelBytes[i] >= ClassCount)
                throw new InvalidDataException($"MNIST labels file '{labelsPath}' has label {labelBytes[i]} at index {i}; MNIST labels are the digits 0 to 9.");
            classes[i] = labelBytes[i];
        }

        ReadOnlySpan<byte> pixels = images.AsSpan<byte>();
        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) features[i] = pixels[i] / 255f;
        return new Dataset(features, [1, ImageSide, ImageSide], classes, ClassCount);
    }

    /// <summary>Loads the 10,000 bundled digits from the folder <see cref="FindBundledDirectory()"/> finds.</summary>
    public static Dataset LoadBundled() => LoadBundled(FindBundledDirectory());

    /// <summary>Loads the 10,000 bundled digits from <paramref name="directory"/> (which holds <see cref="BundledImagesFile"/> and <see cref="BundledLabelsFile"/>).</summary>
    /// <exception cref="FileNotFoundException">A bundled file is missing from <paramref name="directory"/>.</exception>
    public static Dataset LoadBundled(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string images = Path.Combine(directory, BundledImagesFile);
        string labels = Path.Combine(directory, BundledLabelsFile);
        foreach (string path in (ReadOnlySpan<string>)[images, labels])
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"The bundled MNIST file '{path}' does not exist; '{directory}' should hold {BundledImagesFile} and {BundledLabelsFile} (see Samples/Data/mnist/README.md).", path);
        }
        return Load(images, labels);
    }

    /// <summary>
    /// The fixed split of the bundled digits: the first 8,000 for training and the last 2,000 held out. It is by
    /// position, with no random numbers, so it is the same everywhere; the bundled files interleave the digits so that
    /// both parts have the same class balance (Samples/Data/mnist/README.md lists the counts).
    /// </summary>
    /// <param name="bundled">The dataset from <see cref="LoadBundled()"/>, 10,000 samples in file order.</param>
    public static (Dataset Train, Dataset Test) SplitBundled(Dataset bundled)
    {
        ArgumentNullException.ThrowIfNull(bundled);
        if (bundled.Count != BundledCount || !bundled.HasLabels || bundled.ClassCount != ClassCount)
            throw new ArgumentException($"SplitBundled expects the {BundledCount} bundled digits with {ClassCount} classes in file order, but got {bundled}.", nameof(bundled));
        return (bundled.Slice(0, BundledTrainCount), bundled.Slice(BundledTrainCount, BundledCount - BundledTrainCount));
    }

    /// <summary>
    /// Finds the folder of the bundled files: first a <c>data/mnist</c> or <c>Data/mnist</c> folder in the app's folder
    /// (<see cref="AppContext.BaseDirectory"/>), then <c>Samples/Data/mnist</c> in the app's folder or any folder
    /// above it, then the same from the current directory. Works from <c>dotnet test</c>, <c>dotnet run</c> and a
    /// published app that copies the files next to itself.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No folder holds both files; the message lists every folder tried.</exception>
    public static string FindBundledDirectory() => FindBundledDirectory(AppContext.BaseDirectory, Directory.GetCurrentDirectory());

    internal static string FindBundledDirectory(string appDirectory, string currentDirectory)
    {
        var tried = new List<string>();
        foreach (string folder in (ReadOnlySpan<string>)["data", "Data"])
        {
            if (HasBundledFiles(Path.Combine(appDirectory, folder, "mnist"), tried, out string? found)) return found;
        }
        foreach (string start in (ReadOnlySpan<string>)[appDirectory, currentDirectory])
        {
            for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            {
                if (HasBundledFiles(Path.Combine(directory.FullName, "Samples", "Data", "mnist"), tried, out string? found)) return found;
            }
        }
        throw new DirectoryNotFoundException(
            $"Could not find the bundled MNIST files ({BundledImagesFile}, {BundledLabelsFile}). Looked in:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", tried) + Environment.NewLine +
            "Copy Samples/Data/mnist next to the app as data/mnist, or pass the folder to Mnist.LoadBundled(directory).");
    }

    private static bool HasBundledFiles(string directory, List<string> tried, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? found)
    {
        string full = Path.GetFullPath(directory);
        found = null;
        if (tried.Contains(full)) return false;
        tried.Add(full);
        if (!File.Exists(Path.Combine(full, BundledImagesFile)) || !File.Exists(Path.Combine(full, BundledLabelsFile))) return false;
        found = full;
        return true;
    }
}
