using System;
using System.Collections.Generic;
using System.Globalization;
using Myelin.Data;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Display;

/// <summary>
/// Counts of (true class, predicted class) over a labelled dataset: element <c>[t, p]</c> is how many samples of class
/// <c>t</c> the network classified as <c>p</c>. The diagonal holds the correct ones.
/// </summary>
internal sealed class ConfusionMatrix
{
    private readonly int[] _counts; // [ClassCount, ClassCount], row = true class, column = predicted class

    private ConfusionMatrix(int classCount)
    {
        ClassCount = classCount;
        _counts = new int[classCount * classCount];
    }

    /// <summary>The number of classes (rows and columns).</summary>
    public int ClassCount { get; }

    /// <summary>Samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual * ClassCount + predicted];

    /// <summary>All samples counted.</summary>
    public int Total { get; private set; }

    /// <summary>Samples on the diagonal.</summary>
    public int Correct { get; private set; }

    /// <summary><see cref="Correct"/> / <see cref="Total"/>.</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    /// <summary>Classifies every sample of <paramref name="data"/> (eval mode, arg-max of the outputs) and counts.</summary>
    public static ConfusionMatrix Compute(INetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        int classes = network.OutputSize;
        float[] outputs = network.Predict(data);
        var matrix = new ConfusionMatrix(classes);
        ReadOnlySpan<int> labels = data.Labels;
        for (int i = 0; i < data.Count; i++)
        {
            int predicted = Myelin.Training.Accuracy.ArgMax(outputs.AsSpan(i * classes, classes));
            matrix._counts[labels[i] * classes + predicted]++;
            matrix.Total++;
            if (predicted == labels[i]) matrix.Correct++;
        }
        return matrix;
    }

    /// <summary>"Held-out accuracy: 94.65% (1,893 / 2,000)".</summary>
    public string AccuracyLine(string label = "Held-out accuracy") => string.Create(CultureInfo.InvariantCulture,
        $"{label}: {Accuracy * 100:0.00}% ({Correct:N0} / {Total:N0})");

    /// <summary>
    /// The matrix as a table: a row per true class, a column per predicted class and a last column with the class's
    /// recall. Correct counts are green, mistakes red (bold from 2% of the row), zeros a dim dot.
    /// </summary>
    /// <param name="names">The class names shown, by index; default the indices.</param>
    public Table ToTable(IReadOnlyList<string>? names = null)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Confusion matrix");
        // One space of padding on the right only keeps ten classes within 80 columns.
        table.AddColumn(new TableColumn("[bold]true\\pred[/]").RightAligned().Padding(0, 0, 1, 0));
        for (int p = 0; p < ClassCount; p++) table.AddColumn(new TableColumn($"[bold]{Name(names, p)}[/]").RightAligned().Padding(0, 0, 1, 0));
        table.AddColumn(new TableColumn("[bold]recall[/]").RightAligned().Padding(0, 0, 1, 0));

        var c = CultureInfo.InvariantCulture;
        for (int t = 0; t < ClassCount; t++)
        {
            int rowTotal = 0;
            for (int p = 0; p < ClassCount; p++) rowTotal += this[t, p];
            var cells = new List<string> { $"[bold]{Name(names, t)}[/]" };
            for (int p = 0; p < ClassCount; p++)
            {
                int count = this[t, p];
                string text = count.ToString(c);
                cells.Add(count == 0 ? "[grey]·[/]"
                    : p == t ? $"[green]{text}[/]"
                    : count * 50 >= rowTotal ? $"[bold red]{text}[/]"
                    : $"[red]{text}[/]");
            }
            cells.Add(rowTotal == 0 ? "[grey]–[/]" : string.Create(c, $"{100.0 * this[t, t] / rowTotal:0.0}%"));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    private static string Name(IReadOnlyList<string>? names, int index) =>
        Markup.Escape(names is not null && index < names.Count ? names[index] : index.ToString(CultureInfo.InvariantCulture));
}
