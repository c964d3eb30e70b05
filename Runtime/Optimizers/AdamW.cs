using System;

namespace Myelin.Optimizers;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's <c>torch.optim.AdamW</c>, with the same
/// defaults (note <c>weight_decay = 1e-2</c>).
/// </summary>
/// <remarks>
/// Each step first shrinks the parameter, <c>p = p * (1 - lr * weight_decay)</c>, and then applies <see cref="Adam"/>'s
/// update with no decay in the gradient. State and bias correction are Adam's.
/// </remarks>
public sealed class AdamW : AdamBase
{
    /// <summary>Creates the optimizer; every argument is PyTorch's, with its default.</summary>
    /// <param name="lr">The learning rate, ≥ 0.</param>
    /// <param name="beta1">The first moment's decay, in [0, 1).</param>
    /// <param name="beta2">The second moment's decay, in [0, 1).</param>
    /// <param name="eps">Added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">The decoupled decay coefficient, ≥ 0.</param>
    /// <param name="amsgrad">Use the maximum of past second moments (AMSGrad).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    public AdamW(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(nameof(AdamW), lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: true)
    {
    }
}
