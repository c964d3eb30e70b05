using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Samples.Tabular;

/// <summary>
/// <c>train</c>: loads the CSV file, picks the declared network that fits it, splits (stratified when classifying),
/// fits the preprocessing on the training split only, trains, prints the test metrics in the label's own terms
/// (class names, or the target's units), and with <c>--save</c> saves the model with its preprocessing and checks that
/// the reloaded file predicts the same from raw rows.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The metadata keys the app adds to a saved model, next to Myelin's own.</summary>
    public const string ModelKey = "tabular.model", TaskKey = "tabular.task", LabelKey = "tabular.label";

    private const int RowsShown = 5;

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(TrainOptions options, TextWriter output, CancellationToken cancellation)
    {
        var c = CultureInfo.InvariantCulture;
        CheckSavePath(options.SavePath);
        var data = Csv.Load(options.CsvPath, options.LabelColumn, options.Csv);
        bool classify = options.Task == TabularTask.Classify;
        output.WriteLine(string.Create(c, $"Read {data.Count} rows of {data.SampleSize} features from {options.CsvPath}: {DescribeLabels(data)}."));

        var model = PickModel(options, data);
        var (train, test) = data.Split(1 - options.TestFraction, options.Seed, stratify: classify);
        if (train.Count == 0 || test.Count == 0)
            throw new UsageException(string.Create(c, $"A test fraction of {options.TestFraction} leaves {train.Count} training and {test.Count} test rows out of {data.Count}; both need at least one."));
        var preprocessing = Preprocessing.Fit(train, options.Scaling);
        output.WriteLine(string.Create(c,
            $"Training {model.Name} on {train.Count} rows{(classify ? " (stratified split)" : "")}, testing on {test.Count}; {Describe(options.Scaling)} fitted on the training rows only."));

        var network = model.Create(options.Seed);
        var trainSet = preprocessing.Transform(train);
        if (classify && network.OutputSize == 1) trainSet = trainSet.ToBinaryTargets();
        var history = network.Fit(trainSet, new FitOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Optimizer = new Adam(options.LearningRate),
            Seed = options.Seed,
            Callbacks = [new EpochPrinter(output, options.Epochs)],
            CancellationToken = cancellation,
        });
        if (history.StopReason == "cancelled")
        {
            output.WriteLine(string.Create(c, $"Cancelled after {history.Epochs.Count} of {options.Epochs} epochs; nothing was saved."));
            return ExitCodes.Cancelled;
        }

        var tabular = new TabularModel(network, preprocessing);
        output.WriteLine();
        output.WriteLine(string.Create(c, $"Held-out test rows ({test.Count}):"));
        if (classify) output.Write(ClassificationReport.For(tabular, test).ToString());
        else output.WriteLine(RegressionReport.For(tabular, test).ToString());

        if (options.SavePath is not null) SaveAndReload(options, model, tabular, test, output);
        return ExitCodes.Success;
    }

    /// <summary>Saves the model with its preprocessing, reloads it into a fresh network, and checks and shows its predictions on raw test rows.</summary>
    private static void SaveAndReload(TrainOptions options, ModelInfo model, TabularModel trained, Dataset test, TextWriter output)
    {
        string path = options.SavePath!;
        trained.Save(path, new Dictionary<string, string>
        {
            [ModelKey] = model.Name,
            [TaskKey] = options.Task == TabularTask.Classify ? "classify" : "regress",
            [LabelKey] = options.Label,
        });
        // Another seed, so that matching predictions show the weights came from the file.
        var reloaded = TabularModel.Load(model.Create(options.Seed + 1), path);
        ReadOnlySpan<float> rows = test.Features;
        bool same = options.Task == TabularTask.Classify
            ? trained.PredictClassNames(rows).SequenceEqual(reloaded.PredictClassNames(rows))
            : trained.Predict(rows).SequenceEqual(reloaded.Predict(rows));
        if (!same) throw new InvalidOperationException($"The model reloaded from '{path}' predicts differently from the trained one.");

        output.WriteLine();
        output.WriteLine($"Saved {model.Name} with its preprocessing to {path}; reloaded, it gives the same predictions on the raw test rows:");
        int shown = Math.Min(RowsShown, test.Count);
        var predicted = PredictCommand.Describe(reloaded, rows[..(shown * test.SampleSize)]);
        for (int i = 0; i < shown; i++)
        {
            string actual = test.HasLabels ? reloaded.Preprocessing.ClassName(test.Label(i)) : test.Target(i)[0].ToString("G6", CultureInfo.InvariantCulture);
            output.WriteLine($"  {Row(test.Sample(i))} -> {predicted[i]} (actual {actual})");
        }
    }

    private static ModelInfo PickModel(TrainOptions options, Dataset data)
    {
        int classes = options.Task == TabularTask.Classify ? data.ClassCount : 0;
        if (options.Model is not string name) return ModelCatalog.Match(options.Task, data.SampleSize, classes);
        var model = ModelCatalog.Find(name)!;
        if (model.Task != options.Task || model.Features != data.SampleSize || model.Classes != classes)
            throw new UsageException($"--model {name} does not fit the file: it is {model.Describe()}, but the file has {data.SampleSize} features{(classes > 0 ? $" and {classes} classes" : "")}.", ExitCodes.Failure);
        return model;
    }

    private static string DescribeLabels(Dataset data)
    {
        if (!data.HasLabels) return "one numeric target";
        return data.ClassNames is { } names
            ? $"{data.ClassCount} classes ({string.Join(", ", names)}), {CountsText(data)}"
            : $"{data.ClassCount} classes (class indices 0 to {data.ClassCount - 1}, counted from the labels), {CountsText(data)}";
    }

    private static string CountsText(Dataset data) => "rows per class " + string.Join("/", data.ClassCounts());

    private static string Describe(FeatureScaling scaling) => scaling switch
    {
        FeatureScaling.Standardize => "standardisation",
        FeatureScaling.MinMax => "min-max scaling",
        _ => "no scaling",
    };

    private static string Row(ReadOnlySpan<float> sample)
    {
        var values = new string[sample.Length];
        for (int i = 0; i < values.Length; i++) values[i] = sample[i].ToString("G5", CultureInfo.InvariantCulture);
        return values.Length <= 6 ? string.Join(", ", values) : string.Join(", ", values[..5]) + $", ... ({values.Length} features)";
    }

    /// <summary>Refuses a save path whose folder does not exist before any training time is spent.</summary>
    private static void CheckSavePath(string? path)
    {
        if (path is null) return;
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
            throw new UsageException($"Cannot save to '{path}': the folder '{directory}' does not exist.", ExitCodes.Failure);
    }

    /// <summary>Prints the loss and metric of about ten epochs spread over the run, and always the last.</summary>
    private sealed class EpochPrinter(TextWriter output, int epochs) : Callback
    {
        private readonly int _every = Math.Max(1, epochs / 10);

        public override void OnEpochEnd(EpochResult result, TrainingContext context)
        {
            if (result.Epoch % _every != 0 && result.Epoch != epochs) return;
            string metrics = string.Join(", ", result.Metrics.Select(m => $"{m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"));
            output.WriteLine($"  epoch {result.Epoch,4}/{epochs}: {metrics}");
        }
    }
}
