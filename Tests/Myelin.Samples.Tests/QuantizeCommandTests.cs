using System.Globalization;
using System.Text.RegularExpressions;
using Myelin.Checkpoints;
using Myelin.Quantization;

namespace Myelin.Samples.Tests;

/// <summary>
/// <c>quantize</c> and <c>evaluate</c> of int8 checkpoints, through the app's entry point: a short real training run,
/// its int8 twin compared on the held-out digits, the checkpoint's format, and the mistakes reported before any work.
/// </summary>
public sealed class QuantizeCommandTests : IClassFixture<QuantizeCommandTests.TrainedMlp>
{
    private static readonly Regex Row = new(@"^│ (?<network>float32|int8)\s+│\s+(?<percent>\d+\.\d\d)% │\s+(?<correct>[\d,]+) / (?<total>[\d,]+) │\s+(?<bytes>[\d,]+) bytes │", RegexOptions.Multiline);
    private static readonly Regex HeldOutLine = new(@"^Held-out accuracy: (?<percent>\d+\.\d\d)% \((?<correct>[\d,]+) / (?<total>[\d,]+)\)", RegexOptions.Multiline);

    private readonly TrainedMlp _trained;

    public QuantizeCommandTests(TrainedMlp trained) => _trained = trained;

    /// <summary>An MLP trained for one epoch once for the whole class, in its own folder.</summary>
    public sealed class TrainedMlp : IDisposable
    {
        public TrainedMlp()
        {
            var result = AppHarness.Run("train", "--model", "mlp", "--epochs", "1", "--save", Model);
            Assert.Equal((0, ""), (result.ExitCode, result.Errors));
        }

        internal TempDirectory Folder { get; } = new();

        public string Model => Folder.File("mlp.safetensors");

        public void Dispose() => Folder.Dispose();
    }

    [Fact]
    public void Quantize_prints_both_accuracies_within_half_a_point_and_a_checkpoint_about_four_times_smaller()
    {
        string int8 = _trained.Folder.File("compare.int8.safetensors");

        var result = AppHarness.Run("quantize", "--load", _trained.Model, "--out", int8);

        Assert.Equal((0, ""), (result.ExitCode, result.Errors));
        var rows = Row.Matches(result.Output).ToDictionary(m => m.Groups["network"].Value);
        Assert.Equal(2, rows.Count);
        double floatAccuracy = Percent(rows["float32"]), int8Accuracy = Percent(rows["int8"]);
        Assert.True(Math.Abs(floatAccuracy - int8Accuracy) <= 0.5, $"float32 {floatAccuracy}% against int8 {int8Accuracy}%");
        long floatBytes = Number(rows["float32"], "bytes"), int8Bytes = Number(rows["int8"], "bytes");
        Assert.Equal(new FileInfo(_trained.Model).Length, floatBytes);
        Assert.Equal(new FileInfo(int8).Length, int8Bytes);
        Assert.InRange((double)floatBytes / int8Bytes, 3.5, 4.0);
        Assert.Contains("calibrated on 1,000 of the 8,000 bundled digits (max-abs scales)", result.Output, StringComparison.Ordinal);

        // The file: I8 weights, F32 scales and biases, the model and its normalisation, and both accuracies.
        using var file = SafeTensorsFile.Open(int8);
        Assert.Equal(SafeTensorsDType.I8, file.GetTensor("dense1.weight").DType);
        Assert.Equal(SafeTensorsDType.F32, file.GetTensor("dense1.weight_scale").DType);
        Assert.Equal(new long[] { 128 }, file.GetTensor("dense1.weight_scale").Shape);
        Assert.Empty(file.GetTensor("input.scale").Shape);
        Assert.Equal("int8-symmetric", file.Metadata[Int8Checkpoint.FormatKey]);
        Assert.Equal("mlp", file.Metadata["model"]);
        Assert.Equal("0.1307,0.3081", file.Metadata["normalize"]);
        Assert.Equal(int8Accuracy / 100, double.Parse(file.Metadata["accuracy"], CultureInfo.InvariantCulture), 4);
    }

