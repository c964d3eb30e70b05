using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Myelin.Data;

namespace Myelin.Training;

/// <summary>Precision, recall, F1 and support of one class (or an average over classes).</summary>
/// <param name="Name">The class name, or <c>macro avg</c> / <c>weighted avg</c>.</param>
/// <param name="Precision">Of the samples predicted as this class, the fraction that are: <c>TP / (TP + FP)</c>; 0 when none is predicted.</param>
/// <param name="Recall">Of the samples of this class, the fraction predicted as it: <c>TP / (TP + FN)</c>; 0 when it has no samples.</param>
/// <param name="F1">The harmonic mean <c>2PR / (P + R)</c>; 0 when both are 0.</param>
/// <param name="Support">The number of samples of this class (all samples for an average).</param>
public sealed record ClassMetrics(string Name, double Precision, double Recall, double F1, int Support);

/// <summary>
/// Per-class precision, recall and F1, their macro and support-weighted averages, the accuracy, the confusion
/// matrix and, for a binary classifier, the ROC AUC: scikit-learn's <c>classification_report</c>, with
/// <c>zero_division=0</c>.
/// </summary>
public sealed class ClassificationReport
{
    private readonly int[] _confusion; // [actual, predicted]

    private ClassificationReport(int[] confusion, IReadOnlyList<ClassMetrics> classes, double accuracy, ClassMetrics macro, ClassMetrics weighted, double? rocAuc)
    {
        _confusion = confusion;
        Classes = classes;
        Accuracy = accuracy;
        MacroAverage = macro;
        WeightedAverage = weighted;
        RocAuc = rocAuc;
    }

    /// <summary>One row per class, in class-index order.</summary>
    public IReadOnlyList<ClassMetrics> Classes { get; }

    /// <summary>The fraction of samples predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>The unweighted mean of the per-class values.</summary>
    public ClassMetrics MacroAverage { get; }

    /// <summary>The per-class values weighted by support.</summary>
    public ClassMetrics WeightedAverage { get; }

    /// <summary>The ROC AUC of a binary classifier (<see cref="Training.RocAuc"/>), or null when not computed.</summary>
    public double? RocAuc { get; }

    /// <summary>The number of samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int Confusion(int actual, int predicted)
    {
        int classes = Classes.Count;
        if ((uint)actual >= (uint)classes || (uint)predicted >= (uint)classes)
            throw new ArgumentOutOfRangeException(nameof(actual), $"Classes ({actual}, {predicted}) are not both in [0, {classes}).");
        return _confusion[actual * classes + predicted];
    }

