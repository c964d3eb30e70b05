using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Data;

namespace Myelin.Samples.Tabular;

/// <summary>How to read the CSV file: the options shared by <c>train</c> and <c>predict</c>.</summary>
internal static class CsvArguments
{
    /// <summary>The CSV options every command accepts.</summary>
    public static IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--skip-lines", "N", "Lines to skip at the top, e.g. 1 for scikit-learn's files that start with a metadata line (default 0)."),
        new("--no-header", null, "The file has no header row; columns are named column1, column2, ... (default: detected)."),
        new("--header", null, "The first line names the columns, even if it looks like numbers (default: detected)."),
        new("--delimiter", "C", "The field separator: a character, or 'tab' (default ',')."),
        new("--ignore", "A,B", "Columns to leave out, such as identifiers."),
    ];

    /// <summary>The <see cref="CsvOptions"/> the arguments describe.</summary>
    public static CsvOptions Read(Arguments args, CsvLabelKind labelKind = CsvLabelKind.Auto)
    {
        if (args.Has("--no-header") && args.Has("--header")) throw new UsageException("Give --header or --no-header, not both.");
        string delimiter = args.Text("--delimiter", ",")!;
        char separator = delimiter == "tab" ? '\t' : delimiter.Length == 1 ? delimiter[0]
            : throw new UsageException($"Option --delimiter must be one character or 'tab', but got '{delimiter}'.");
        return new CsvOptions
        {
            Delimiter = separator,
            SkipLines = args.Integer("--skip-lines", 0, min: 0),
            HasHeader = args.Has("--no-header") ? CsvHeader.No : args.Has("--header") ? CsvHeader.Yes : CsvHeader.Auto,
            IgnoreColumns = args.Text("--ignore") is string ignore ? ignore.Split(',').Select(c => c.Trim()).ToArray() : [],
            LabelKind = labelKind,
        };
    }
}

/// <summary>The options of <c>train</c>.</summary>
internal sealed record TrainOptions(
    string CsvPath, string Label, TabularTask Task, CsvOptions Csv, string? SavePath, string? Model, int Epochs, int BatchSize,
    double LearningRate, int Seed, double TestFraction, FeatureScaling Scaling)
{
    /// <summary>The options of <c>train</c>, for parsing and help.</summary>
    public static IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--csv", "FILE", "The CSV file (plain or .gz)."),
        new("--label", "COLUMN", "The label column: its header name, or its position from 0."),
        new("--task", "classify|regress", "Classify (labels are class names or indices) or regress (the label is a number)."),
        new("--save", "PATH", "Save the trained model, with its preprocessing, as safetensors; it is then reloaded to check its predictions."),
        new("--model", "NAME", "The network to train (see 'models'); default: the one whose shape fits the file."),
        new("--epochs", "N", "Epochs (default 100)."),
        new("--batch", "N", "Batch size (default 16)."),
        new("--lr", "X", "Adam's learning rate (default 0.003)."),
        new("--seed", "N", "Seed of the weights, the split and the shuffles (default 1)."),
        new("--test-fraction", "F", "The share held out for testing, stratified by class when classifying (default 0.2)."),
        new("--scale", "standard|minmax|none", "Feature scaling, fitted on the training split only (default standard)."),
        .. CsvArguments.Options,
    ];

    /// <summary>Reads and checks the options.</summary>
    public static TrainOptions Bind(Arguments args)
    {
        var task = args.Choice("--task", "", "classify", "regress") == "classify" ? TabularTask.Classify : TabularTask.Regress;
        string csv = args.Required("--csv", "the CSV file to train on");
        string label = args.Required("--label", "the column to predict");
        var scaling = args.Choice("--scale", "standard", "standard", "minmax", "none") switch
        {
            "minmax" => FeatureScaling.MinMax,
            "none" => FeatureScaling.None,
            _ => FeatureScaling.Standardize,
        };
        string? model = args.Text("--model");
        if (model is not null && ModelCatalog.Find(model) is null)
            throw new UsageException($"Unknown model '{model}'{Arguments.Suggest(model, ModelCatalog.Models.Select(m => m.Name))}; run '{App.Name} models' for the list.");
        return new TrainOptions(
            csv, label, task, CsvArguments.Read(args, task == TabularTask.Regress ? CsvLabelKind.Target : CsvLabelKind.Auto),
            args.Text("--save"), model,
            args.Integer("--epochs", 100, min: 1, max: 100_000),
            args.Integer("--batch", 16, min: 1, max: 65_536),
            args.Number("--lr", 0.003, 0, 10),
            args.Integer("--seed", 1, min: 0),
            args.Number("--test-fraction", 0.2, 0, 1),
            scaling);
    }

    /// <summary>The label column: a position from 0 when the text is a whole number, else a header name.</summary>
    public CsvColumn LabelColumn =>
        int.TryParse(Label, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) ? index : Label;
}

/// <summary>The options of <c>predict</c>.</summary>
internal sealed record PredictOptions(string ModelPath, string CsvPath, CsvOptions Csv)
{
    /// <summary>The options of <c>predict</c>, for parsing and help.</summary>
    public static IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--load", "PATH", "A model saved by 'train --save'."),
        new("--csv", "FILE", "Raw rows with the model's feature columns (other columns, such as the label, are ignored)."),
        .. CsvArguments.Options,
    ];

    /// <summary>Reads and checks the options.</summary>
    public static PredictOptions Bind(Arguments args) =>
        new(args.Required("--load", "the saved model"), args.Required("--csv", "the rows to predict"), CsvArguments.Read(args));
}
