using System;
using System.Collections.Generic;

namespace Myelin.Optimizers;

/// <summary>
/// Anneals the learning rate along a half cosine from the base rate to <see cref="EtaMin"/> over
/// <see cref="TMax"/> epochs, with PyTorch's closed form for <c>CosineAnnealingLR</c>:
/// <c>lr(e) = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2</c>.
/// </summary>
/// <remarks>
/// Past <see cref="TMax"/> the cosine carries on, so the rate climbs back towards the base rate over the next
/// <see cref="TMax"/> epochs, as PyTorch's does. See <see cref="ILearningRateSchedule"/> for when to call <see cref="Step"/>.
/// </remarks>
public sealed class CosineAnnealingLR : LearningRateSchedule, IEpochSchedule
{
    /// <summary>Creates the schedule; the optimizer's current learning rate is the base.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="tMax">The epochs of the half cosine, ≥ 1.</param>
    /// <param name="etaMin">The learning rate at <paramref name="tMax"/>, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range; the message names it and its value.</exception>
    public CosineAnnealingLR(IOptimizer optimizer, int tMax, double etaMin = 0)
        : base(nameof(CosineAnnealingLR), optimizer)
    {
        TMax = Hyperparameter.AtLeast(tMax, 1, nameof(tMax));
        EtaMin = Hyperparameter.NonNegative(etaMin, nameof(etaMin));
    }

    /// <summary>The epochs from the base rate down to <see cref="EtaMin"/>.</summary>
    public int TMax { get; }

    /// <summary>The lowest learning rate.</summary>
    public double EtaMin { get; }

    /// <summary>The closed-form learning rate after <paramref name="epoch"/> epochs.</summary>
    public double LearningRateAt(int epoch) =>
        EtaMin + (BaseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;

    /// <inheritdoc />
    public void Step()
    {
        LastEpoch++;
        Optimizer.LearningRate = LearningRateAt(LastEpoch);
    }

    private protected override void AddHyperparameters(Dictionary<string, double> values)
    {
        values["T_max"] = TMax;
        values["eta_min"] = EtaMin;
    }
}
