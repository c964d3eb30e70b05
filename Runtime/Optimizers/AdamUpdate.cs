using System;
using System.Numerics;

namespace Myelin.Optimizers;

/// <summary>
/// Adam's element-wise update, shared by <see cref="Adam"/> (L2 decay) and <see cref="AdamW"/> (decoupled decay), in
/// the order PyTorch's single-tensor Adam does it:
/// <code>
/// d = g + wd * p                                  L2 (Adam), if weight_decay != 0
/// p = p * (1 - lr * wd)                           decoupled (AdamW), if weight_decay != 0
/// m = lerp(m, d, 1 - beta1)                       exp_avg
/// v = v * beta2 + ((1 - beta2) * d) * d           exp_avg_sq
/// vmax = max(vmax, v)                             max_exp_avg_sq, AMSGrad only; then used instead of v
/// denom = sqrt(v) / sqrt(1 - beta2^step) + eps
/// p = p + (-(lr / (1 - beta1^step)) * m) / denom
/// </code>
/// <c>lerp(a, b, w)</c> is PyTorch's: <c>a + w*(b - a)</c> when <c>|w| &lt; 0.5</c>, else <c>b - (b - a)*(1 - w)</c>.
/// State streams: 0 <c>exp_avg</c>, 1 <c>exp_avg_sq</c>, 2 <c>max_exp_avg_sq</c>.
/// </summary>
internal readonly struct AdamUpdate : IParameterUpdate
{
    private readonly bool _l2;
    private readonly float _weightDecay;
    private readonly bool _decoupled;
    private readonly float _decayFactor;
    private readonly float _lerpWeight;
    private readonly float _oneMinusLerpWeight;
    private readonly bool _lerpFromStart;
    private readonly float _beta2;
    private readonly float _oneMinusBeta2;
    private readonly bool _amsGrad;
    private readonly float _biasCorrection2Sqrt;
    private readonly float _eps;
    private readonly float _negativeStepSize;

    /// <summary>Rounds the step's coefficients to float, each computed in double as PyTorch computes them in Python.</summary>
    public AdamUpdate(double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool amsGrad, long step)
    {
        bool decay = weightDecay != 0;
        _l2 = decay && !decoupled;
        _decoupled = decay && decoupled;
        _weightDecay = (float)weightDecay;
        _decayFactor = (float)(1 - lr * weightDecay);

        _lerpWeight = (float)(1 - beta1);
        _oneMinusLerpWeight = 1f - _lerpWeight;
        _lerpFromStart = MathF.Abs(_lerpWeight) < 0.5f;
        _beta2 = (float)beta2;
        _oneMinusBeta2 = (float)(1 - beta2);
        _amsGrad = amsGrad;

        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        _negativeStepSize = (float)-(lr / biasCorrection1);
        _biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
        _eps = (float)eps;
    }

    public void Apply(ref float parameter, float gradient, ref float expAvg, ref float expAvgSq, ref float maxExpAvgSq)
    {
        float d = _l2 ? gradient + _weightDecay * parameter : gradient;
        if (_decoupled) parameter *= _decayFactor;
        expAvg = _lerpFromStart ? expAvg + _lerpWeight * (d - expAvg) : d - (d - expAvg) * _oneMinusLerpWeight;
        expAvgSq = expAvgSq * _beta2 + _oneMinusBeta2 * d * d;
        float second = expAvgSq;
        if (_amsGrad)
        {
            maxExpAvgSq = MathF.Max(maxExpAvgSq, expAvgSq);
            second = maxExpAvgSq;
        }
        float denominator = MathF.Sqrt(second) / _biasCorrection2Sqrt + _eps;
        parameter += _negativeStepSize * expAvg / denominator;
    }

    public void Apply(ref Vector<float> parameter, Vector<float> gradient, ref Vector<float> expAvg, ref Vector<float> expAvgSq, ref Vector<float> maxExpAvgSq)
    {
        Vector<float> d = _l2 ? gradient + _weightDecay * parameter : gradient;
        if (_decoupled) parameter *= _decayFactor;
        expAvg = _lerpFromStart ? expAvg + _lerpWeight * (d - expAvg) : d - (d - expAvg) * _oneMinusLerpWeight;
        expAvgSq = expAvgSq * _beta2 + _oneMinusBeta2 * d * d;
        Vector<float> second = expAvgSq;
        if (_amsGrad)
        {
            maxExpAvgSq = Vector.Max(maxExpAvgSq, expAvgSq);
            second = maxExpAvgSq;
        }
        Vector<float> denominator = Vector.SquareRoot(second) / _biasCorrection2Sqrt + new Vector<float>(_eps);
        parameter += _negativeStepSize * expAvg / denominator;
    }
}
