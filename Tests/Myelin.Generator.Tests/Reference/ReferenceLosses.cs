namespace Myelin.Generator.Tests.Reference;

/// <summary>PyTorch's losses with mean reduction, in double, each with its gradient written (<c>=</c>) when asked.</summary>
internal static class ReferenceLosses
{
    /// <summary>
    /// <c>nn.CrossEntropyLoss</c> on logits [batch, classes]: L = mean_b(log sum_c exp z[b, c] - z[b, label_b]);
    /// dL/dz[b, c] = (softmax(z_b)[c] - [c = label_b]) / batch.
    /// </summary>
    public static double SoftmaxCrossEntropy(double[] logits, int[] labels, int batch, int classes, double[]? gradient)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = Math.Max(max, logits[b * classes + c]);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[b * classes + c] - max);
            double logSumExp = max + Math.Log(sum);
            total += logSumExp - logits[b * classes + labels[b]];
            if (gradient is null) continue;
            for (int c = 0; c < classes; c++)
                gradient[b * classes + c] = (Math.Exp(logits[b * classes + c] - logSumExp) - (c == labels[b] ? 1 : 0)) / batch;
        }
        return total / batch;
    }

    /// <summary>
    /// <c>nn.BCEWithLogitsLoss</c> over every element: L = mean(max(z, 0) - z t + log(1 + exp(-|z|)));
    /// dL/dz = (sigmoid(z) - t) / count.
    /// </summary>
    public static double BinaryCrossEntropyWithLogits(double[] logits, double[] targets, int count, double[]? gradient)
    {
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double z = logits[i], t = targets[i];
            total += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            if (gradient is not null) gradient[i] = (1 / (1 + Math.Exp(-z)) - t) / count;
        }
        return total / count;
    }

    /// <summary><c>nn.MSELoss</c> over every element: L = mean((y - t)^2); dL/dy = 2 (y - t) / count.</summary>
    public static double MeanSquaredError(double[] outputs, double[] targets, int count, double[]? gradient)
    {
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double d = outputs[i] - targets[i];
            total += d * d;
            if (gradient is not null) gradient[i] = 2 * d / count;
        }
        return total / count;
    }
}
