using Myelin.Data;
using MnistFiles = Myelin.Data.Mnist;
using Myelin.Samples.Mnist;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Display;
using Myelin.Training;

namespace Myelin.Samples.Tests;

public class DisplayTests
{
    [Fact]
    public void Digit_art_maps_each_pixel_to_two_characters_by_intensity()
    {
        var pixels = new float[28 * 28];
        pixels[0] = 1f;            // row 0, column 0: full ink
        pixels[28 + 27] = 0.55f;   // row 1, column 27: floor(5.5) = ramp index 5
        pixels[27 * 28 + 3] = 0.05f; // row 27, column 3: below 0.1 stays blank

        var lines = DigitArt.Render(pixels);

        Assert.Equal(30, lines.Count);
        Assert.Equal("+" + new string('-', 56) + "+", lines[0]);
        Assert.Equal(lines[0], lines[^1]);
        Assert.Equal("|@@" + new string(' ', 54) + "|", lines[1]);
        Assert.Equal("|" + new string(' ', 54) + "++|", lines[2]);
        Assert.Equal("|" + new string(' ', 56) + "|", lines[28]);
    }

    [Fact]
    public void Digit_art_rejects_an_image_that_is_not_28_by_28()
    {
        var error = Assert.Throws<ArgumentException>(() => DigitArt.Render(new float[100]));

        Assert.StartsWith("An MNIST image has 784 pixels (28x28), but got 100.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_confusion_matrix_agrees_with_the_runtime_accuracy_and_counts_every_sample()
    {
        var (train, test) = MnistFiles.SplitBundled(MnistFiles.LoadBundled());
        var normalization = ModelFile.Standard;
        var network = new MnistMlp(3);
        network.Fit(normalization.Transform(train.Slice(0, 2000)), new FitOptions { Epochs = 1, Seed = 3 });
        var heldOut = normalization.Transform(test);

        var matrix = ConfusionMatrix.Compute(network, heldOut);

        // Reference: the runtime's Accuracy metric, computed in Evaluate independently of the matrix.
        Assert.Equal(network.Evaluate(heldOut).Accuracy, matrix.Accuracy, precision: 12);
        Assert.Equal(test.Count, matrix.Total);
        var rowTotals = Enumerable.Range(0, 10).Select(t => Enumerable.Range(0, 10).Sum(p => matrix[t, p])).ToArray();
        Assert.Equal(test.ClassCounts(), rowTotals);
        Assert.Equal(matrix.Correct, Enumerable.Range(0, 10).Sum(d => matrix[d, d]));
    }

    [Theory]
    [InlineData("0.1307,0.3081", 0.1307f, 0.3081f)]
    [InlineData("0.5,0.25", 0.5f, 0.25f)]
    public void A_stored_normalisation_reads_back_as_mean_and_std(string text, float mean, float std)
    {
        var normalization = ModelFile.Parse(text, "m.safetensors")!;

        Assert.Equal((mean, std), (normalization.Mean[0], normalization.Std[0]));
        Assert.Equal(text, ModelFile.Format(normalization));
    }

    [Fact]
    public void No_normalisation_is_stored_as_none()
    {
        Assert.Equal("none", ModelFile.Format(null));
        Assert.Null(ModelFile.Parse("none", "m.safetensors"));
    }

    [Theory]
    [InlineData("0.1307")]
    [InlineData("0.1307,0")]
    [InlineData("mean,std")]
    public void A_bad_stored_normalisation_names_the_file_and_the_value(string text)
    {
        var error = Assert.Throws<UsageException>(() => ModelFile.Parse(text, "m.safetensors"));

        Assert.Equal($"Checkpoint 'm.safetensors' has normalize='{text}'; expected 'mean,std' (such as 0.1307,0.3081) or 'none'.", error.Message);
        Assert.Equal(ExitCodes.Failure, error.ExitCode);
    }
}
