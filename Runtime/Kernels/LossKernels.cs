using System;

namespace Myelin.Kernels;

/// <summary>
/// Losses with their gradients fused into the same pass, reduced as PyTorch reduces them (mean). Sums are taken in
/// double so that the reported loss does not depend on float rounding of long batches.
/// </summary>
/// <remarks>
/// Large batches are split across <see cref="KernelThreads"/>: each sample's (or each fixed block of elements') share
/// of the loss is kept apart and the shares are added in order afterwards, so the loss and the gradient are
/// bit-identical for any number of threads.
/// </remarks>
public static unsafe class LossKernels
{
    /// <summary>Elements per share of the element-wise losses, whatever the number of threads.</summary>
    private const int Block = 4096;

    /// <summary>Work units of one exponential, against a float touched (see <see cref="ParallelRange.MinWorkPerPart"/>).</summary>
    private const int ExpCost = 16;

    [ThreadStatic] private static double[]? s_shares;

    /// <summary>
    /// Softmax cross-entropy on class-index labels: <c>L = mean_b(logsumexp(z_b) - z_b[y_b])</c>. When
    /// <paramref name="logitsGradient"/> is not empty it receives <c>dL/dz = (softmax(z) - onehot(y)) / batch</c>:
    /// probabilities minus one-hot, never a softmax Jacobian. The label's entry is minus the sum of the other
    /// probabilities, so it keeps its relative accuracy when the prediction is confident.
    /// </summary>
    /// <param name="logits">[batch, classes] scores.</param>
    /// <param name="labels">[batch] class indices in [0, classes).</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="logitsGradient">[batch, classes], or empty to skip the gradient.</param>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> logitsGradient)
    {
        int batch = labels.Length;
        if (batch == 0) return float.NaN;
        if (logits.Length < batch * classes) throw new ArgumentException($"logits has {logits.Length} floats, but {batch} samples of {classes} classes need {batch * classes}.", nameof(logits));
        if (!logitsGradient.IsEmpty && logitsGradient.Length < batch * classes)
            throw new ArgumentException($"logitsGradient has {logitsGradient.Length} floats, but {batch} samples of {classes} classes need {batch * classes}.", nameof(logitsGradient));
        var shares = Shares(batch);
        fixed (float* pz = logits, pg = logitsGradient)
        fixed (int* pl = labels)
        fixed (double* ps = shares)
            ParallelRange.Run(new CrossEntropyWork(pz, pl, logitsGradient.IsEmpty ? null : pg, ps, classes, 1f / batch), batch, (long)classes * ExpCost);
        return (float)(Total(shares, batch) / batch);
    }

    /// <summary>
    /// Binary cross-entropy from logits, element-wise and averaged over every element:
    /// <c>L = mean(max(z, 0) - z·t + log(1 + exp(-|z|)))</c>, stable for any <c>z</c>. The gradient is
    /// <c>(sigmoid(z) - t) / count</c>, computed without cancellation for confident predictions.
    /// </summary>
    /// <param name="logits">[count] logits.</param>
    /// <param name="targets">[count] targets, usually in [0, 1].</param>
    /// <param name="logitsGradient">[count], or empty to skip the gradient.</param>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> logitsGradient) =>
        ElementwiseLoss(logits, targets, logitsGradient, binaryCrossEntropy: true);

