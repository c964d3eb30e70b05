using System;
using System.Linq;
using Myelin.Checkpoints;
using Myelin.Training;
using ScottPlot;

namespace Myelin.Samples.Mnist.Display;

/// <summary>Learning curves as a PNG: loss (left) and accuracy (right) per epoch, training and validation, with ScottPlot 5.</summary>
internal static class CurvePlot
{
    /// <summary>The image size in pixels.</summary>
    public const int Width = 1200, Height = 480;

    /// <summary>
    /// Writes the curves of <paramref name="history"/> to <paramref name="path"/> as a PNG, atomically: an earlier plot
    /// there is replaced whole or, if the write fails, left as it was.
    /// </summary>
    /// <param name="history">A run with at least one epoch.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Shown above both plots, e.g. "mlp on 8,000 bundled digits".</param>
    public static void Save(History history, string path, string title)
    {
        if (history.Epochs.Count == 0) throw new ArgumentException("There are no epochs to plot.", nameof(history));
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var loss = multiplot.GetPlot(0);
        var accuracy = multiplot.GetPlot(1);

        AddSeries(loss, epochs, history, "loss", "training loss", Colors.C0, scale: 1);
        AddSeries(loss, epochs, history, "val_loss", "validation loss", Colors.C1, scale: 1);
        AddSeries(accuracy, epochs, history, "accuracy", "training accuracy", Colors.C0, scale: 100);
        AddSeries(accuracy, epochs, history, "val_accuracy", "validation accuracy", Colors.C1, scale: 100);

        Style(loss, $"Loss — {title}", "cross-entropy loss", Alignment.UpperRight, epochs.Length);
        Style(accuracy, $"Accuracy — {title}", "accuracy (%)", Alignment.LowerRight, epochs.Length);
        using var image = multiplot.Render(Width, Height);
        byte[] png = image.GetImageBytes(ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    private static void AddSeries(Plot plot, double[] epochs, History history, string key, string label, Color color, double scale)
    {
        if (!history.Epochs[0].Metrics.ContainsKey(key)) return;
        double[] values = history.Epochs.Select(e => e[key] * scale).ToArray();
        var line = plot.Add.Scatter(epochs, values, color);
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 6;
    }

    private static void Style(Plot plot, string title, string yLabel, Alignment legend, int epochCount)
    {
        plot.Title(title, size: 14);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        // Whole epochs only: a tick every epoch up to 20, then every few.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, (int)Math.Ceiling(epochCount / 20.0)));
        plot.Axes.SetLimitsX(0.5, epochCount + 0.5);
    }
}
