using static Myelin.Samples.Tests.ErrorPathTests;

namespace Myelin.Samples.Tests;

/// <summary>
/// Every output path of the CLI (<c>--save</c>, <c>--plot</c>) is checked before the first epoch: its folder exists
/// and takes new files, and the path is not a folder, device, pipe or socket. The error names the path as the user
/// typed it, never a hidden temporary file, and nothing is trained.
/// </summary>
public class OutputPathTests
{
    /// <summary>Fails unless the run stopped before training and its one error line names <paramref name="path"/>.</summary>
    private static string FailedBeforeTraining(AppResult result, string option, string path)
    {
        var lines = ErrorLines(result, exitCode: 1);
        string line = Assert.Single(lines);
        Assert.StartsWith($"error: {option}: ", line, StringComparison.Ordinal);
        Assert.Contains($"'{path}'", line, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Epoch", result.Output, StringComparison.Ordinal);
        return line;
    }

    [Fact]
    public void A_save_path_that_is_a_named_pipe_is_refused_before_training_and_the_pipe_stays()
    {
        using var temp = new TempDirectory();
        string pipe = temp.File("model.safetensors");
        Assert.Equal(0, SystemTool.Run("mkfifo", pipe));

        var result = AppHarness.Run("train", "--epochs", "1", "--save", pipe);

        string line = FailedBeforeTraining(result, "--save", pipe);
        Assert.Equal($"error: --save: cannot write '{pipe}': it is a named pipe (FIFO); only a regular file is replaced.", line);
        Assert.Equal(0, SystemTool.Run("test", "-p", pipe));
    }

    [Theory]
    [InlineData("--save", "model.safetensors")]
    [InlineData("--plot", "curves.png")]
    public void An_output_path_in_a_folder_nobody_can_write_fails_before_training_naming_the_path(string option, string name)
    {
        using var folder = new ReadOnlyFolder();
        string path = folder.File(name);

        var result = AppHarness.Run("train", "--epochs", "1", option, path);

        string line = FailedBeforeTraining(result, option, path);
        Assert.Contains($"the folder '{folder.Path}' does not accept new files", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_path_under_a_regular_file_says_that_the_file_is_not_a_folder()
    {
        using var temp = new TempDirectory();
        string file = temp.File("notes.txt");
        File.WriteAllText(file, "not a folder");
        string path = Path.Combine(file, "curves.png");

        var result = AppHarness.Run("train", "--epochs", "1", "--plot", path);

        string line = FailedBeforeTraining(result, "--plot", path);
        Assert.Equal($"error: --plot: '{file}', the folder of '{path}', is a regular file, not a folder.", line);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void A_plot_written_over_an_earlier_one_replaces_it_whole_and_leaves_no_temporary_file()
    {
        using var temp = new TempDirectory();
        string plot = temp.File("curves.png");
        File.WriteAllText(plot, "an older plot");

        var result = AppHarness.Run("train", "--epochs", "1", "--plot", plot);

        Assert.Equal((0, ""), (result.ExitCode, result.Errors));
        byte[] png = File.ReadAllBytes(plot);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(["curves.png"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }
}
