using Myelin.Checkpoints;
using Myelin.Data;
using MnistFiles = Myelin.Data.Mnist;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Commands;

namespace Myelin.Samples.Tests;

/// <summary><c>train --augment</c> and <c>--augment-recipe</c>: parsing, the background fill, and what a saved model records.</summary>
public class AugmentOptionTests
{
    private static TrainOptions Parse(params string[] args) => Assert.IsType<TrainOptions>(CommandLine.Parse(args).Options);

    /// <summary>The value of a blank corner pixel of the training digits as the network sees them.</summary>
    private static float Background(bool normalize)
    {
        var (train, _) = MnistFiles.SplitBundled(MnistFiles.LoadBundled());
        Assert.Equal(0f, train.Features[0]); // the top-left pixel of the first digit is blank
        return normalize ? Normalization.Scalar(MnistFiles.PixelMean, MnistFiles.PixelStd).Transform(train).Features[0] : 0f;
    }

    [Fact]
    public void Training_is_not_augmented_unless_asked()
    {
        Assert.Null(Parse("train").Augment);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Augment_takes_the_default_recipe_filled_with_the_background_of_the_inputs(bool normalize)
    {
        var options = normalize ? Parse("train", "--augment") : Parse("train", "--augment", "--no-normalize");

        float background = Background(normalize);
        Assert.Equal(new Augment().Shift(2).Rotate(10).Scale(0.1).Fill(background), options.Augment);
        Assert.Equal(normalize ? -0.1307 / 0.3081 : 0, background, 1e-6);
    }

    [Fact]
    public void A_recipe_names_the_transforms_and_implies_augment()
    {
        var options = Parse("train", "--augment-recipe", "elastic=34:4, erase=0.5,rotate=5");

        Assert.Equal(new Augment().Rotate(5).Elastic(34, 4).Erase(0.5).Fill(Background(normalize: true)), options.Augment);
        Assert.Equal(options, Parse("train", "--augment", "--augment-recipe", "elastic=34:4, erase=0.5,rotate=5"));
    }

    [Fact]
    public void A_recipe_of_none_trains_on_the_digits_as_they_are()
    {
        Assert.Null(Parse("train", "--augment-recipe", "none").Augment);
    }

    [Theory]
    [InlineData("twist=3", "Invalid value for --augment-recipe: Augmentation recipe 'twist=3': unknown transform 'twist'; the transforms are shift, rotate, scale, elastic, erase, fill.")]
    [InlineData("rotate=ten", "Invalid value for --augment-recipe: Augmentation recipe 'rotate=ten': 'rotate=ten': 'ten' is not a number.")]
    [InlineData("shift=1.5", "Invalid value for --augment-recipe: Augmentation recipe 'shift=1.5': 'shift=1.5': the shift is a whole number of pixels, at least 0.")]
    [InlineData("rotate=200", "Invalid value for --augment-recipe: Augmentation recipe 'rotate=200': 'rotate=200': Augment.Rotate: the largest angle must be from 0 to 180 degrees.")]
    [InlineData("shift=2,fill=1", "Option --augment-recipe sets the fill itself (the inputs' background); leave 'fill' out.")]
    public void A_bad_recipe_is_a_usage_error_naming_the_part(string recipe, string message)
    {
        var error = Assert.Throws<UsageException>(() => CommandLine.Parse(["train", "--augment-recipe", recipe]));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void An_augmented_run_says_so_records_its_recipe_in_the_checkpoint_and_trains_other_weights()
    {
        using var temp = new TempDirectory();
        string augmented = temp.File("augmented.safetensors"), plain = temp.File("plain.safetensors");

        var result = AppHarness.Run("train", "--epochs", "1", "--augment", "--save", augmented);
        Assert.Equal((0, ""), (result.ExitCode, result.Errors));
        Assert.Equal(0, AppHarness.Run("train", "--epochs", "1", "--save", plain).ExitCode);

        string recipe = new Augment().Shift(2).Rotate(10).Scale(0.1).Fill(Background(normalize: true)).ToString();
        Assert.Contains($"Training digits augmented every epoch: {recipe}", result.Output, StringComparison.Ordinal);
        using (var file = SafeTensorsFile.Open(augmented)) Assert.Equal(recipe, file.Metadata["augment"]);
        using (var file = SafeTensorsFile.Open(plain)) Assert.Equal("none", file.Metadata["augment"]);
        // Same seed, same order: only the augmentation can make the weights differ.
        Assert.NotEqual(Weights(augmented), Weights(plain));

        var evaluated = AppHarness.Run("evaluate", "--load", augmented);
        Assert.Equal((0, ""), (evaluated.ExitCode, evaluated.Errors));
        Assert.Contains($"trained 1 epochs on digits augmented with {recipe}", evaluated.Output, StringComparison.Ordinal);
        // Evaluation sees the held-out digits as they are, so it reproduces the accuracy that training printed.
        Assert.Equal(EndToEndTests.HeldOut(result.Output), EndToEndTests.HeldOut(evaluated.Output));
    }

    private static float[] Weights(string path)
    {
        var network = new Myelin.Samples.Mnist.MnistMlp();
        Checkpoint.Load(network, path);
        return network.Parameters.ToArray();
    }
}