    /// <summary>Mean squared error over every element: <c>L = mean((y - t)²)</c>, gradient <c>2(y - t) / count</c>.</summary>
    /// <param name="outputs">[count] predictions.</param>
    /// <param name="targets">[count] targets.</param>
    /// <param name="outputsGradient">[count], or empty to skip the gradient.</param>
    public static float MeanSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputsGradient) =>
        ElementwiseLoss(outputs, targets, outputsGradient, binaryCrossEntropy: false);

    private static float ElementwiseLoss(ReadOnlySpan<float> values, ReadOnlySpan<float> targets, Span<float> gradient, bool binaryCrossEntropy)
    {
        int count = values.Length;
        if (count == 0) return float.NaN;
        if (targets.Length < count) throw new ArgumentException($"targets has {targets.Length} floats, but there are {count} outputs.", nameof(targets));
        if (!gradient.IsEmpty && gradient.Length < count) throw new ArgumentException($"The gradient has {gradient.Length} floats, but there are {count} outputs.", nameof(gradient));
        int blocks = (count + Block - 1) / Block;
        var shares = Shares(blocks);
        fixed (float* pv = values, pt = targets, pg = gradient)
        fixed (double* ps = shares)
        {
            var work = new ElementwiseLossWork(pv, pt, gradient.IsEmpty ? null : pg, ps, count, binaryCrossEntropy);
            ParallelRange.Run(work, blocks, (long)Block * (binaryCrossEntropy ? ExpCost : 1));
        }
        return (float)(Total(shares, blocks) / count);
    }

    private static double[] Shares(int count)
    {
        var shares = s_shares;
        if (shares is null || shares.Length < count) s_shares = shares = new double[Math.Max(count, 256)];
        return shares;
    }

    private static double Total(double[] shares, int count)
    {
        double total = 0;
        for (int i = 0; i < count; i++) total += shares[i];
        return total;
    }

    /// <summary>Sample b's loss to <c>shares[b]</c>, and its row of the gradient.</summary>
    private readonly struct CrossEntropyWork(float* logits, int* labels, float* gradient, double* shares, int classes, float scale) : IRangeWork
    {
        public void Run(int start, int end)
        {
            for (int b = start; b < end; b++)
            {
                float* z = logits + (long)b * classes;
                int label = labels[b];
                if ((uint)label >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label {label} of sample {b} is not a class index in [0, {classes}).");
                float max = z[0];
                for (int c = 1; c < classes; c++) max = MathF.Max(max, z[c]);
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
                double logSumExp = max + Math.Log(sum);
                shares[b] = logSumExp - z[label];
                if (gradient is null) continue;
                // p_c for the other classes; for the label p - 1 = -(sum of the others), which keeps its digits when the
                // prediction is confident (p = 1 - 1e-9 would round to 1 and give a zero gradient).
                float* g = gradient + (long)b * classes;
                double others = 0;
                for (int c = 0; c < classes; c++)
                {
                    if (c == label) continue;
                    double p = Math.Exp(z[c] - logSumExp);
                    others += p;
                    g[c] = (float)p * scale;
                }
                g[label] = (float)-others * scale;
            }
        }
    }

    /// <summary>Block i's share of binary cross-entropy or squared error, and its part of the gradient.</summary>
    private readonly struct ElementwiseLossWork(float* values, float* targets, float* gradient, double* shares, int count, bool binaryCrossEntropy) : IRangeWork
    {
        public void Run(int start, int end)
        {
            for (int block = start; block < end; block++)
            {
                int from = block * Block, to = Math.Min(count, from + Block);
                double total = 0;
                if (binaryCrossEntropy)
                {
                    float scale = 1f / count;
                    for (int i = from; i < to; i++)
                    {
                        double z = values[i], t = targets[i];
                        total += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                        if (gradient is null) continue;
                        // sigmoid(z) - t from the side where it does not cancel: for z >= 0 it is (1 - t) - sigmoid(-z),
                        // so that t = 1 with a confident z keeps -sigmoid(-z) rather than rounding 1 - 1 to 0.
                        double e = Math.Exp(-Math.Abs(z));
                        double difference = z >= 0 ? (1 - t) - e / (1 + e) : e / (1 + e) - t;
                        gradient[i] = (float)difference * scale;
                    }
                }
                else
                {
                    float scale = 2f / count;
                    for (int i = from; i < to; i++)
                    {
                        float difference = values[i] - targets[i];
                        total += (double)difference * difference;
                        if (gradient is not null) gradient[i] = difference * scale;
                    }
                }
                shares[block] = total;
            }
        }
    }
}
