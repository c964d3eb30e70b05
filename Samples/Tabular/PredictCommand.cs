using System;
using System.Globalization;
using System.IO;
using Myelin.Checkpoints;
using Myelin.Data;

namespace Myelin.Samples.Tabular;

/// <summary>
/// <c>predict</c>: loads a model saved by <c>train --save</c> (the network named in its metadata, with its
/// preprocessing) and prints a prediction for every raw row of a CSV file, read by the model's feature names.
/// </summary>
internal static class PredictCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(PredictOptions options, TextWriter output)
    {
        if (!File.Exists(options.ModelPath)) throw new UsageException($"Model file '{options.ModelPath}' does not exist.", ExitCodes.Failure);
        string? name;
        using (var file = SafeTensorsFile.Open(options.ModelPath)) file.Metadata.TryGetValue(TrainCommand.ModelKey, out name);
        if (name is null || ModelCatalog.Find(name) is not { } info)
            throw new UsageException($"'{options.ModelPath}' was not saved by '{App.Name} train --save': its metadata names no network of this app ('{TrainCommand.ModelKey}').", ExitCodes.Failure);

        var model = TabularModel.Load(info.Create(0), options.ModelPath);
        var names = model.Preprocessing.FeatureNames
            ?? throw new UsageException($"'{options.ModelPath}' has no feature names, so the CSV columns cannot be matched.", ExitCodes.Failure);
        float[] rows = Csv.LoadFeatures(options.CsvPath, names, options.Csv);
        string[] predictions = Describe(model, rows);
        output.WriteLine($"{predictions.Length} rows of {options.CsvPath}, predicted by {info.Name} from {options.ModelPath}:");
        for (int i = 0; i < predictions.Length; i++) output.WriteLine($"  row {i + 1}: {predictions[i]}");
        return ExitCodes.Success;
    }

    /// <summary>One text per raw row: <c>setosa (p = 0.981)</c> for a classifier, the value for a regressor.</summary>
    public static string[] Describe(TabularModel model, ReadOnlySpan<float> rows)
    {
        var c = CultureInfo.InvariantCulture;
        if (model.Network is ITrainableNetwork { Loss: Loss.MeanSquaredError })
        {
            float[] values = model.Predict(rows);
            return Array.ConvertAll(values, v => v.ToString("G6", c));
        }
        int[] classes = model.PredictClass(rows);
        float[] probabilities = model.PredictProbabilities(rows);
        int classCount = probabilities.Length / classes.Length;
        var text = new string[classes.Length];
        for (int i = 0; i < text.Length; i++)
            text[i] = string.Create(c, $"{model.Preprocessing.ClassName(classes[i])} (p = {probabilities[i * classCount + classes[i]]:0.000})");
        return text;
    }
}
