using System;
using System.Globalization;
using System.Linq;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Display;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>The options of <c>predict</c>.</summary>
/// <param name="LoadPath">The checkpoint written by <c>train --save</c>.</param>
/// <param name="Index">The held-out digit to classify, from 0.</param>
/// <param name="DataDirectory">A folder with the official test files, or null for the held-out bundled digits.</param>
internal sealed record PredictOptions(string LoadPath, int Index, string? DataDirectory) : CommandOptions
{
    /// <summary>How many of the most probable classes are listed.</summary>
    public const int TopK = 3;

    /// <summary>The command's definition for the parser and help.</summary>
    public static CommandSpec Spec { get; } = new(
        "predict",
        "Classify one held-out digit with a saved network: show it as ASCII art with its label and the top-3 probabilities.",
        [
            new("--load", "PATH", "The checkpoint written by 'train --save' (required)."),
            new("--index", "N", "Which held-out digit, from 0. Default 0."),
            new("--data", "DIR", "A folder with the official t10k- test files. Default: the 2,000 held-out bundled digits."),
        ],
        [$"{CommandLine.AppName} predict --load model.safetensors --index 17"],
        Bind);

    private static PredictOptions Bind(ParsedOptions options) => new(
        options.Text("--load") ?? throw new UsageException("Option --load is required: the checkpoint to predict with (written by 'train --save')."),
        options.Int("--index", 0, min: 0),
        options.Text("--data"));
}

/// <summary><c>predict</c>: one held-out digit as ASCII art, its true label, the predicted class and the top-3 probabilities.</summary>
internal static class PredictCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(PredictOptions options, CommandContext context)
    {
        var console = context.Out;
        var saved = ModelFile.Load(options.LoadPath);
        var (test, name) = MnistData.LoadTest(options.DataDirectory);
        var c = CultureInfo.InvariantCulture;
        if (options.Index >= test.Count)
            throw new UsageException(string.Create(c,
                $"Invalid value '{options.Index}' for --index: there are {name}, so the index must be from 0 to {test.Count - 1}."));

        // The art shows the raw pixels; the network gets them normalised as it was trained.
        ReadOnlySpan<float> pixels = test.Sample(options.Index);
        float[] input = pixels.ToArray();
        saved.Normalization?.TransformInPlace(input, input.Length);
        var probabilities = new float[saved.Network.OutputSize];
        int predicted = saved.Network.PredictClass(input, probabilities);
        int label = test.Label(options.Index);

        console.MarkupLine(string.Create(c,
            $"[bold]Digit #{options.Index}[/] of the {Markup.Escape(name)}, classified by {saved.Model.Name} from [blue]{Markup.Escape(options.LoadPath)}[/]"));
        foreach (string line in DigitArt.Render(pixels)) console.WriteLine(line);
        console.MarkupLine(string.Create(c, $"True label: [bold]{label}[/]"));
        console.MarkupLine(predicted == label
            ? string.Create(c, $"Predicted:  [bold green]{predicted}[/] (correct)")
            : string.Create(c, $"Predicted:  [bold red]{predicted}[/] (wrong)"));

        var chart = new BarChart()
            .Label($"Top {PredictOptions.TopK} probabilities (%)")
            .Width(60)
            .WithMaxValue(100)
            .UseValueFormatter((value, _) => value.ToString("0.00", CultureInfo.InvariantCulture) + "%");
        foreach (int digit in Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).Take(PredictOptions.TopK))
        {
            double percent = Math.Round(probabilities[digit] * 100.0, 2);
            chart.AddItem(digit.ToString(c), percent, digit == label ? Color.Green : Color.Grey);
        }
        console.Write(chart);
        return ExitCodes.Success;
    }
}
