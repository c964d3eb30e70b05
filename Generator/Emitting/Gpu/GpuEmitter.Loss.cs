using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// The fused loss: one thread per sample (softmax cross-entropy) or per element (binary cross-entropy, MSE) writes its
// loss term in double and, in a training pass, the gradient; one group then reduces the terms to the mean. The
// formulas and their float/double steps are LossKernels' on the CPU.
internal static partial class GpuEmitter
{
    private const string LossTermsKernel = "LossTerms";
    private const string LossMeanKernel = "LossMean";
    private const string MathD = "global::System.Math";

    private static void AddLossKernels(List<Kernel> kernels, NetworkPlan plan)
    {
        switch (plan.Loss.Kind)
        {
            case LossKind.SoftmaxCrossEntropy:
                kernels.Add(Elementwise(LossTermsKernel,
                    "Softmax cross-entropy, one thread per sample: term = logsumexp(z) - z[label]; dLoss/dz = (softmax(z) - onehot(label)) / batch.",
                    new[] { Floats("logits"), Ints("labels"), Floats("gradient"), Doubles("terms"), Int("withGradient"), Int("batch") },
                    $"const int Classes = {I(plan.OutputShape.Size)};",
                    "int at = i * Classes;",
                    "float max = logits[at];",
                    $"for (int c = 1; c < Classes; c++) max = {MathF}.Max(max, logits[at + c]);",
                    "double sum = 0;",
                    $"for (int c = 0; c < Classes; c++) sum += {MathD}.Exp(logits[at + c] - max);",
                    $"double logSumExp = max + {MathD}.Log(sum);",
                    "int label = labels[i];",
                    "terms[i] = logSumExp - logits[at + label];",
                    "if (withGradient == 0) return;",
                    "float scale = 1f / batch;",
                    $"for (int c = 0; c < Classes; c++) gradient[at + c] = (float){MathD}.Exp(logits[at + c] - logSumExp) * scale;",
                    "gradient[at + label] -= scale;"));
                break;
            case LossKind.BinaryCrossEntropy:
                kernels.Add(Elementwise(LossTermsKernel,
                    "Binary cross-entropy from logits, one thread per element: term = max(z, 0) - z t + log(1 + exp(-|z|)); dLoss/dz = (sigmoid(z) - t) / count.",
                    new[] { Floats("logits"), Floats("targets"), Floats("gradient"), Doubles("terms"), Int("withGradient"), Int("count") },
                    "double z = logits[i], t = targets[i];",
                    $"terms[i] = {MathD}.Max(z, 0) - z * t + {MathD}.Log(1 + {MathD}.Exp(-{MathD}.Abs(z)));",
                    "if (withGradient == 0) return;",
                    $"double sigmoid = z >= 0 ? 1 / (1 + {MathD}.Exp(-z)) : {MathD}.Exp(z) / (1 + {MathD}.Exp(z));",
                    "gradient[i] = (float)(sigmoid - t) * (1f / count);"));
                break;
            default:
                kernels.Add(Elementwise(LossTermsKernel,
                    "Mean squared error, one thread per element: term = (y - t)^2; dLoss/dy = 2 (y - t) / count.",
                    new[] { Floats("outputs"), Floats("targets"), Floats("gradient"), Doubles("terms"), Int("withGradient"), Int("count") },
                    "float difference = outputs[i] - targets[i];",
                    "terms[i] = (double)difference * difference;",
                    "if (withGradient != 0) gradient[i] = difference * (2f / count);"));
                break;
        }
        kernels.Add(new Kernel(LossMeanKernel, "The loss: one group reduces the terms (in double) to their mean.", grouped: true,
            new[] { Doubles("terms"), Doubles("total"), Int("count") }, w =>
            {
                w.Line($"var scratch = {N.SharedMemory}.Allocate<double>(256);");
                w.Line($"int thread = {N.Group}.IdxX;");
                w.Line("double sum = 0;");
                w.Line($"for (int j = thread; j < count; j += {N.Group}.DimX) sum += terms[j];");
                w.Line($"sum = {N.GroupReduce}.Sum(scratch, sum);");
                w.Line("if (thread == 0) total[0] = sum / count;");
            }));
    }

    /// <summary>The host method that runs the loss kernels after a forward pass.</summary>
    private static void WriteLossLaunch(CodeWriter w, NetworkPlan plan)
    {
        int source = plan.Loss.GradientValue;
        bool labels = plan.Loss.Kind == LossKind.SoftmaxCrossEntropy;
        string values = Value(plan, source);
        // The loss of a network whose loss reads its input directly writes no gradient (nothing upstream to train).
        string gradient = source < 0 ? values : Gradient(plan, source);
        string withGradient = source < 0 ? "0" : "backward ? 1 : 0";
        w.Line($"/// <summary>The fused {plan.Loss.Kind} of the last forward pass, and its gradient when <paramref name=\"backward\"/>; the mean stays on the device.</summary>");
        using (w.Block("private void RunLossKernels(int batch, bool backward)"))
        {
            string extent = labels ? "batch" : $"batch * {N.OutputSize}";
            string targets = labels ? "LabelMemory" : "TargetMemory";
            w.Line($"{N.KernelField(LossTermsKernel)}({extent}, {values}, {targets}, {gradient}, LossTerms, {withGradient}, {extent});");
            w.Line($"{N.KernelField(LossMeanKernel)}(GroupLaunch(1), LossTerms, LossTotal, {extent});");
        }
        w.Line();
    }
}
