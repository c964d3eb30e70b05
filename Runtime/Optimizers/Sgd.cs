using System;
using System.Collections.Generic;
using System.Numerics;

namespace Myelin.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, as PyTorch's
/// <c>torch.optim.SGD</c>, with the same defaults.
/// </summary>
/// <remarks>
/// Per element, with parameter <c>p</c>, gradient <c>g</c> and momentum buffer <c>b</c> (PyTorch's <c>momentum_buffer</c>):
/// <code>
/// g = g + weight_decay * p                    if weight_decay != 0
/// b = g                                       on the tensor's first step, without dampening   } if momentum != 0
/// b = momentum * b + (1 - dampening) * g      on its later steps                              }
/// g = g + momentum * b  if nesterov, else g = b                                               }
/// p = p - lr * g
/// </code>
/// </remarks>
public sealed class Sgd : Optimizer
{
    private const string MomentumBufferKey = "momentum_buffer";

    /// <summary>Creates the optimizer; every argument is PyTorch's, with its default.</summary>
    /// <param name="lr">The learning rate, ≥ 0.</param>
    /// <param name="momentum">The momentum factor, ≥ 0; 0 keeps no momentum buffer.</param>
    /// <param name="dampening">Dampening for momentum, in [0, 1].</param>
    /// <param name="weightDecay">L2 penalty added to the gradient, ≥ 0.</param>
    /// <param name="nesterov">Nesterov momentum; needs <paramref name="momentum"/> &gt; 0 and <paramref name="dampening"/> = 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum or with dampening.</exception>
    public Sgd(double lr = 1e-3, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(nameof(Sgd), lr, momentum != 0 ? [MomentumBufferKey] : [])
    {
        Momentum = Hyperparameter.NonNegative(momentum, nameof(momentum));
        Dampening = Hyperparameter.InClosedUnitInterval(dampening, nameof(dampening));
        WeightDecay = Hyperparameter.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException(
                $"Nesterov momentum requires a momentum > 0 and zero dampening, but momentum was {Hyperparameter.Format(momentum)} and dampening {Hyperparameter.Format(dampening)}.",
                nameof(nesterov));
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor; 0 means plain SGD.</summary>
    public double Momentum { get; }

    /// <summary>Dampening for momentum.</summary>
    public double Dampening { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients,
        Span<float> state0, Span<float> state1, Span<float> state2, long step)
    {
        var update = new SgdUpdate(
            negativeLearningRate: (float)-LearningRate,
            weightDecay: (float)WeightDecay,
            decay: WeightDecay != 0,
            useMomentum: Momentum != 0,
            firstStep: step == 1,
            momentum: (float)Momentum,
            oneMinusDampening: (float)(1 - Dampening),
            nesterov: Nesterov);
        ParameterUpdate.Run(update, parameters, gradients, state0, state1, state2);
    }

    private protected override void AddHyperparameters(Dictionary<string, double> scalars)
    {
        scalars["momentum"] = Momentum;
        scalars["dampening"] = Dampening;
        scalars["weight_decay"] = WeightDecay;
        scalars["nesterov"] = Nesterov ? 1 : 0;
    }

    /// <summary>
    /// <c>d = g + wd*p</c>; <c>b = d</c> on the first step, else <c>b = momentum*b + (1 - dampening)*d</c>;
    /// <c>d = d + momentum*b</c> (Nesterov) or <c>d = b</c>; <c>p = p + (-lr)*d</c>. State stream 0 is the momentum buffer.
    /// </summary>
    private readonly struct SgdUpdate(
        float negativeLearningRate, float weightDecay, bool decay,
        bool useMomentum, bool firstStep, float momentum, float oneMinusDampening, bool nesterov) : IParameterUpdate
    {
        public void Apply(ref float parameter, float gradient, ref float momentumBuffer, ref float unused1, ref float unused2)
        {
            float d = decay ? gradient + weightDecay * parameter : gradient;
            if (useMomentum)
            {
                momentumBuffer = firstStep ? d : momentumBuffer * momentum + oneMinusDampening * d;
                d = nesterov ? d + momentum * momentumBuffer : momentumBuffer;
            }
            parameter += negativeLearningRate * d;
        }

        public void Apply(ref Vector<float> parameter, Vector<float> gradient, ref Vector<float> momentumBuffer, ref Vector<float> unused1, ref Vector<float> unused2)
        {
            Vector<float> d = decay ? gradient + weightDecay * parameter : gradient;
            if (useMomentum)
            {
                momentumBuffer = firstStep ? d : momentumBuffer * momentum + oneMinusDampening * d;
                d = nesterov ? d + momentum * momentumBuffer : momentumBuffer;
            }
            parameter += negativeLearningRate * d;
        }
    }
}
