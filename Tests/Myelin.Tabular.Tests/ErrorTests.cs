using Myelin.Samples.Tabular;

namespace Myelin.Tabular.Tests;

/// <summary>Mistakes in the command line or the files: one clear line, the right exit code, and no training time lost.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly TabularFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_file_whose_shape_no_network_has_shows_the_declaration_to_add()
    {
        string csv = _files.Write("five.csv", "a,b,c,d,e,label\n1,2,3,4,5,x\n2,3,4,5,6,y\n3,4,5,6,7,z\n");

        var (code, output, errors) = AppRunner.Run("--csv", csv, "--label", "label", "--task", "classify");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("No declared network takes 5 features and 3 classes", errors);
        Assert.Contains("classifier4x3: 4 features -> 3 classes (e.g. iris)", errors);
        Assert.Contains("[Input(5)]", errors);
        Assert.Contains("public partial class Classifier5x3;", errors);
        Assert.DoesNotContain("epoch", output);
    }

    [Fact]
    public void A_save_path_in_a_missing_folder_is_refused_before_training()
    {
        string csv = _files.Iris();
        string path = Path.Combine(_files.Folder, "missing", "iris.safetensors");

        var (code, output, errors) = AppRunner.Run("--csv", csv, "--label", "species", "--task", "classify", "--save", path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("Cannot save to", errors);
        Assert.DoesNotContain("epoch", output);
    }

    [Fact]
    public void A_metadata_line_is_reported_with_the_line_and_the_skip_lines_hint()
    {
        string csv = _files.Write("meta.csv", "4,5,malignant,benign\n1,2,3,4,5,0\n2,3,4,5,6,1\n");

        var (code, _, errors) = AppRunner.Run("--csv", csv, "--label", "5", "--task", "classify");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"CSV file '{csv}', line 1: there are 4 columns, so there is no column at index 5", errors);
        Assert.Contains("Line 1 has 4 fields but line 2 has 6. If line 1 is a metadata line rather than column names", errors);
        Assert.Contains("SkipLines = 1", errors);
    }

    [Fact]
    public void A_model_that_does_not_fit_the_file_is_refused()
    {
        var (code, _, errors) = AppRunner.Run("--csv", _files.Iris(), "--label", "species", "--task", "classify", "--model", "binary8");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("--model binary8 does not fit the file", errors);
        Assert.Contains("the file has 4 features and 3 classes", errors);
    }

    [Theory]
    [InlineData(new[] { "--csv", "x.csv", "--label", "y", "--task", "cluster" }, "Option --task must be one of classify, regress, but got 'cluster'")]
    [InlineData(new[] { "--csv", "x.csv", "--task", "classify" }, "Option --label is required")]
    [InlineData(new[] { "--csv", "x.csv", "--label", "y", "--task", "classify", "--epoch", "3" }, "Unknown option '--epoch' for 'train' (did you mean '--epochs'?)")]
    [InlineData(new[] { "--csv", "x.csv", "--label", "y", "--task", "classify", "--test-fraction", "1" }, "Option --test-fraction must be a number between 0 and 1")]
    [InlineData(new[] { "--csv", "x.csv", "--label", "y", "--task", "classify", "--model", "clasifier4x3" }, "Unknown model 'clasifier4x3' (did you mean 'classifier4x3'?)")]
    [InlineData(new[] { "pedict" }, "Unknown command 'pedict' (did you mean 'predict'?)")]
    public void Command_line_mistakes_are_usage_errors(string[] args, string message)
    {
        var (code, _, errors) = AppRunner.Run(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, errors);
    }

    [Fact]
    public void Predict_refuses_a_checkpoint_that_this_app_did_not_save()
    {
        string path = _files.PathOf("other.safetensors");
        Myelin.Checkpoints.Checkpoint.Save(new Classifier4x3(), path);

        var (code, _, errors) = AppRunner.Run("predict", "--load", path, "--csv", _files.Iris());

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("was not saved by 'myelin-tabular train --save'", errors);
    }

    [Fact]
    public void Help_lists_every_option_and_the_models_command_lists_the_catalogue()
    {
        var (helpCode, help, _) = AppRunner.Run("--help");
        var (modelsCode, models, _) = AppRunner.Run("models");

        Assert.Equal(ExitCodes.Success, helpCode);
        foreach (var option in TrainOptions.Options) Assert.Contains(option.Name, help);
        Assert.Equal(ExitCodes.Success, modelsCode);
        foreach (var model in ModelCatalog.Models) Assert.Contains(model.Describe(), models);
    }
}