    [Fact]
    public void Evaluate_runs_an_int8_checkpoint_to_the_accuracy_quantize_printed()
    {
        string int8 = _trained.Folder.File("evaluate.int8.safetensors");
        var quantized = AppHarness.Run("quantize", "--load", _trained.Model, "--out", int8, "--samples", "200", "--calibration", "percentile");
        Assert.Equal((0, ""), (quantized.ExitCode, quantized.Errors));
        var int8Row = Row.Matches(quantized.Output).Single(m => m.Groups["network"].Value == "int8");

        var evaluated = AppHarness.Run("evaluate", "--load", int8);

        Assert.Equal((0, ""), (evaluated.ExitCode, evaluated.Errors));
        Assert.Contains("Evaluating mlp in int8", evaluated.Output, StringComparison.Ordinal);
        Assert.Contains("quantised from mlp.safetensors", evaluated.Output, StringComparison.Ordinal);
        var line = HeldOutLine.Match(evaluated.Output);
        Assert.True(line.Success, evaluated.Output);
        Assert.Equal(int8Row.Groups["correct"].Value, line.Groups["correct"].Value);
        Assert.Matches(@"Held-out loss: \d\.\d{4}", evaluated.Output);
    }

    [Fact]
    public void An_unwritable_out_path_is_refused_before_the_checkpoint_is_read()
    {
        string missingFolder = Path.Combine(_trained.Folder.Path, "no-such-folder", "x.int8.safetensors");

        var result = AppHarness.Run("quantize", "--load", "does-not-exist.safetensors", "--out", missingFolder);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--out: the folder", result.Errors, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void An_out_path_that_is_the_float_checkpoint_is_refused_and_the_checkpoint_is_kept()
    {
        string model = _trained.Folder.File("kept.safetensors");
        File.Copy(_trained.Model, model);
        byte[] before = File.ReadAllBytes(model);

        var result = AppHarness.Run("quantize", "--load", model, "--out", model);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is the float checkpoint given to --load", result.Errors, StringComparison.Ordinal);
        Assert.Contains("kept.int8.safetensors", result.Errors, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Theory]
    [InlineData(new[] { "quantize", "--out", "x.int8.safetensors" }, "Option --load is required")]
    [InlineData(new[] { "quantize", "--load", "x.safetensors" }, "Option --out is required")]
    [InlineData(new[] { "quantize", "--load", "x.safetensors", "--out", "y", "--samples", "0" }, "--samples")]
    [InlineData(new[] { "quantize", "--load", "x.safetensors", "--out", "y", "--calibration", "kl" }, "--calibration")]
    public void Command_line_mistakes_are_usage_errors(string[] args, string message)
    {
        var result = AppHarness.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void An_int8_checkpoint_is_refused_where_a_float_one_is_needed_and_the_other_way_round()
    {
        string int8 = _trained.Folder.File("refused.int8.safetensors");
        Assert.Equal(0, AppHarness.Run("quantize", "--load", _trained.Model, "--out", int8).ExitCode);

        var again = AppHarness.Run("quantize", "--load", int8, "--out", _trained.Folder.File("twice.int8.safetensors"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("holds an int8 network (written by 'quantize'); only 'evaluate' runs it", again.Errors, StringComparison.Ordinal);

        var predicted = AppHarness.Run("predict", "--load", int8);
        Assert.Equal(1, predicted.ExitCode);
        Assert.Contains("only 'evaluate' runs it", predicted.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_float_checkpoint_is_named_before_any_digit_is_read()
    {
        string missing = _trained.Folder.File("no-such-model.safetensors");

        var result = AppHarness.Run("quantize", "--load", missing, "--out", _trained.Folder.File("missing.int8.safetensors"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"--load: the checkpoint '{missing}' does not exist", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("calibrated", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(_trained.Folder.File("missing.int8.safetensors")));
    }

    [Fact]
    public void A_truncated_int8_checkpoint_is_refused_by_evaluate_naming_the_file_and_the_tensor()
    {
        string int8 = _trained.Folder.File("whole.int8.safetensors");
        Assert.Equal(0, AppHarness.Run("quantize", "--load", _trained.Model, "--out", int8).ExitCode);
        string truncated = _trained.Folder.File("truncated.int8.safetensors");
        byte[] bytes = File.ReadAllBytes(int8);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var result = AppHarness.Run("evaluate", "--load", truncated);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"'{truncated}' is not a valid safetensors file", result.Errors, StringComparison.Ordinal);
        Assert.Contains("the file is truncated", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Held-out accuracy", result.Output, StringComparison.Ordinal);
    }

    private static double Percent(Match row) => double.Parse(row.Groups["percent"].Value, CultureInfo.InvariantCulture);

    private static long Number(Match row, string group) => long.Parse(row.Groups[group].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}
