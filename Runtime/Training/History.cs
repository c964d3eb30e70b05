using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Myelin.Training;

/// <summary>What one epoch of <see cref="Trainer.Fit"/> measured.</summary>
/// <param name="Epoch">The epoch, counting from 1.</param>
/// <param name="Metrics">Keras-style keys: <c>loss</c>, <c>accuracy</c>, ..., and <c>val_loss</c>, <c>val_accuracy</c>, ... when there is validation data.</param>
/// <param name="LearningRate">The learning rate the epoch trained with.</param>
/// <param name="Duration">Wall time of the epoch's training (without validation).</param>
/// <param name="SamplesPerSecond">Training samples per second.</param>
public sealed record EpochResult(int Epoch, IReadOnlyDictionary<string, double> Metrics, double LearningRate, TimeSpan Duration, double SamplesPerSecond)
{
    /// <summary>The training loss.</summary>
    public double Loss => Metrics["loss"];

    /// <summary>The validation loss, or NaN without validation data.</summary>
    public double ValidationLoss => Metrics.TryGetValue("val_loss", out double value) ? value : double.NaN;

    /// <summary>A metric by key; throws listing the keys there are.</summary>
    public double this[string key] => Metrics.TryGetValue(key, out double value)
        ? value
        : throw new KeyNotFoundException($"Epoch {Epoch} has no metric '{key}'. It has: {string.Join(", ", Metrics.Keys)}.");

    /// <summary>One line, like Keras's progress output.</summary>
    public override string ToString() =>
        $"epoch {Epoch}: " + string.Join(", ", Metrics.Select(m => $"{m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))
        + $", {Duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s, {SamplesPerSecond.ToString("0", CultureInfo.InvariantCulture)} samples/s";
}

/// <summary>The per-epoch record of a <see cref="Trainer.Fit"/> run, like Keras's <c>History</c>.</summary>
public sealed class History
{
    private readonly List<EpochResult> _epochs = new();

    /// <summary>Every completed epoch, in order.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>Why training stopped: <c>completed</c>, <c>early stopping</c> or <c>cancelled</c>.</summary>
    public string StopReason { get; internal set; } = "completed";

    /// <summary>The values of one metric over the epochs, e.g. <c>history["val_loss"]</c>.</summary>
    public IReadOnlyList<double> this[string key] => _epochs.Select(e => e[key]).ToList();

    /// <summary>The last epoch's results.</summary>
    public EpochResult Last => _epochs.Count > 0 ? _epochs[^1] : throw new InvalidOperationException("No epoch has completed.");

    internal void Add(EpochResult result) => _epochs.Add(result);
}
