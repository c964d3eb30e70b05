using System.Globalization;
using Myelin.Data;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Display;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>The options of <c>evaluate</c>.</summary>
/// <param name="LoadPath">The checkpoint written by <c>train --save</c>.</param>
/// <param name="DataDirectory">A folder with the official test files, or null for the 2,000 held-out bundled digits.</param>
internal sealed record EvaluateOptions(string LoadPath, string? DataDirectory) : CommandOptions
{
    /// <summary>The command's definition for the parser and help.</summary>
    public static CommandSpec Spec { get; } = new(
        "evaluate",
        "Load a saved network and report its loss, accuracy and confusion matrix on the held-out digits.",
        [
            new("--load", "PATH", "The checkpoint written by 'train --save' or 'quantize' (required); its metadata says which network to build."),
            new("--data", "DIR", "A folder with the official t10k- test files (optionally .gz). Default: the 2,000 held-out bundled digits."),
        ],
        [$"{CommandLine.AppName} evaluate --load model.safetensors", $"{CommandLine.AppName} evaluate --load model.int8.safetensors"],
        Bind);

    private static EvaluateOptions Bind(ParsedOptions options) => new(
        options.Text("--load") ?? throw new UsageException("Option --load is required: the checkpoint to evaluate (written by 'train --save')."),
        options.Text("--data"));
}

/// <summary><c>evaluate</c>: rebuilds the saved network from its metadata, loads it and evaluates it on the held-out digits.</summary>
internal static class EvaluateCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(EvaluateOptions options, CommandContext context)
    {
        if (ModelFile.IsInt8(options.LoadPath)) return RunInt8(options, context);
        var console = context.Out;
        var saved = ModelFile.Load(options.LoadPath);
        var (raw, name) = MnistData.LoadTest(options.DataDirectory);
        var test = saved.Normalization?.Transform(raw) ?? raw;

        var c = CultureInfo.InvariantCulture;
        string trained = saved.Metadata.TryGetValue(ModelFile.EpochsKey, out string? epochs) ? $", trained {epochs} epochs" : "";
        if (saved.Metadata.TryGetValue(ModelFile.AugmentKey, out string? augment) && augment != Augment.NoneRecipe) trained += $" on digits augmented with {augment}";
        console.MarkupLine($"[bold]Evaluating {saved.Model.Name}[/] ({Markup.Escape(saved.Model.Description)}{Markup.Escape(trained)}) from [blue]{Markup.Escape(options.LoadPath)}[/]");
        console.MarkupLine(Markup.Escape($"on {name}, normalize={ModelFile.Format(saved.Normalization)}"));

        var evaluation = saved.Network.Evaluate(test);
        var matrix = ConfusionMatrix.Compute(saved.Network, test);
        console.Write(matrix.ToTable());
        console.MarkupLine(string.Create(c, $"Held-out loss: {evaluation.Loss:0.0000}"));
        console.MarkupLine($"[bold green]{matrix.AccuracyLine()}[/]");
        return ExitCodes.Success;
    }

    /// <summary>The same report for an int8 checkpoint: its network has no loss of its own, so the loss is the cross-entropy of its logits.</summary>
    private static int RunInt8(EvaluateOptions options, CommandContext context)
    {
        var console = context.Out;
        var saved = ModelFile.LoadInt8(options.LoadPath);
        var (raw, name) = MnistData.LoadTest(options.DataDirectory);
        var test = saved.Normalization?.Transform(raw) ?? raw;

        var c = CultureInfo.InvariantCulture;
        string source = saved.Metadata.TryGetValue(QuantizeCommand.SourceKey, out string? from) ? $", quantised from {from}" : "";
        console.MarkupLine($"[bold]Evaluating {saved.Model.Name} in int8[/] ({Markup.Escape(saved.Model.Description)}{Markup.Escape(source)}) from [blue]{Markup.Escape(options.LoadPath)}[/]");
        console.MarkupLine(Markup.Escape($"on {name}, normalize={ModelFile.Format(saved.Normalization)}, int8 products on {Myelin.Kernels.Int8Gemm.InstructionSet}"));

        float[] logits = saved.Network.Predict(test);
        float loss = Myelin.Kernels.LossKernels.SoftmaxCrossEntropy(logits, test.Labels, saved.Network.OutputSize, default);
        var matrix = ConfusionMatrix.Compute(saved.Network, test);
        console.Write(matrix.ToTable());
        console.MarkupLine(string.Create(c, $"Held-out loss: {loss:0.0000}"));
        console.MarkupLine($"[bold green]{matrix.AccuracyLine()}[/]");
        return ExitCodes.Success;
    }
}
