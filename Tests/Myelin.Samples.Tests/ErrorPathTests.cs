using Myelin.Checkpoints;
using Myelin.Samples.Mnist;

namespace Myelin.Samples.Tests;

/// <summary>Every expected failure ends as one red "error:" line with no stack trace and a non-zero exit code.</summary>
public class ErrorPathTests
{
    /// <summary>The error lines, checked for the shape every failure must have.</summary>
    internal static string[] ErrorLines(AppResult result, int exitCode)
    {
        Assert.Equal(exitCode, result.ExitCode);
        Assert.DoesNotContain(" at Myelin.", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Errors, StringComparison.Ordinal);
        string[] lines = result.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        return lines;
    }

    [Fact]
    public void A_usage_error_prints_one_error_line_and_exits_with_2()
    {
        var result = AppHarness.Run("train", "--epochs", "abc");

        var lines = ErrorLines(result, exitCode: 2);
        Assert.Equal(["error: Invalid value 'abc' for --epochs: expected a whole number from 1 to 10,000."], lines);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void An_unknown_model_lists_the_valid_ones()
    {
        var lines = ErrorLines(AppHarness.Run("train", "--model", "vgg"), exitCode: 2);

        Assert.Equal(["error: Unknown model 'vgg' for --model; the models are mlp, lenet, cnn, resnet, lstm, gru."], lines);
    }

    [Fact]
    public void A_missing_checkpoint_is_a_one_line_error_with_exit_code_1()
    {
        using var temp = new TempDirectory();
        string path = temp.File("missing.safetensors");

        var lines = ErrorLines(AppHarness.Run("evaluate", "--load", path), exitCode: 1);

        Assert.Equal([$"error: --load: the checkpoint '{path}' does not exist."], lines);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_a_one_line_error_naming_the_file_and_the_problem()
    {
        using var temp = new TempDirectory();
        string path = temp.File("garbage.safetensors");
        var garbage = new byte[1000];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var lines = ErrorLines(AppHarness.Run("predict", "--load", path, "--index", "3"), exitCode: 1);

        Assert.Single(lines);
        Assert.StartsWith($"error: '{path}' is not a valid safetensors file: the header length is ", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_checkpoint_is_reported_as_too_short()
    {
        using var temp = new TempDirectory();
        string path = temp.File("short.safetensors");
        File.WriteAllText(path, "{}");

        var lines = ErrorLines(AppHarness.Run("evaluate", "--load", path), exitCode: 1);

        Assert.Equal([$"error: '{path}' is not a valid safetensors file: the file is 2 bytes long, too short for the 8-byte header length that starts every safetensors file."], lines);
    }

    [Fact]
    public void A_checkpoint_whose_weights_do_not_fit_its_model_lists_the_mismatches()
    {
        using var temp = new TempDirectory();
        string path = temp.File("mislabelled.safetensors");
        // MLP weights that claim to be LeNet: the file is valid, the tensors are not LeNet's.
        Checkpoint.Save(new MnistMlp(1), path, new Dictionary<string, string> { ["model"] = "lenet" });

        var lines = ErrorLines(AppHarness.Run("evaluate", "--load", path), exitCode: 1);

        Assert.Equal($"error: Error(s) loading checkpoint '{path}' into LeNet5:", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("size mismatch for dense1.weight: the checkpoint has shape [128, 784], the network expects [120, 400].", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Missing keys (in the network, not in the checkpoint): \"conv1.weight\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_checkpoint_of_an_unknown_model_lists_the_known_ones()
    {
        using var temp = new TempDirectory();
        string path = temp.File("other.safetensors");
        Checkpoint.Save(new MnistMlp(1), path, new Dictionary<string, string> { ["model"] = "resnet50" });

        var lines = ErrorLines(AppHarness.Run("evaluate", "--load", path), exitCode: 1);

        Assert.Equal([$"error: Checkpoint '{path}' holds model 'resnet50', which this app does not know; the models are mlp, lenet, cnn, resnet, lstm, gru."], lines);
    }

    [Fact]
    public void A_missing_data_folder_is_named()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("no-such-folder");

        var lines = ErrorLines(AppHarness.Run("train", "--data", folder), exitCode: 1);

        Assert.Equal([$"error: --data: the folder '{folder}' does not exist."], lines);
    }

    [Fact]
    public void A_data_folder_without_the_official_files_lists_them()
    {
        using var temp = new TempDirectory();

        var lines = ErrorLines(AppHarness.Run("evaluate", "--load", WriteTinyCheckpoint(temp), "--data", temp.Path), exitCode: 1);

        Assert.Equal(
            [$"error: --data: '{temp.Path}' has no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz; it should hold the official MNIST files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally gzipped)."],
            lines);
    }

    [Fact]
    public void An_output_path_in_a_missing_folder_fails_before_training()
    {
        using var temp = new TempDirectory();
        string path = System.IO.Path.Combine(temp.Path, "nowhere", "model.safetensors");

        var result = AppHarness.Run("train", "--save", path);

        var lines = ErrorLines(result, exitCode: 1);
        Assert.Equal([$"error: --save: the folder '{System.IO.Path.GetDirectoryName(path)}' of '{path}' does not exist."], lines);
        Assert.DoesNotContain("Epoch", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_past_the_held_out_digits_names_the_valid_range()
    {
        using var temp = new TempDirectory();

        var lines = ErrorLines(AppHarness.Run("predict", "--load", WriteTinyCheckpoint(temp), "--index", "2000"), exitCode: 2);

        Assert.Equal(["error: Invalid value '2000' for --index: there are 2,000 held-out bundled digits, so the index must be from 0 to 1999."], lines);
    }

    [Fact]
    public void A_checkpoint_with_a_NaN_weight_fails_to_evaluate_naming_the_tensor_and_element()
    {
        using var temp = new TempDirectory();
        string path = WriteTinyCheckpoint(temp);
        long offset;
        using (var file = SafeTensorsFile.Open(path))
            offset = 8 + file.HeaderLength + file.GetTensor("dense2.bias").DataBegin + 3 * sizeof(float);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Position = offset;
            stream.Write(BitConverter.GetBytes(float.NaN));
        }

        var result = AppHarness.Run("evaluate", "--load", path);

        var lines = ErrorLines(result, exitCode: 1);
        Assert.Equal(
            [$"error: '{path}' holds a non-finite value: tensor 'dense2.bias' is NaN at [3] (element 3 of 10). The checkpoint was saved from a diverged network or is damaged; load it with allowNonFinite: true to inspect it anyway."],
            lines);
        Assert.DoesNotContain("accuracy", result.Output, StringComparison.Ordinal);
    }

    /// <summary>An untrained MLP saved as the app saves it.</summary>
    private static string WriteTinyCheckpoint(TempDirectory temp)
    {
        string path = temp.File("mlp.safetensors");
        Checkpoint.Save(new MnistMlp(1), path, new Dictionary<string, string> { ["model"] = "mlp", ["normalize"] = "0.1307,0.3081" });
        return path;
    }
}
