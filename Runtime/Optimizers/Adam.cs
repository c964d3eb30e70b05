using System;
using System.Collections.Generic;

namespace Myelin.Optimizers;

/// <summary>
/// Adam with L2 weight decay added to the gradient and optional AMSGrad, as PyTorch's <c>torch.optim.Adam</c>, with the
/// same defaults and the same bias correction: <c>step_size = lr / (1 - beta1^t)</c> and
/// <c>denom = sqrt(v) / sqrt(1 - beta2^t) + eps</c>, with <c>t</c> the tensor's own step count.
/// </summary>
/// <remarks>
/// Per element, with parameter <c>p</c>, gradient <c>g</c>, first moment <c>m</c> (<c>exp_avg</c>) and second moment
/// <c>v</c> (<c>exp_avg_sq</c>):
/// <code>
/// g = g + weight_decay * p                          if weight_decay != 0
/// m = beta1 * m + (1 - beta1) * g                   (as PyTorch's lerp)
/// v = beta2 * v + (1 - beta2) * g * g
/// vmax = max(vmax, v), and vmax replaces v below    if amsgrad (max_exp_avg_sq)
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// For decoupled weight decay use <see cref="AdamW"/>.
/// </remarks>
public sealed class Adam : AdamBase
{
    /// <summary>Creates the optimizer; every argument is PyTorch's, with its default.</summary>
    /// <param name="lr">The learning rate, ≥ 0.</param>
    /// <param name="beta1">The first moment's decay, in [0, 1).</param>
    /// <param name="beta2">The second moment's decay, in [0, 1).</param>
    /// <param name="eps">Added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient, ≥ 0.</param>
    /// <param name="amsgrad">Use the maximum of past second moments (AMSGrad).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    public Adam(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : base(nameof(Adam), lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: false)
    {
    }
}

/// <summary>
/// What <see cref="Adam"/> and <see cref="AdamW"/> share: the hyperparameters, the state keys and the update; they
/// differ only in how weight decay enters (added to the gradient, or decoupled).
/// </summary>
public abstract class AdamBase : Optimizer
{
    private readonly bool _decoupled;

    private protected AdamBase(string name, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool decoupled)
        : base(name, lr, AdamState.Keys(amsgrad))
    {
        Beta1 = Hyperparameter.InHalfOpenUnitInterval(beta1, nameof(beta1));
        Beta2 = Hyperparameter.InHalfOpenUnitInterval(beta2, nameof(beta2));
        Epsilon = Hyperparameter.NonNegative(eps, nameof(eps));
        WeightDecay = Hyperparameter.NonNegative(weightDecay, nameof(weightDecay));
        AmsGrad = amsgrad;
        _decoupled = decoupled;
    }

    /// <summary>The first moment's decay.</summary>
    public double Beta1 { get; }

    /// <summary>The second moment's decay.</summary>
    public double Beta2 { get; }

    /// <summary>The term added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The weight decay: an L2 penalty added to the gradient (Adam) or a decoupled shrink factor (AdamW).</summary>
    public double WeightDecay { get; }

    /// <summary>Whether AMSGrad is used.</summary>
    public bool AmsGrad { get; }

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients,
        Span<float> state0, Span<float> state1, Span<float> state2, long step)
    {
        var update = new AdamUpdate(LearningRate, Beta1, Beta2, Epsilon, WeightDecay, _decoupled, AmsGrad, step);
        ParameterUpdate.Run(update, parameters, gradients, state0, state1, state2);
    }

    private protected override void AddHyperparameters(Dictionary<string, double> scalars) =>
        AdamState.AddHyperparameters(scalars, Beta1, Beta2, Epsilon, WeightDecay, AmsGrad);
}

/// <summary>State keys and hyperparameter names shared by <see cref="Adam"/> and <see cref="AdamW"/>.</summary>
internal static class AdamState
{
    public static string[] Keys(bool amsgrad) =>
        amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];

    public static void AddHyperparameters(Dictionary<string, double> scalars, double beta1, double beta2, double eps, double weightDecay, bool amsgrad)
    {
        scalars["beta1"] = beta1;
        scalars["beta2"] = beta2;
        scalars["eps"] = eps;
        scalars["weight_decay"] = weightDecay;
        scalars["amsgrad"] = amsgrad ? 1 : 0;
    }
}
