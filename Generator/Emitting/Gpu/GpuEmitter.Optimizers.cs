using System.Collections.Generic;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// The optimizer updates, one element-wise kernel per formula, with the float operations in the order of the CPU's
// SgdUpdate, AdamUpdate and RmsPropUpdate; the coefficients come from the optimizer, already rounded to float.
internal static partial class GpuEmitter
{
    private const string SgdKernel = "SgdStep";
    private const string AdamKernel = "AdamStep";
    private const string RmsPropKernel = "RmsPropStep";

    private static void AddOptimizerKernels(List<Kernel> kernels)
    {
        var parameters = new[] { Floats("parameters"), Floats("gradients"), Floats("state0"), Floats("state1"), Floats("state2"), new Parameter(N.DeviceOptimizerStep, "step") };
        kernels.Add(Elementwise(SgdKernel,
            "SGD (torch.optim.SGD): d = g + wd p; b = d on the first step, else momentum b + (1 - dampening) d; d = d + momentum b (Nesterov) or b; p = p - lr d. State 0: momentum_buffer.",
            parameters,
            """
            float p = parameters[i], g = gradients[i];
            float d = step.L2 != 0 ? g + step.WeightDecay * p : g;
            if (step.UseMomentum != 0)
            {
                float buffer = step.FirstStep != 0 ? d : state0[i] * step.Momentum + step.OneMinusDampening * d;
                state0[i] = buffer;
                d = step.Nesterov != 0 ? d + step.Momentum * buffer : buffer;
            }
            parameters[i] = p + step.NegativeLearningRate * d;
            """));
        kernels.Add(Elementwise(AdamKernel,
            "Adam, AMSGrad, AdamW (torch.optim.Adam/AdamW): m = lerp(m, d, 1 - beta1); v = beta2 v + (1 - beta2) d^2; p = p - lr/(1 - beta1^t) m / (sqrt(v)/sqrt(1 - beta2^t) + eps). States: exp_avg, exp_avg_sq, max_exp_avg_sq.",
            parameters,
            $$"""
            float p = parameters[i], g = gradients[i];
            float d = step.L2 != 0 ? g + step.WeightDecay * p : g;
            if (step.Decoupled != 0) p *= step.DecayFactor;
            float m = state0[i];
            m = step.LerpFromStart != 0 ? m + step.LerpWeight * (d - m) : d - (d - m) * step.OneMinusLerpWeight;
            state0[i] = m;
            float v = state1[i] * step.Decay2 + step.OneMinusDecay2 * d * d;
            state1[i] = v;
            float second = v;
            if (step.AmsGrad != 0)
            {
                second = {{MathF}}.Max(state2[i], v);
                state2[i] = second;
            }
            float denominator = {{MathF}}.Sqrt(second) / step.BiasCorrection2Sqrt + step.Epsilon;
            parameters[i] = p + step.NegativeLearningRate * m / denominator;
            """));
        kernels.Add(Elementwise(RmsPropKernel,
            "RMSprop (torch.optim.RMSprop): s = alpha s + (1 - alpha) d^2; centered: a = lerp(a, d, 1 - alpha), avg = sqrt(s - a^2) + eps, else sqrt(s) + eps; with momentum b = momentum b + d / avg, p = p - lr b, else p = p - lr d / avg. States: square_avg, then grad_avg (centered), then momentum_buffer.",
            parameters,
            $$"""
            float p = parameters[i], g = gradients[i];
            float d = step.L2 != 0 ? g + step.WeightDecay * p : g;
            float s = state0[i] * step.Decay2 + step.OneMinusDecay2 * d * d;
            state0[i] = s;
            float average;
            if (step.Centered != 0)
            {
                float a = state1[i];
                a = step.LerpFromStart != 0 ? a + step.LerpWeight * (d - a) : d - (d - a) * step.OneMinusLerpWeight;
                state1[i] = a;
                average = {{MathF}}.Sqrt(s - a * a);
            }
            else
            {
                average = {{MathF}}.Sqrt(s);
            }
            average += step.Epsilon;
            if (step.UseMomentum == 0)
            {
                parameters[i] = p + step.NegativeLearningRate * d / average;
                return;
            }
            // The momentum buffer follows grad_avg when the variant is centered.
            float buffer = (step.Centered != 0 ? state2[i] : state1[i]) * step.Momentum + d / average;
            if (step.Centered != 0) state2[i] = buffer;
            else state1[i] = buffer;
            parameters[i] = p + step.NegativeLearningRate * buffer;
            """));
    }

    /// <summary>The override that launches the kernel of the optimizer's formula.</summary>
    private static void WriteOptimizerLaunch(CodeWriter w)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"protected override void LaunchOptimizerStep(in {N.DeviceOptimizerStep} step, {N.FloatView} parameters, {N.FloatView} gradients, {N.FloatView} state0, {N.FloatView} state1, {N.FloatView} state2, int length)"))
        {
            w.Line("var kernel = step.Kind switch");
            w.Line("{");
            w.Line($"    {N.DeviceOptimizerKind}.Sgd => {N.KernelField(SgdKernel)},");
            w.Line($"    {N.DeviceOptimizerKind}.Adam => {N.KernelField(AdamKernel)},");
            w.Line($"    _ => {N.KernelField(RmsPropKernel)},");
            w.Line("};");
            w.Line("kernel(length, parameters, gradients, state0, state1, state2, step);");
        }
        w.Line();
    }
}
