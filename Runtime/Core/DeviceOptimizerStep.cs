using System.Runtime.InteropServices;

namespace Myelin;

/// <summary>The element-wise update formulas an accelerator runs for the built-in optimizers.</summary>
public enum DeviceOptimizerKind
{
    /// <summary>SGD with optional momentum, dampening, Nesterov momentum and L2 weight decay (state: <c>momentum_buffer</c>).</summary>
    Sgd = 0,

    /// <summary>Adam, AMSGrad and AdamW (state: <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>).</summary>
    Adam = 1,

    /// <summary>RMSprop, centered or not, with optional momentum (state: <c>square_avg</c>, then <c>grad_avg</c>, then <c>momentum_buffer</c>).</summary>
    RmsProp = 2,
}

/// <summary>
/// One optimizer step of one range of parameter tensors, as a device kernel takes it: the formula and every coefficient,
/// each computed in double and rounded to float exactly as the CPU update of <c>Myelin.Optimizers</c> rounds it, so that
/// a step on either backend does the same float operations. Flags are 0 or 1. Fields a formula does not use are 0.
/// </summary>
/// <remarks>A plain blittable struct (no bool, no reference), because GPU kernels take it by value.</remarks>
[StructLayout(LayoutKind.Sequential)]
public struct DeviceOptimizerStep
{
    /// <summary>Which formula runs.</summary>
    public DeviceOptimizerKind Kind;

    /// <summary>SGD, RMSprop: <c>-lr</c>. Adam: <c>-(lr / (1 - beta1^t))</c>, the negative step size.</summary>
    public float NegativeLearningRate;

    /// <summary>The weight-decay coefficient.</summary>
    public float WeightDecay;

    /// <summary>1 when the L2 penalty <c>weight_decay * p</c> is added to the gradient.</summary>
    public int L2;

    /// <summary>Adam: 1 for decoupled decay (AdamW), which first scales the parameter by <see cref="DecayFactor"/>.</summary>
    public int Decoupled;

    /// <summary>Adam: <c>1 - lr * weight_decay</c>.</summary>
    public float DecayFactor;

    /// <summary>1 when a momentum buffer is kept (SGD, RMSprop).</summary>
    public int UseMomentum;

    /// <summary>The momentum factor (SGD, RMSprop).</summary>
    public float Momentum;

    /// <summary>SGD: 1 on the tensor's first step, when the momentum buffer is set to the gradient.</summary>
    public int FirstStep;

    /// <summary>SGD: <c>1 - dampening</c>.</summary>
    public float OneMinusDampening;

    /// <summary>SGD: 1 for Nesterov momentum.</summary>
    public int Nesterov;

    /// <summary>Adam: <c>1 - beta1</c>; RMSprop (centered): <c>1 - alpha</c>. The weight of PyTorch's lerp.</summary>
    public float LerpWeight;

    /// <summary><c>1 - LerpWeight</c>, rounded to float.</summary>
    public float OneMinusLerpWeight;

    /// <summary>1 when <c>|LerpWeight| &lt; 0.5</c>: PyTorch's lerp then computes <c>a + w (b - a)</c>, else <c>b - (b - a)(1 - w)</c>.</summary>
    public int LerpFromStart;

    /// <summary>Adam: <c>beta2</c>; RMSprop: <c>alpha</c>. The second moment's decay.</summary>
    public float Decay2;

    /// <summary>Adam: <c>1 - beta2</c>; RMSprop: <c>1 - alpha</c>.</summary>
    public float OneMinusDecay2;

    /// <summary>Adam: 1 for AMSGrad.</summary>
    public int AmsGrad;

    /// <summary>Adam: <c>sqrt(1 - beta2^t)</c>.</summary>
    public float BiasCorrection2Sqrt;

    /// <summary>The term added to the denominator.</summary>
    public float Epsilon;

    /// <summary>RMSprop: 1 for the centered variant.</summary>
    public int Centered;
}