    /// <summary>The report for <paramref name="predicted"/> against <paramref name="actual"/> class indices.</summary>
    /// <param name="predicted">The predicted class of each sample.</param>
    /// <param name="actual">The true class of each sample.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="classNames">The class names, or null to name them by index.</param>
    /// <param name="positiveScores">For a binary classifier, the score (probability or logit) of class 1 per sample, to compute the ROC AUC; empty for none.</param>
    public static ClassificationReport Compute(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual, int classCount,
        IReadOnlyList<string>? classNames = null, ReadOnlySpan<float> positiveScores = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"predicted has {predicted.Length} classes but actual has {actual.Length}.", nameof(actual));
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"{classNames.Count} class names were given for {classCount} classes.", nameof(classNames));

        var confusion = new int[classCount * classCount];
        int correct = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)classCount || (uint)predicted[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(actual), $"Sample {i}: classes {actual[i]} (actual) and {predicted[i]} (predicted) must be in [0, {classCount}).");
            confusion[actual[i] * classCount + predicted[i]]++;
            if (actual[i] == predicted[i]) correct++;
        }

        var rows = new List<ClassMetrics>(classCount);
        double macroP = 0, macroR = 0, macroF = 0, weightedP = 0, weightedR = 0, weightedF = 0;
        for (int c = 0; c < classCount; c++)
        {
            int truePositives = confusion[c * classCount + c];
            int predictedAs = 0, support = 0;
            for (int k = 0; k < classCount; k++)
            {
                predictedAs += confusion[k * classCount + c];
                support += confusion[c * classCount + k];
            }
            double precision = predictedAs == 0 ? 0 : (double)truePositives / predictedAs;
            double recall = support == 0 ? 0 : (double)truePositives / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            rows.Add(new ClassMetrics(classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture), precision, recall, f1, support));
            (macroP, macroR, macroF) = (macroP + precision, macroR + recall, macroF + f1);
            (weightedP, weightedR, weightedF) = (weightedP + precision * support, weightedR + recall * support, weightedF + f1 * support);
        }

        int n = actual.Length;
        double total = Math.Max(n, 1);
        var macro = new ClassMetrics("macro avg", macroP / classCount, macroR / classCount, macroF / classCount, n);
        var weighted = new ClassMetrics("weighted avg", weightedP / total, weightedR / total, weightedF / total, n);
        double? auc = null;
        if (!positiveScores.IsEmpty)
        {
            if (classCount != 2) throw new ArgumentException($"ROC AUC is for binary classifiers, but there are {classCount} classes.", nameof(positiveScores));
            auc = Training.RocAuc.Compute(positiveScores, actual);
        }
        return new ClassificationReport(confusion, rows, n == 0 ? double.NaN : (double)correct / n, macro, weighted, auc);
    }

    /// <summary>
    /// The report of <paramref name="network"/> on (preprocessed) <paramref name="data"/>: class labels, or one 0/1
    /// target per sample for a binary classifier. The ROC AUC is computed for a binary classifier when both classes occur.
    /// </summary>
    public static ClassificationReport For(INetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        return FromPredictions(network.PredictClass(data), network.PredictProbabilities(data), ActualClasses(data), network.ClassCount(), data.ClassNames);
    }

    /// <summary>The report of <paramref name="model"/> on raw rows with their labels (e.g. the test split before preprocessing), with the model's class names.</summary>
    public static ClassificationReport For(TabularModel model, Dataset raw)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(raw);
        return FromPredictions(model.PredictClass(raw.Features), model.PredictProbabilities(raw.Features), ActualClasses(raw),
            model.Network.ClassCount(), model.Preprocessing.Classes?.Classes);
    }

    /// <summary>The table scikit-learn prints: one row per class, then accuracy, the averages and the ROC AUC.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        int width = 12;
        foreach (var row in Classes) width = Math.Max(width, row.Name.Length);
        var text = new StringBuilder();
        text.Append(c, $"{"".PadLeft(width)}  {"precision",9}  {"recall",9}  {"f1-score",9}  {"support",7}").AppendLine();
        foreach (var row in Classes) AppendRow(text, row, width);
        text.AppendLine();
        text.Append(c, $"{"accuracy".PadLeft(width)}  {"",9}  {"",9}  {Accuracy,9:0.0000}  {MacroAverage.Support,7}").AppendLine();
        AppendRow(text, MacroAverage, width);
        AppendRow(text, WeightedAverage, width);
        if (RocAuc is double auc) text.Append(c, $"{"roc auc".PadLeft(width)}  {"",9}  {"",9}  {auc,9:0.0000}").AppendLine();
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, ClassMetrics row, int width) =>
        text.Append(CultureInfo.InvariantCulture, $"{row.Name.PadLeft(width)}  {row.Precision,9:0.0000}  {row.Recall,9:0.0000}  {row.F1,9:0.0000}  {row.Support,7}").AppendLine();

    private static ClassificationReport FromPredictions(int[] predicted, float[] probabilities, int[] actual, int classCount, IReadOnlyList<string>? names)
    {
        if (classCount != 2 || Array.IndexOf(actual, 0) < 0 || Array.IndexOf(actual, 1) < 0)
            return Compute(predicted, actual, classCount, names);
        var positive = new float[actual.Length];
        for (int i = 0; i < positive.Length; i++) positive[i] = probabilities[2 * i + 1];
        return Compute(predicted, actual, classCount, names, positive);
    }

    private static int[] ActualClasses(Dataset data)
    {
        if (data.HasLabels) return data.Labels.ToArray();
        if (data.TargetSize != 1)
            throw new ArgumentException($"A classification report needs class labels or one 0/1 target per sample, but the data has {data.TargetSize} targets per sample.", nameof(data));
        var classes = new int[data.Count];
        for (int i = 0; i < classes.Length; i++) classes[i] = data.Targets[i] >= 0.5f ? 1 : 0;
        return classes;
    }
}
