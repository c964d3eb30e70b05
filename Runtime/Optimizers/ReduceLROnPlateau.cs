using System;
using System.Collections.Generic;

namespace Myelin.Optimizers;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> wants its metric to go down (a loss) or up (an accuracy).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (PyTorch's <c>'min'</c>).</summary>
    Min = 0,

    /// <summary>Higher is better (PyTorch's <c>'max'</c>).</summary>
    Max = 1,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> measures a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative to the best value (PyTorch's <c>'rel'</c>): better than <c>best * (1 ∓ threshold)</c>.</summary>
    Relative = 0,

    /// <summary>Absolute (PyTorch's <c>'abs'</c>): better than <c>best ∓ threshold</c>.</summary>
    Absolute = 1,
}

/// <summary>
/// Reduces the learning rate when a metric stops improving, with PyTorch's <c>ReduceLROnPlateau</c> semantics.
/// </summary>
/// <remarks>
/// <para>
/// At each <see cref="Step(double)"/>: a metric better than <see cref="Best"/> by more than the threshold becomes the
/// new best and resets <see cref="BadEpochs"/>; any other metric (NaN included) adds a bad epoch. While the cooldown
/// counter is positive it counts down and bad epochs are reset to 0. When there have been more than
/// <see cref="Patience"/> bad epochs, the rate becomes <c>max(lr * factor, min_lr)</c> (unchanged if that lowers it by
/// no more than <see cref="Epsilon"/>), the cooldown starts and bad epochs are reset.
/// </para>
/// <para>See <see cref="ILearningRateSchedule"/> for when to call <see cref="Step(double)"/>.</para>
/// </remarks>
public sealed class ReduceLROnPlateau : LearningRateSchedule, IMetricSchedule
{
    /// <summary>Creates the schedule; every argument is PyTorch's, with its default.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="mode">Whether the metric should fall or rise.</param>
    /// <param name="factor">The factor per reduction, in [0, 1).</param>
    /// <param name="patience">Bad epochs tolerated before a reduction, ≥ 0.</param>
    /// <param name="threshold">The improvement that counts, ≥ 0.</param>
    /// <param name="thresholdMode">Whether the threshold is relative or absolute.</param>
    /// <param name="cooldown">Epochs after a reduction during which bad epochs are not counted, ≥ 0.</param>
    /// <param name="minLr">The learning rate's lower bound, ≥ 0.</param>
    /// <param name="eps">A reduction smaller than this is skipped, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range; the message names it and its value.</exception>
    public ReduceLROnPlateau(IOptimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLr = 0, double eps = 1e-8)
        : base(nameof(ReduceLROnPlateau), optimizer)
    {
        if (mode is not (PlateauMode.Min or PlateauMode.Max))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"mode must be Min or Max, but was {mode}.");
        if (thresholdMode is not (ThresholdMode.Relative or ThresholdMode.Absolute))
            throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, $"thresholdMode must be Relative or Absolute, but was {thresholdMode}.");
        if (!(factor >= 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"factor must be in [0, 1), but was {Hyperparameter.Format(factor)}.");
        Mode = mode;
        ThresholdMode = thresholdMode;
        Factor = factor;
        Patience = Hyperparameter.AtLeast(patience, 0, nameof(patience));
        Threshold = Hyperparameter.NonNegative(threshold, nameof(threshold));
        Cooldown = Hyperparameter.AtLeast(cooldown, 0, nameof(cooldown));
        MinLearningRate = Hyperparameter.NonNegative(minLr, nameof(minLr));
        Epsilon = Hyperparameter.NonNegative(eps, nameof(eps));
        Best = WorstValue;
    }

    /// <summary>Whether the metric should fall or rise.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The factor per reduction.</summary>
    public double Factor { get; }

    /// <summary>Bad epochs tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>The improvement that counts.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The learning rate's lower bound.</summary>
    public double MinLearningRate { get; }

    /// <summary>A reduction smaller than this is skipped.</summary>
    public double Epsilon { get; }

    /// <summary>The best metric so far; infinity (or minus infinity in <see cref="PlateauMode.Max"/>) before the first step.</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without significant improvement (PyTorch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left (PyTorch's <c>cooldown_counter</c>).</summary>
    public int CooldownCounter { get; private set; }

    private double WorstValue => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <inheritdoc />
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }

        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            BadEpochs = 0;
        }

        if (BadEpochs > Patience)
        {
            double old = Optimizer.LearningRate;
            double reduced = Math.Max(old * Factor, MinLearningRate);
            if (old - reduced > Epsilon) Optimizer.LearningRate = reduced;
            CooldownCounter = Cooldown;
            BadEpochs = 0;
        }
    }

    /// <summary>PyTorch's <c>is_better</c>: beyond <c>best * (1 ∓ threshold)</c> (relative) or <c>best ∓ threshold</c> (absolute).</summary>
    private bool IsBetter(double metric, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => metric < best * (1 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => metric < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => metric > best * (Threshold + 1),
        _ => metric > best + Threshold,
    };

    private protected override void AddHyperparameters(Dictionary<string, double> values)
    {
        values["mode"] = (int)Mode;
        values["factor"] = Factor;
        values["patience"] = Patience;
        values["threshold"] = Threshold;
        values["threshold_mode"] = (int)ThresholdMode;
        values["cooldown"] = Cooldown;
        values["min_lr"] = MinLearningRate;
        values["eps"] = Epsilon;
    }

    private protected override void AddCounters(Dictionary<string, double> values)
    {
        values["best"] = Best;
        values["num_bad_epochs"] = BadEpochs;
        values["cooldown_counter"] = CooldownCounter;
    }

    private protected override void RestoreCounters(LearningRateScheduleState state)
    {
        double best = Require(state, "best");
        if (double.IsNaN(best))
            throw new ArgumentException($"{Name} state has best = NaN; a best metric is a number or an infinity.", nameof(state));
        int badEpochs = WholeNumber(state, "num_bad_epochs");
        int cooldownCounter = WholeNumber(state, "cooldown_counter");
        Best = best;
        BadEpochs = badEpochs;
        CooldownCounter = cooldownCounter;
    }
}
