using Myelin.Checkpoints;
using Myelin.Samples.Mnist.Cli;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>The options of <c>export</c>.</summary>
/// <param name="LoadPath">The checkpoint written by <c>train --save</c>.</param>
/// <param name="OnnxPath">Where to write the ONNX model.</param>
/// <param name="Probabilities">Whether the model ends in a softmax (class probabilities) rather than logits.</param>
/// <param name="RawInputs">Whether the checkpoint's input normalisation is part of the model, so that it takes pixels in [0, 1].</param>
internal sealed record ExportOptions(string LoadPath, string OnnxPath, bool Probabilities, bool RawInputs) : CommandOptions
{
    /// <summary>The command's definition for the parser and help.</summary>
    public static CommandSpec Spec { get; } = new(
        "export",
        "Export a saved network as an ONNX model, for ONNX Runtime or any other ONNX consumer.",
        [
            new("--load", "PATH", "The checkpoint written by 'train --save' (required)."),
            new("--onnx", "PATH", "The ONNX file to write (required), e.g. lenet.onnx."),
            new("--logits", null, "End the model in logits, as the network's Forward does. Default: class probabilities (a softmax)."),
            new("--normalized-inputs", null, "Leave the input normalisation out, so the model takes normalised inputs. Default: it takes pixels in [0, 1]."),
        ],
        [$"{CommandLine.AppName} export --load lenet.safetensors --onnx lenet.onnx"],
        Bind);

    private static ExportOptions Bind(ParsedOptions options)
    {
        string load = options.Text("--load") ?? throw new UsageException("Option --load is required: the checkpoint to export (written by 'train --save').");
        string onnx = options.Text("--onnx") ?? throw new UsageException("Option --onnx is required: the ONNX file to write, e.g. model.onnx.");
        if (!OutputPath.HasExtension(onnx, ".onnx"))
            throw new UsageException($"Invalid value '{onnx}' for --onnx: the path must end in .onnx.");
        return new ExportOptions(load, onnx, Probabilities: !options.Flag("--logits"), RawInputs: !options.Flag("--normalized-inputs"));
    }
}

/// <summary><c>export</c>: rebuilds the saved network, then writes its inference graph and weights as ONNX.</summary>
internal static class ExportCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(ExportOptions options, CommandContext context)
    {
        // Checked first, so that a bad path is reported before the checkpoint is read.
        OutputPath.Check("--onnx", options.OnnxPath);
        var saved = ModelFile.Load(options.LoadPath);
        var export = new OnnxExportOptions
        {
            OutputProbabilities = options.Probabilities,
            InputNormalization = options.RawInputs ? saved.Normalization : null,
            GraphName = saved.Model.Name,
        };
        Onnx.Export(saved.Network, options.OnnxPath, export);

        var console = context.Out;
        string inputs = options.RawInputs || saved.Normalization is null
            ? "pixels in [0, 1]"
            : $"inputs normalised as {ModelFile.Format(saved.Normalization)}";
        string outputs = options.Probabilities ? "class probabilities" : "logits";
        console.MarkupLine($"Exported [bold]{saved.Model.Name}[/] to [blue]{Markup.Escape(options.OnnxPath)}[/] (ONNX opset {Onnx.Opset})");
        console.MarkupLine(Markup.Escape($"input 'input' [batch, {string.Join(", ", saved.Network.InputShape)}] of {inputs}; output 'output' [batch, {saved.Network.OutputSize}] of {outputs}"));
        return ExitCodes.Success;
    }
}
