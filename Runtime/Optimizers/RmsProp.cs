using System;
using System.Collections.Generic;
using System.Numerics;

namespace Myelin.Optimizers;

/// <summary>
/// RMSprop with optional centering, momentum and L2 weight decay, as PyTorch's <c>torch.optim.RMSprop</c>, with the
/// same defaults.
/// </summary>
/// <remarks>
/// Per element, with parameter <c>p</c>, gradient <c>g</c>, <c>s</c> (<c>square_avg</c>), <c>a</c> (<c>grad_avg</c>,
/// centered only) and <c>b</c> (<c>momentum_buffer</c>, momentum only), all starting at zero:
/// <code>
/// g = g + weight_decay * p                   if weight_decay != 0
/// s = alpha * s + (1 - alpha) * g * g
/// a = alpha * a + (1 - alpha) * g            (as PyTorch's lerp)    } if centered
/// avg = sqrt(s - a * a) + eps, or sqrt(s) + eps when not centered
/// b = momentum * b + g / avg;  p = p - lr * b    if momentum &gt; 0
/// p = p - lr * g / avg                           otherwise
/// </code>
/// PyTorch accepts any <c>alpha</c> ≥ 0; Myelin also rejects <c>alpha</c> &gt; 1, which makes <c>s</c> negative.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    private const string SquareAvgKey = "square_avg";
    private const string GradAvgKey = "grad_avg";
    private const string MomentumBufferKey = "momentum_buffer";

    /// <summary>Creates the optimizer; every argument is PyTorch's, with its default.</summary>
    /// <param name="lr">The learning rate, ≥ 0.</param>
    /// <param name="alpha">The smoothing constant of the averages, in [0, 1].</param>
    /// <param name="eps">Added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient, ≥ 0.</param>
    /// <param name="momentum">The momentum factor, ≥ 0; 0 keeps no momentum buffer.</param>
    /// <param name="centered">Normalise by an estimate of the gradient's variance instead of its second moment.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    public RmsProp(double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(nameof(RmsProp), lr, StateKeys(momentum, centered))
    {
        Alpha = Hyperparameter.InClosedUnitInterval(alpha, nameof(alpha));
        Epsilon = Hyperparameter.NonNegative(eps, nameof(eps));
        WeightDecay = Hyperparameter.NonNegative(weightDecay, nameof(weightDecay));
        Momentum = Hyperparameter.NonNegative(momentum, nameof(momentum));
        Centered = centered;
    }

    /// <summary>The smoothing constant.</summary>
    public double Alpha { get; }

    /// <summary>The term added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>The momentum factor; 0 means none.</summary>
    public double Momentum { get; }

    /// <summary>Whether the centered variant is used.</summary>
    public bool Centered { get; }

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients,
        Span<float> state0, Span<float> state1, Span<float> state2, long step)
    {
        // Streams follow StateKeys: square_avg, then grad_avg if centered, then momentum_buffer if momentum > 0.
        Span<float> gradAvg = Centered ? state1 : Span<float>.Empty;
        Span<float> momentumBuffer = Momentum > 0 ? (Centered ? state2 : state1) : Span<float>.Empty;
        float lerpWeight = (float)(1 - Alpha);
        var update = new RmsPropUpdate(
            negativeLearningRate: (float)-LearningRate,
            weightDecay: (float)WeightDecay,
            decay: WeightDecay != 0,
            alpha: (float)Alpha,
            oneMinusAlpha: (float)(1 - Alpha),
            centered: Centered,
            lerpWeight: lerpWeight,
            oneMinusLerpWeight: 1f - lerpWeight,
            lerpFromStart: MathF.Abs(lerpWeight) < 0.5f,
            useMomentum: Momentum > 0,
            momentum: (float)Momentum,
            eps: (float)Epsilon);
        ParameterUpdate.Run(update, parameters, gradients, state0, gradAvg, momentumBuffer);
    }

    private protected override void AddHyperparameters(Dictionary<string, double> scalars)
    {
        scalars["alpha"] = Alpha;
        scalars["eps"] = Epsilon;
        scalars["weight_decay"] = WeightDecay;
        scalars["momentum"] = Momentum;
        scalars["centered"] = Centered ? 1 : 0;
    }

    private static string[] StateKeys(double momentum, bool centered) => (centered, momentum > 0) switch
    {
        (false, false) => [SquareAvgKey],
        (true, false) => [SquareAvgKey, GradAvgKey],
        (false, true) => [SquareAvgKey, MomentumBufferKey],
        (true, true) => [SquareAvgKey, GradAvgKey, MomentumBufferKey],
    };

    /// <summary>
    /// <c>d = g + wd*p</c>; <c>s = s*alpha + ((1 - alpha)*d)*d</c>; centered: <c>a = lerp(a, d, 1 - alpha)</c>,
    /// <c>avg = sqrt(s - a*a) + eps</c>, else <c>avg = sqrt(s) + eps</c>; momentum: <c>b = b*momentum + d/avg</c>,
    /// <c>p = p + (-lr)*b</c>, else <c>p = p + ((-lr)*d)/avg</c>. Streams: 0 <c>square_avg</c>, 1 <c>grad_avg</c>,
    /// 2 <c>momentum_buffer</c>.
    /// </summary>
    private readonly struct RmsPropUpdate(
        float negativeLearningRate, float weightDecay, bool decay, float alpha, float oneMinusAlpha,
        bool centered, float lerpWeight, float oneMinusLerpWeight, bool lerpFromStart,
        bool useMomentum, float momentum, float eps) : IParameterUpdate
    {
        public void Apply(ref float parameter, float gradient, ref float squareAvg, ref float gradAvg, ref float momentumBuffer)
        {
            float d = decay ? gradient + weightDecay * parameter : gradient;
            squareAvg = squareAvg * alpha + oneMinusAlpha * d * d;
            float avg;
            if (centered)
            {
                gradAvg = lerpFromStart ? gradAvg + lerpWeight * (d - gradAvg) : d - (d - gradAvg) * oneMinusLerpWeight;
                avg = MathF.Sqrt(squareAvg - gradAvg * gradAvg);
            }
            else
            {
                avg = MathF.Sqrt(squareAvg);
            }
            avg += eps;
            if (useMomentum)
            {
                momentumBuffer = momentumBuffer * momentum + d / avg;
                parameter += negativeLearningRate * momentumBuffer;
            }
            else
            {
                parameter += negativeLearningRate * d / avg;
            }
        }

        public void Apply(ref Vector<float> parameter, Vector<float> gradient, ref Vector<float> squareAvg, ref Vector<float> gradAvg, ref Vector<float> momentumBuffer)
        {
            Vector<float> d = decay ? gradient + weightDecay * parameter : gradient;
            squareAvg = squareAvg * alpha + oneMinusAlpha * d * d;
            Vector<float> avg;
            if (centered)
            {
                gradAvg = lerpFromStart ? gradAvg + lerpWeight * (d - gradAvg) : d - (d - gradAvg) * oneMinusLerpWeight;
                avg = Vector.SquareRoot(squareAvg - gradAvg * gradAvg);
            }
            else
            {
                avg = Vector.SquareRoot(squareAvg);
            }
            avg += new Vector<float>(eps);
            if (useMomentum)
            {
                momentumBuffer = momentumBuffer * momentum + d / avg;
                parameter += negativeLearningRate * momentumBuffer;
            }
            else
            {
                parameter += negativeLearningRate * d / avg;
            }
        }
    }
}
