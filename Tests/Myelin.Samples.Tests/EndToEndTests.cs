using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;
using Myelin.Checkpoints;
using Myelin.Data;
using MnistFiles = Myelin.Data.Mnist;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Commands;
using Spectre.Console.Testing;

namespace Myelin.Samples.Tests;

/// <summary>Short real runs of the app on the bundled digits, through its entry point.</summary>
public class EndToEndTests
{
    private static readonly Regex HeldOutLine = new(
        @"^Held-out accuracy: (?<percent>\d+\.\d\d)% \((?<correct>[\d,]+) / (?<total>[\d,]+)\)\s*$", RegexOptions.Multiline);

    /// <summary>The held-out accuracy line's numbers, checked against each other.</summary>
    internal static (int Correct, int Total) HeldOut(string output)
    {
        var match = HeldOutLine.Match(output);
        Assert.True(match.Success, "No held-out accuracy line in:\n" + output);
        int correct = int.Parse(match.Groups["correct"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        int total = int.Parse(match.Groups["total"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        double percent = double.Parse(match.Groups["percent"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Math.Round(100.0 * correct / total, 2), percent, precision: 2);
        return (correct, total);
    }

    [Fact]
    public void One_epoch_of_the_MLP_on_the_bundled_digits_is_above_85_percent_held_out()
    {
        var result = AppHarness.Run("train", "--model", "mlp", "--epochs", "1");

        Assert.Equal((0, ""), (result.ExitCode, result.Errors));
        Assert.Matches(@"Epoch 1/1  loss \d\.\d{4}  accuracy \d+\.\d\d%  val_loss \d\.\d{4}  val_accuracy \d+\.\d\d%  \d+\.\d\d s  [\d,]+ samples/s", result.Output);
        var (correct, total) = HeldOut(result.Output);
        Assert.Equal(2000, total);
        Assert.True(correct > 0.85 * total, $"held-out accuracy {correct} / {total} is not above 85%");
        // The held-out accuracy is the run's last line.
        Assert.StartsWith("Held-out accuracy: ", result.Output.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_network_evaluates_to_the_same_held_out_accuracy_and_predicts_a_digit()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mlp.safetensors"), plot = temp.File("curves.png");

        var trained = AppHarness.Run("train", "--epochs", "2", "--save", model, "--plot", plot);
        Assert.Equal((0, ""), (trained.ExitCode, trained.Errors));
        var (correct, total) = HeldOut(trained.Output);

        // The metadata that lets evaluate and predict rebuild and feed the network.
        using (var file = SafeTensorsFile.Open(model))
        {
            Assert.Equal("mlp", file.Metadata["model"]);
            Assert.Equal("0.1307,0.3081", file.Metadata["normalize"]);
            Assert.Equal("2", file.Metadata["epochs"]);
            Assert.Equal((double)correct / total, double.Parse(file.Metadata["accuracy"], CultureInfo.InvariantCulture));
        }
        byte[] png = File.ReadAllBytes(plot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        var evaluated = AppHarness.Run("evaluate", "--load", model);
        Assert.Equal((0, ""), (evaluated.ExitCode, evaluated.Errors));
        Assert.Equal((correct, total), HeldOut(evaluated.Output));

        var predicted = AppHarness.Run("predict", "--load", model, "--index", "17");
        Assert.Equal((0, ""), (predicted.ExitCode, predicted.Errors));
        var (_, heldOut) = MnistFiles.SplitBundled(MnistFiles.LoadBundled());
        Assert.Contains($"True label: {heldOut.Label(17)}", predicted.Output, StringComparison.Ordinal);
        Assert.Matches(@"Predicted:  \d \((correct|wrong)\)", predicted.Output);
        // 28 pixel rows, each two characters per pixel between the frame's bars.
        Assert.Equal(28, predicted.Output.Split('\n').Count(l => Regex.IsMatch(l, @"^\|.{56}\|\s*$")));
    }

    [Fact]
    public void A_network_trained_on_raw_pixels_is_evaluated_on_raw_pixels()
    {
        using var temp = new TempDirectory();
        string model = temp.File("raw.safetensors");

        var trained = AppHarness.Run("train", "--epochs", "1", "--no-normalize", "--save", model);
        Assert.Equal((0, ""), (trained.ExitCode, trained.Errors));
        Assert.Contains("raw pixels in [0, 1]", trained.Output, StringComparison.Ordinal);
        using (var file = SafeTensorsFile.Open(model)) Assert.Equal("none", file.Metadata["normalize"]);

        // Normalised inputs would change the outputs and so, almost surely, some predictions.
        var evaluated = AppHarness.Run("evaluate", "--load", model);
        Assert.Equal(HeldOut(trained.Output), HeldOut(evaluated.Output));
        Assert.Contains("normalize=none", evaluated.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_network_exports_to_ONNX_with_its_normalisation_and_a_softmax_unless_asked_otherwise()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mlp.safetensors"), onnx = temp.File("mlp.onnx"), logits = temp.File("logits.onnx");
        Assert.Equal(0, AppHarness.Run("train", "--epochs", "1", "--save", model).ExitCode);

        var exported = AppHarness.Run("export", "--load", model, "--onnx", onnx);
        Assert.Equal((0, ""), (exported.ExitCode, exported.Errors));
        Assert.Contains("input 'input' [batch, 784] of pixels in [0, 1]; output 'output' [batch, 10] of class probabilities", exported.Output, StringComparison.Ordinal);
        var plain = AppHarness.Run("export", "--load", model, "--onnx", logits, "--logits", "--normalized-inputs");
        Assert.Contains("of inputs normalised as 0.1307,0.3081; output 'output' [batch, 10] of logits", plain.Output, StringComparison.Ordinal);

        // The files are exactly what the exporter writes for the loaded network with those options.
        var network = new Myelin.Samples.Mnist.MnistMlp();
        Checkpoint.Load(network, model);
        var standard = Normalization.Scalar(MnistFiles.PixelMean, MnistFiles.PixelStd);
        Assert.Equal(Onnx.ToBytes(network, new OnnxExportOptions { OutputProbabilities = true, InputNormalization = standard, GraphName = "mlp" }), File.ReadAllBytes(onnx));
        Assert.Equal(Onnx.ToBytes(network, new OnnxExportOptions { GraphName = "mlp" }), File.ReadAllBytes(logits));
    }

    [Fact]
    public void Export_checks_its_output_path_before_reading_the_checkpoint()
    {
        var result = AppHarness.Run("export", "--load", "missing.safetensors", "--onnx", "/no/such/folder/model.onnx");
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("--onnx", result.Errors, StringComparison.Ordinal);
        Assert.Contains("/no/such/folder", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_cancelled_before_the_first_batch_exits_with_130_and_saves_nothing()
    {
        using var temp = new TempDirectory();
        string model = temp.File("never.safetensors");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var result = AppHarness.Run(cancellation.Token, "train", "--epochs", "3", "--save", model);

        Assert.Equal(ExitCodes.Cancelled, result.ExitCode);
        Assert.Contains("Cancelled: 0 of 3 epochs completed; nothing was saved.", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void The_live_progress_display_runs_on_an_interactive_console()
    {
        using var console = new TestConsole().Width(140).Interactive().EmitAnsiSequences();

        int code = App.Run(["train", "--epochs", "1"], console);

        Assert.Equal(0, code);
        Assert.Contains("Epoch 1/1", console.Output, StringComparison.Ordinal);
        Assert.Contains("samples/s", console.Output, StringComparison.Ordinal);
        Assert.Contains("Held-out accuracy: ", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Transfer_loads_the_body_reports_the_heads_and_compares_with_training_from_scratch()
    {
        var result = AppHarness.Run("transfer", "--model", "mlp", "--epochs", "1", "--finetune-epochs", "1", "--samples", "100");

        Assert.Equal((0, ""), (result.ExitCode, result.Errors));
        Assert.Contains("Checkpoint.Load(strict: false): 2 tensors loaded, 4 missing, 4 unexpected", result.Output, StringComparison.Ordinal);
        Assert.Contains("loaded     body1.weight, body1.bias", result.Output, StringComparison.Ordinal);
        Assert.Contains("missing    head59_hidden.weight, head59_hidden.bias, head59_out.weight, head59_out.bias", result.Output, StringComparison.Ordinal);
        Assert.Contains("unexpected head04_hidden.weight, head04_hidden.bias, head04_out.weight, head04_out.bias", result.Output, StringComparison.Ordinal);
        // Frozen body1 (784 x 256 + 256 parameters) leaves the head's 256 x 128 + 128 + 128 x 5 + 5.
        Assert.Contains("Froze body1: training 33,541 of 234,501 parameters", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"Held-out accuracy on 5–9, fine-tuned: \d+\.\d\d% \([\d,]+ / 975\)", result.Output);
        Assert.Matches(@"Held-out accuracy on 5–9, from scratch: \d+\.\d\d% \([\d,]+ / 975\)", result.Output);
    }

    [Fact]
    public void Train_help_lists_every_option_and_exits_with_0()
    {
        var result = AppHarness.Run("train", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage: myelin-mnist train [options]", result.Output, StringComparison.Ordinal);
        foreach (var option in TrainOptions.Spec.Options) Assert.Contains(option.Name, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void General_help_lists_every_command()
    {
        var result = AppHarness.Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in CommandLine.Commands) Assert.Contains("  " + command.Name + " ", result.Output, StringComparison.Ordinal);
    }
}
