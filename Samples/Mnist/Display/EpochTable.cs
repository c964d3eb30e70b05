using System.Collections.Generic;
using System.Globalization;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Display;

/// <summary>The per-epoch metrics of a run as a table: loss, accuracy, validation loss and accuracy, time and samples/s.</summary>
internal static class EpochTable
{
    /// <summary>One row per completed epoch of <paramref name="history"/>; the best validation accuracy is bold.</summary>
    public static Table For(History history)
    {
        var c = CultureInfo.InvariantCulture;
        bool validated = history.Epochs.Count > 0 && history.Epochs[0].Metrics.ContainsKey("val_loss");
        var table = new Table().Border(TableBorder.Rounded).Title("Training history");
        var headers = new List<string> { "epoch", "loss", "accuracy" };
        if (validated) headers.AddRange(["val_loss", "val_accuracy"]);
        headers.AddRange(["time", "samples/s"]);
        foreach (string header in headers) table.AddColumn(new TableColumn($"[bold]{header}[/]").RightAligned());

        int best = -1;
        for (int i = 0; i < history.Epochs.Count && validated; i++)
        {
            if (best < 0 || Value(history.Epochs[i], "val_accuracy") > Value(history.Epochs[best], "val_accuracy")) best = i;
        }

        for (int i = 0; i < history.Epochs.Count; i++)
        {
            var epoch = history.Epochs[i];
            var cells = new List<string>
            {
                epoch.Epoch.ToString(c),
                epoch.Loss.ToString("0.0000", c),
                Percent(Value(epoch, "accuracy")),
            };
            if (validated)
            {
                cells.Add(epoch.ValidationLoss.ToString("0.0000", c));
                string accuracy = Percent(Value(epoch, "val_accuracy"));
                cells.Add(i == best ? $"[bold green]{accuracy}[/]" : accuracy);
            }
            cells.Add(string.Create(c, $"{epoch.Duration.TotalSeconds:0.00} s"));
            cells.Add(epoch.SamplesPerSecond.ToString("N0", c));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    /// <summary>"96.41%", or "–" for a metric the run did not compute.</summary>
    public static string Percent(double fraction) => double.IsNaN(fraction) ? "–" : (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static double Value(EpochResult epoch, string key) => epoch.Metrics.TryGetValue(key, out double value) ? value : double.NaN;
}
