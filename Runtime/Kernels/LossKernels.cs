using System;

namespace Myelin.Kernels;

/// <summary>
/// Losses with their gradients fused into the same pass, reduced as PyTorch reduces them (mean). Sums are taken in
/// double so that the reported loss does not depend on float rounding of long batches.
/// </summary>
public static class LossKernels
{
    /// <summary>
    /// Softmax cross-entropy on class-index labels: <c>L = mean_b(logsumexp(z_b) - z_b[y_b])</c>. When
    /// <paramref name="logitsGradient"/> is not empty it receives <c>dL/dz = (softmax(z) - onehot(y)) / batch</c>:
    /// probabilities minus one-hot, never a softmax Jacobian.
    /// </summary>
    /// <param name="logits">[batch, classes] scores.</param>
    /// <param name="labels">[batch] class indices in [0, classes).</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="logitsGradient">[batch, classes], or empty to skip the gradient.</param>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> logitsGradient)
    {
        int batch = labels.Length;
        bool withGradient = !logitsGradient.IsEmpty;
        double total = 0;
        float scale = 1f / batch;
        for (int b = 0; b < batch; b++)
        {
            var z = logits.Slice(b * classes, classes);
            float max = z[0];
            for (int c = 1; c < classes; c++) max = MathF.Max(max, z[c]);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
            double logSumExp = max + Math.Log(sum);
            int label = labels[b];
            total += logSumExp - z[label];
            if (withGradient)
            {
                var g = logitsGradient.Slice(b * classes, classes);
                for (int c = 0; c < classes; c++)
                    g[c] = (float)Math.Exp(z[c] - logSumExp) * scale;
                g[label] -= scale;
            }
        }
        return (float)(total / batch);
    }

    /// <summary>
    /// Binary cross-entropy from logits, element-wise and averaged over every element:
    /// <c>L = mean(max(z, 0) - z·t + log(1 + exp(-|z|)))</c>, stable for any <c>z</c>. The gradient is
    /// <c>(sigmoid(z) - t) / count</c>.
    /// </summary>
    /// <param name="logits">[count] logits.</param>
    /// <param name="targets">[count] targets, usually in [0, 1].</param>
    /// <param name="logitsGradient">[count], or empty to skip the gradient.</param>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> logitsGradient)
    {
        int count = logits.Length;
        bool withGradient = !logitsGradient.IsEmpty;
        double total = 0;
        float scale = 1f / count;
        for (int i = 0; i < count; i++)
        {
            double z = logits[i];
            double t = targets[i];
            total += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            if (withGradient)
            {
                double sigmoid = z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
                logitsGradient[i] = (float)(sigmoid - t) * scale;
            }
        }
        return (float)(total / count);
    }

    /// <summary>Mean squared error over every element: <c>L = mean((y - t)²)</c>, gradient <c>2(y - t) / count</c>.</summary>
    /// <param name="outputs">[count] predictions.</param>
    /// <param name="targets">[count] targets.</param>
    /// <param name="outputsGradient">[count], or empty to skip the gradient.</param>
    public static float MeanSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputsGradient)
    {
        int count = outputs.Length;
        bool withGradient = !outputsGradient.IsEmpty;
        double total = 0;
        float scale = 2f / count;
        for (int i = 0; i < count; i++)
        {
            float difference = outputs[i] - targets[i];
            total += (double)difference * difference;
            if (withGradient) outputsGradient[i] = difference * scale;
        }
        return (float)(total / count);
    }
}
