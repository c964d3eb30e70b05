using System.IO.Compression;
using static Myelin.Samples.Tests.ErrorPathTests;

namespace Myelin.Samples.Tests;

/// <summary>Training that cannot produce a useful network fails with one error line and exit code 1, and saves nothing.</summary>
public class TrainingFailureTests
{
    [Fact]
    public void A_learning_rate_of_a_million_stops_training_as_diverged_and_saves_nothing()
    {
        using var temp = new TempDirectory();
        string model = temp.File("model.safetensors"), plot = temp.File("curves.png");

        var result = AppHarness.Run("train", "--lr", "1e6", "--epochs", "3", "--save", model, "--plot", plot);

        string line = Assert.Single(ErrorLines(result, exitCode: 1));
        Assert.Matches(@"^error: Training diverged in epoch 1, batch \d+: ", line);
        Assert.False(File.Exists(model));
        Assert.False(File.Exists(plot));
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
        Assert.DoesNotContain("Saved the network", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_folder_whose_files_hold_no_digits_is_refused_before_training()
    {
        using var temp = new TempDirectory();
        // Valid IDX files with zero items: images [0, 28, 28] and labels [0], gzipped as the official ones are.
        WriteGzip(temp.File("train-images-idx3-ubyte.gz"), [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]);
        WriteGzip(temp.File("train-labels-idx1-ubyte.gz"), [0, 0, 8, 1, 0, 0, 0, 0]);
        WriteGzip(temp.File("t10k-images-idx3-ubyte.gz"), [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]);
        WriteGzip(temp.File("t10k-labels-idx1-ubyte.gz"), [0, 0, 8, 1, 0, 0, 0, 0]);

        var result = AppHarness.Run("train", "--data", temp.Path);

        Assert.Equal(["error: The training data has no samples; Fit needs at least one."], ErrorLines(result, exitCode: 1));
        Assert.DoesNotContain("Epoch", result.Output, StringComparison.Ordinal);
    }

    private static void WriteGzip(string path, byte[] content)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
    }
}
