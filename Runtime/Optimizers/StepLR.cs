using System.Collections.Generic;

namespace Myelin.Optimizers;

/// <summary>
/// Multiplies the learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> epochs, as PyTorch's
/// <c>StepLR</c>: after epoch <c>e</c>, <c>lr = base_lr * gamma^floor(e / step_size)</c>.
/// </summary>
/// <remarks>
/// Like PyTorch's <c>step()</c>, each reduction multiplies the optimizer's current rate (the chainable form), so a rate
/// changed by hand is carried on. See <see cref="ILearningRateSchedule"/> for when to call <see cref="Step"/>.
/// </remarks>
public sealed class StepLR : LearningRateSchedule, IEpochSchedule
{
    /// <summary>Creates the schedule; the optimizer's current learning rate is the base.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="stepSize">Epochs between reductions, ≥ 1.</param>
    /// <param name="gamma">The factor per reduction, ≥ 0.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">An argument is out of range; the message names it and its value.</exception>
    public StepLR(IOptimizer optimizer, int stepSize, double gamma = 0.1)
        : base(nameof(StepLR), optimizer)
    {
        StepSize = Hyperparameter.AtLeast(stepSize, 1, nameof(stepSize));
        Gamma = Hyperparameter.NonNegative(gamma, nameof(gamma));
    }

    /// <summary>Epochs between reductions.</summary>
    public int StepSize { get; }

    /// <summary>The factor applied at each reduction.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public void Step()
    {
        LastEpoch++;
        if (LastEpoch % StepSize == 0) Optimizer.LearningRate *= Gamma;
    }

    private protected override void AddHyperparameters(Dictionary<string, double> values)
    {
        values["step_size"] = StepSize;
        values["gamma"] = Gamma;
    }
}
