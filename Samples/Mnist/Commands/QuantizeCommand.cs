using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Myelin.Kernels;
using Myelin.Quantization;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Display;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>The options of <c>quantize</c>.</summary>
/// <param name="LoadPath">The float checkpoint written by <c>train --save</c>.</param>
/// <param name="OutPath">Where to write the int8 checkpoint.</param>
/// <param name="Samples">How many training digits calibrate the activation scales.</param>
/// <param name="Method">How ranges become scales.</param>
/// <param name="DataDirectory">A folder with the official MNIST files, or null for the bundled digits.</param>
internal sealed record QuantizeOptions(string LoadPath, string OutPath, int Samples, CalibrationMethod Method, string? DataDirectory) : CommandOptions
{
    /// <summary>The calibration methods by their command-line names.</summary>
    private static readonly IReadOnlyList<string> Methods = ["maxabs", "percentile"];

    /// <summary>The command's definition for the parser and help.</summary>
    public static CommandSpec Spec { get; } = new(
        "quantize",
        "Quantise a saved network to int8, calibrating on training digits, and compare both networks on the held-out digits.",
        [
            new("--load", "PATH", "The float checkpoint written by 'train --save' (required): an mlp, lenet or cnn."),
            new("--out", "PATH", "The int8 checkpoint to write (required), e.g. lenet.int8.safetensors; 'evaluate' runs it."),
            new("--samples", "N", "Training digits that calibrate the activation scales (the first N). Default 1000."),
            new("--calibration", "METHOD", "maxabs (the largest magnitude seen) or percentile (the 99.99th). Default maxabs."),
            new("--data", "DIR", "A folder with the official MNIST files (optionally .gz). Default: the bundled digits."),
        ],
        [$"{CommandLine.AppName} quantize --load lenet.safetensors --out lenet.int8.safetensors"],
        Bind);

    private static QuantizeOptions Bind(ParsedOptions options) => new(
        options.Text("--load") ?? throw new UsageException("Option --load is required: the float checkpoint to quantise (written by 'train --save')."),
        options.Text("--out") ?? throw new UsageException("Option --out is required: the int8 checkpoint to write, e.g. model.int8.safetensors."),
        options.Int("--samples", 1000, min: 1),
        options.Choice("--calibration", "maxabs", Methods, "calibration method") == "percentile" ? CalibrationMethod.Percentile : CalibrationMethod.MaxAbs,
        options.Text("--data"));
}

/// <summary>
/// <c>quantize</c>: loads a float checkpoint, calibrates its int8 twin on training digits (post-training quantisation),
/// prints the held-out accuracy and checkpoint size of both networks, and saves the int8 checkpoint.
/// </summary>
internal static class QuantizeCommand
{
    /// <summary>Metadata keys written by <c>quantize</c>, besides the model and its normalisation.</summary>
    public const string SourceKey = "quantized_from", CalibrationKey = "calibration", FloatAccuracyKey = "float_accuracy";

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(QuantizeOptions options, CommandContext context)
    {
        // Checked first, so that a bad path is reported before any work.
        OutputPath.Check("--out", options.OutPath);
        // Writing the int8 network over the float one would lose the only copy of the trained weights.
        if (string.Equals(Path.GetFullPath(options.OutPath), Path.GetFullPath(options.LoadPath), System.StringComparison.Ordinal))
        {
            throw new UsageException(
                $"--out: '{options.OutPath}' is the float checkpoint given to --load, which quantize would replace; give another file, such as '{Int8Name(options.LoadPath)}'.",
                ExitCodes.Failure);
        }
        var saved = ModelFile.Load(options.LoadPath);
        if (saved.Network is not IQuantizable)
            throw new UsageException($"The {saved.Model.Name} network in '{options.LoadPath}' has no int8 code; quantize takes mlp, lenet and cnn checkpoints.", ExitCodes.Failure);
        var data = MnistData.Load(options.DataDirectory);
        var train = saved.Normalization?.Transform(data.Train) ?? data.Train;
        var test = saved.Normalization?.Transform(data.Test) ?? data.Test;

        var console = context.Out;
        var c = CultureInfo.InvariantCulture;
        console.MarkupLine($"[bold]Quantising {saved.Model.Name}[/] ({Markup.Escape(saved.Model.Description)}) from [blue]{Markup.Escape(options.LoadPath)}[/] to int8");
        int samples = System.Math.Min(options.Samples, train.Count);
        string method = options.Method == CalibrationMethod.MaxAbs ? "max-abs" : "99.99th-percentile";
        var clock = Stopwatch.StartNew();
        var int8 = Quantize.ToInt8(saved.Network, train, new Myelin.Quantization.QuantizeOptions { MaxSamples = samples, Method = options.Method });
        double seconds = clock.Elapsed.TotalSeconds;
        console.MarkupLine(Markup.Escape(string.Create(c,
            $"calibrated on {samples:N0} of the {data.TrainName} ({method} scales) in {seconds:0.00} s; int8 products on {Int8Gemm.InstructionSet}")));

        var floatMatrix = ConfusionMatrix.Compute(saved.Network, test);
        var int8Matrix = ConfusionMatrix.Compute(int8, test);
        var metadata = new Dictionary<string, string>(System.StringComparer.Ordinal)
        {
            [SourceKey] = Path.GetFileName(options.LoadPath),
            [CalibrationKey] = string.Create(c, $"{(options.Method == CalibrationMethod.MaxAbs ? "maxabs" : "percentile")}, {samples} samples"),
            [FloatAccuracyKey] = floatMatrix.Accuracy.ToString("R", c),
            [ModelFile.AccuracyKey] = int8Matrix.Accuracy.ToString("R", c),
        };
        ModelFile.SaveInt8(int8, options.OutPath, saved.Model, saved.Normalization, metadata);

        long floatBytes = new FileInfo(options.LoadPath).Length, int8Bytes = new FileInfo(options.OutPath).Length;
        var table = new Table().Border(TableBorder.Rounded).Title($"On the {Markup.Escape(data.TestName)}");
        table.AddColumn("Network");
        table.AddColumn(new TableColumn("Accuracy").RightAligned());
        table.AddColumn(new TableColumn("Correct").RightAligned());
        table.AddColumn(new TableColumn("Checkpoint").RightAligned());
        table.AddRow("float32", Percent(floatMatrix.Accuracy), Correct(floatMatrix), Size(floatBytes));
        table.AddRow("int8", Percent(int8Matrix.Accuracy), Correct(int8Matrix), Size(int8Bytes));
        console.Write(table);
        double drop = (floatMatrix.Accuracy - int8Matrix.Accuracy) * 100;
        console.MarkupLine(string.Create(c, $"Accuracy change: [bold]{-drop:+0.00;-0.00;0.00}[/] points; checkpoint [bold]{(double)floatBytes / int8Bytes:0.0}x[/] smaller."));
        console.MarkupLine($"Saved the int8 network to [blue]{Markup.Escape(options.OutPath)}[/]");
        return ExitCodes.Success;
    }

    /// <summary>The int8 twin's usual name: <c>lenet.safetensors</c> gives <c>lenet.int8.safetensors</c>.</summary>
    private static string Int8Name(string floatPath) => Path.ChangeExtension(floatPath, ".int8" + Path.GetExtension(floatPath));

    private static string Percent(double accuracy) => (accuracy * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string Correct(ConfusionMatrix matrix) => string.Create(CultureInfo.InvariantCulture, $"{matrix.Correct:N0} / {matrix.Total:N0}");

    private static string Size(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes");
}
