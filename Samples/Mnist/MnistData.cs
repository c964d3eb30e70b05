using System.Globalization;
using System.IO;
using Myelin.Data;
using Myelin.Samples.Mnist.Cli;
using MnistFiles = Myelin.Data.Mnist;

namespace Myelin.Samples.Mnist;

/// <summary>Training and held-out digits with a name for each part, e.g. "8,000 bundled digits".</summary>
/// <param name="Train">The training digits, pixels in [0, 1].</param>
/// <param name="Test">The held-out digits, pixels in [0, 1].</param>
/// <param name="TrainName">What <paramref name="Train"/> is, for headers.</param>
/// <param name="TestName">What <paramref name="Test"/> is, for headers.</param>
internal sealed record MnistSplit(Dataset Train, Dataset Test, string TrainName, string TestName);

/// <summary>
/// Where the app's digits come from: the 10,000 bundled ones (first 8,000 to train, last 2,000 held out), or the
/// official files in a folder given with <c>--data</c> (60,000 to train, the 10,000 test digits held out).
/// </summary>
internal static class MnistData
{
    /// <summary>The official file names, without the optional <c>.gz</c>.</summary>
    public const string TrainImages = "train-images-idx3-ubyte", TrainLabels = "train-labels-idx1-ubyte",
        TestImages = "t10k-images-idx3-ubyte", TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>Both parts: the bundled split, or the official training and test files in <paramref name="directory"/>.</summary>
    public static MnistSplit Load(string? directory)
    {
        if (directory is null)
        {
            var (train, test) = MnistFiles.SplitBundled(MnistFiles.LoadBundled());
            return new MnistSplit(train, test, $"{Count(train)} bundled digits", $"{Count(test)} held-out bundled digits");
        }
        var trainSet = MnistFiles.Load(Find(directory, TrainImages), Find(directory, TrainLabels));
        var testSet = MnistFiles.Load(Find(directory, TestImages), Find(directory, TestLabels));
        return new MnistSplit(trainSet, testSet, $"{Count(trainSet)} official training digits", $"{Count(testSet)} official test digits");
    }

    /// <summary>Only the held-out part (for <c>evaluate</c> and <c>predict</c>): the bundled 2,000 or the official test files.</summary>
    public static (Dataset Test, string Name) LoadTest(string? directory)
    {
        if (directory is null)
        {
            var (_, test) = MnistFiles.SplitBundled(MnistFiles.LoadBundled());
            return (test, $"{Count(test)} held-out bundled digits");
        }
        var testSet = MnistFiles.Load(Find(directory, TestImages), Find(directory, TestLabels));
        return (testSet, $"{Count(testSet)} official test digits");
    }

    /// <summary>"8,000 digits"-style counts.</summary>
    public static string Count(Dataset data) => data.Count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The file <paramref name="name"/> or <paramref name="name"/>.gz in <paramref name="directory"/>.</summary>
    private static string Find(string directory, string name)
    {
        if (!Directory.Exists(directory))
            throw new UsageException($"--data: the folder '{directory}' does not exist.", ExitCodes.Failure);
        foreach (string candidate in (string[])[name, name + ".gz"])
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new UsageException(
            $"--data: '{directory}' has no {name} or {name}.gz; it should hold the official MNIST files " +
            $"({TrainImages}, {TrainLabels}, {TestImages}, {TestLabels}, each optionally gzipped).", ExitCodes.Failure);
    }
}
