namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// One plain double-precision function per layer per pass, with obvious loops and PyTorch's semantics: the truth that
/// generated code is compared with. Forward functions write (<c>=</c>) their output; backward functions write the
/// input gradient (<c>=</c>) and accumulate parameter gradients (<c>+=</c>). Batched tensors are row-major, batch first,
/// images NCHW.
/// </summary>
internal static class ReferenceLayers
{
    // ---- Dense: y[b, o] = sum_i x[b, i] W[o, i] + bias[o] ----

    /// <param name="x">[batch, inputs]</param>
    /// <param name="weight">[outputs, inputs]</param>
    /// <param name="bias">[outputs], or null</param>
    /// <param name="y">[batch, outputs]</param>
    public static void DenseForward(double[] x, double[] weight, double[]? bias, double[] y, int batch, int inputs, int outputs)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double sum = bias is null ? 0 : bias[o];
                for (int i = 0; i < inputs; i++) sum += x[b * inputs + i] * weight[o * inputs + i];
                y[b * outputs + o] = sum;
            }
        }
    }

    /// <summary>dW[o, i] += sum_b dy[b, o] x[b, i]; dbias[o] += sum_b dy[b, o]; dx[b, i] = sum_o dy[b, o] W[o, i].</summary>
    public static void DenseBackward(double[] x, double[] weight, double[] dy, double[] dx, double[] dWeight, double[]? dBias,
        int batch, int inputs, int outputs)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double g = dy[b * outputs + o];
                if (dBias is not null) dBias[o] += g;
                for (int i = 0; i < inputs; i++) dWeight[o * inputs + i] += g * x[b * inputs + i];
            }
            for (int i = 0; i < inputs; i++)
            {
                double sum = 0;
                for (int o = 0; o < outputs; o++) sum += dy[b * outputs + o] * weight[o * inputs + i];
                dx[b * inputs + i] = sum;
            }
        }
    }

    // ---- Element-wise activations ----

    public static double Activate(Activation activation, double slope, double z) => activation switch
    {
        Activation.ReLU => z > 0 ? z : 0,
        Activation.LeakyReLU => z > 0 ? z : slope * z,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.Tanh => Math.Tanh(z),
        Activation.None => z,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "not an element-wise activation"),
    };

    /// <summary>f'(z), with PyTorch's choice at the kink: ReLU'(0) = 0 and LeakyReLU'(0) = slope.</summary>
    public static double Derivative(Activation activation, double slope, double z) => activation switch
    {
        Activation.ReLU => z > 0 ? 1 : 0,
        Activation.LeakyReLU => z > 0 ? 1 : slope,
        Activation.Sigmoid => Activate(Activation.Sigmoid, 0, z) * (1 - Activate(Activation.Sigmoid, 0, z)),
        Activation.Tanh => 1 - Math.Tanh(z) * Math.Tanh(z),
        Activation.None => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "not an element-wise activation"),
    };

    /// <summary>y = f(x) over <paramref name="count"/> elements.</summary>
    public static void ActivationForward(Activation activation, double slope, double[] x, double[] y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Activate(activation, slope, x[i]);
    }

    /// <summary>dx = dy f'(x).</summary>
    public static void ActivationBackward(Activation activation, double slope, double[] x, double[] dy, double[] dx, int count)
    {
        for (int i = 0; i < count; i++) dx[i] = dy[i] * Derivative(activation, slope, x[i]);
    }

    /// <summary>y[b, i] = exp(x[b, i]) / sum_j exp(x[b, j]), computed with the row maximum subtracted.</summary>
    public static void SoftmaxForward(double[] x, double[] y, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < columns; c++) max = Math.Max(max, x[r * columns + c]);
            double sum = 0;
            for (int c = 0; c < columns; c++) sum += Math.Exp(x[r * columns + c] - max);
            for (int c = 0; c < columns; c++) y[r * columns + c] = Math.Exp(x[r * columns + c] - max) / sum;
        }
    }

    /// <summary>The softmax Jacobian-vector product: dx[b, i] = sum_j dy[b, j] y[b, j] (delta_ij - y[b, i]) = y_i (dy_i - sum_j dy_j y_j).</summary>
    public static void SoftmaxBackward(double[] y, double[] dy, double[] dx, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < columns; i++)
            {
                double sum = 0;
                for (int j = 0; j < columns; j++)
                {
                    double jacobian = y[r * columns + j] * ((i == j ? 1 : 0) - y[r * columns + i]);
                    sum += dy[r * columns + j] * jacobian;
                }
                dx[r * columns + i] = sum;
            }
        }
    }

    // ---- Conv2D: y[b, f, oy, ox] = bias[f] + sum_{c, ky, kx} W[f, c, ky, kx] x[b, c, oy*s + ky - pad, ox*s + kx - pad] ----

    /// <summary>The input element a kernel tap reads, or -1 when the tap falls in the zero padding.</summary>
    private static int ConvInputIndex(ConvGeometry g, int b, int c, int oy, int ox, int ky, int kx)
    {
        int iy = oy * g.Stride + ky - g.PadTop;
        int ix = ox * g.Stride + kx - g.PadLeft;
        if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) return -1;
        return ((b * g.Channels + c) * g.Height + iy) * g.Width + ix;
    }

    /// <param name="x">[batch, C, H, W]</param>
    /// <param name="weight">[F, C, K, K]</param>
    /// <param name="bias">[F], or null</param>
    /// <param name="y">[batch, F, OH, OW]</param>
    public static void Conv2DForward(double[] x, double[] weight, double[]? bias, double[] y, int batch, ConvGeometry g)
    {
        int k = g.Kernel;
        for (int b = 0; b < batch; b++)
        for (int f = 0; f < g.Filters; f++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double sum = bias is null ? 0 : bias[f];
            for (int c = 0; c < g.Channels; c++)
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                int at = ConvInputIndex(g, b, c, oy, ox, ky, kx);
                if (at >= 0) sum += weight[((f * g.Channels + c) * k + ky) * k + kx] * x[at];
            }
            y[((b * g.Filters + f) * g.OutHeight + oy) * g.OutWidth + ox] = sum;
        }
    }

    /// <summary>dW[f, c, ky, kx] += sum dy[b, f, oy, ox] x[tap]; dbias[f] += sum dy[b, f, ., .]; dx[tap] = sum of dy W over the taps reading it.</summary>
    public static void Conv2DBackward(double[] x, double[] weight, double[] dy, double[] dx, double[] dWeight, double[]? dBias, int batch, ConvGeometry g)
    {
        int k = g.Kernel;
        Array.Clear(dx, 0, batch * g.Channels * g.Height * g.Width);
        for (int b = 0; b < batch; b++)
        for (int f = 0; f < g.Filters; f++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double gradient = dy[((b * g.Filters + f) * g.OutHeight + oy) * g.OutWidth + ox];
            if (dBias is not null) dBias[f] += gradient;
            for (int c = 0; c < g.Channels; c++)
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                int at = ConvInputIndex(g, b, c, oy, ox, ky, kx);
                if (at < 0) continue;
                int w = ((f * g.Channels + c) * k + ky) * k + kx;
                dWeight[w] += gradient * x[at];
                dx[at] += gradient * weight[w];
            }
        }
    }

    // ---- Pooling (floor mode, no padding) ----

    /// <summary>y = the maximum of each window; <paramref name="argmax"/> gets the input index of the first maximum (as PyTorch).</summary>
    public static void MaxPoolForward(double[] x, double[] y, int[] argmax, int batch, PoolGeometry g)
    {
        for (int plane = 0; plane < batch * g.Channels; plane++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            int best = -1;
            for (int ky = 0; ky < g.Kernel; ky++)
            for (int kx = 0; kx < g.Kernel; kx++)
            {
                int at = (plane * g.Height + oy * g.Stride + ky) * g.Width + ox * g.Stride + kx;
                if (best < 0 || x[at] > x[best]) best = at;
            }
            int o = (plane * g.OutHeight + oy) * g.OutWidth + ox;
            y[o] = x[best];
            argmax[o] = best;
        }
    }

    /// <summary>dx[argmax] += dy; every other input gets zero.</summary>
    public static void MaxPoolBackward(int[] argmax, double[] dy, double[] dx, int batch, PoolGeometry g)
    {
        Array.Clear(dx, 0, batch * g.Channels * g.Height * g.Width);
        for (int o = 0; o < batch * g.Channels * g.OutHeight * g.OutWidth; o++) dx[argmax[o]] += dy[o];
    }

    /// <summary>y = the mean of each K x K window.</summary>
    public static void AvgPoolForward(double[] x, double[] y, int batch, PoolGeometry g)
    {
        for (int plane = 0; plane < batch * g.Channels; plane++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double sum = 0;
            for (int ky = 0; ky < g.Kernel; ky++)
            for (int kx = 0; kx < g.Kernel; kx++)
                sum += x[(plane * g.Height + oy * g.Stride + ky) * g.Width + ox * g.Stride + kx];
            y[(plane * g.OutHeight + oy) * g.OutWidth + ox] = sum / (g.Kernel * g.Kernel);
        }
    }

    /// <summary>Each window's input gets dy / (K K).</summary>
    public static void AvgPoolBackward(double[] dy, double[] dx, int batch, PoolGeometry g)
    {
        Array.Clear(dx, 0, batch * g.Channels * g.Height * g.Width);
        for (int plane = 0; plane < batch * g.Channels; plane++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double share = dy[(plane * g.OutHeight + oy) * g.OutWidth + ox] / (g.Kernel * g.Kernel);
            for (int ky = 0; ky < g.Kernel; ky++)
            for (int kx = 0; kx < g.Kernel; kx++)
                dx[(plane * g.Height + oy * g.Stride + ky) * g.Width + ox * g.Stride + kx] += share;
        }
    }

    /// <summary>y[b, c] = mean over the <paramref name="spatial"/> positions of x[b, c, ., .].</summary>
    public static void GlobalAvgPoolForward(double[] x, double[] y, int batch, int channels, int spatial)
    {
        for (int plane = 0; plane < batch * channels; plane++)
        {
            double sum = 0;
            for (int s = 0; s < spatial; s++) sum += x[plane * spatial + s];
            y[plane] = sum / spatial;
        }
    }

    /// <summary>dx[b, c, s] = dy[b, c] / spatial.</summary>
    public static void GlobalAvgPoolBackward(double[] dy, double[] dx, int batch, int channels, int spatial)
    {
        for (int plane = 0; plane < batch * channels; plane++)
        for (int s = 0; s < spatial; s++)
            dx[plane * spatial + s] = dy[plane] / spatial;
    }

    // ---- Dropout: y = x mask, mask 0 or 1 / (1 - p); the identity when mask is null (eval mode) ----

    public static void DropoutForward(double[] x, double[]? mask, double[] y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = mask is null ? x[i] : x[i] * mask[i];
    }

    public static void DropoutBackward(double[]? mask, double[] dy, double[] dx, int count)
    {
        for (int i = 0; i < count; i++) dx[i] = mask is null ? dy[i] : dy[i] * mask[i];
    }

    // ---- Batch norm over channel c of [batch, C, S] (S = 1 for BatchNorm1D) ----

    /// <summary>
    /// x-hat = (x - mean_c) / sqrt(var_c + eps), y = gamma_c x-hat + beta_c. In training, mean and biased variance are the
    /// batch's (over batch and positions), and <paramref name="runningMean"/> / <paramref name="runningVar"/> are updated
    /// with the UNBIASED variance: running = (1 - m) running + m batch. In eval the running statistics normalise.
    /// </summary>
    /// <returns>The saved x-hat [batch, C, S] and 1/sqrt(var_c + eps) [C] for the backward pass.</returns>
    public static (double[] Normalized, double[] InverseStd) BatchNormForward(double[] x, double[] gamma, double[] beta,
        double[] runningMean, double[] runningVar, double[] y, int batch, int channels, int spatial,
        double momentum, double epsilon, bool training)
    {
        int count = batch * spatial;
        if (training && count < 2)
            throw new InvalidOperationException($"Batch norm needs more than one value per channel in training mode, but has {count}.");
        var normalized = new double[batch * channels * spatial];
        var inverseStd = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double mean, variance;
            if (training)
            {
                double sum = 0;
                for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++)
                    sum += x[(b * channels + c) * spatial + s];
                mean = sum / count;
                double squares = 0;
                for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++)
                {
                    double d = x[(b * channels + c) * spatial + s] - mean;
                    squares += d * d;
                }
                variance = squares / count;
                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean;
                runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (squares / (count - 1));
            }
            else
            {
                mean = runningMean[c];
                variance = runningVar[c];
            }
            inverseStd[c] = 1 / Math.Sqrt(variance + epsilon);
            for (int b = 0; b < batch; b++)
            for (int s = 0; s < spatial; s++)
            {
                int at = (b * channels + c) * spatial + s;
                normalized[at] = (x[at] - mean) * inverseStd[c];
                y[at] = gamma[c] * normalized[at] + beta[c];
            }
        }
        return (normalized, inverseStd);
    }

    /// <summary>
    /// dgamma_c += sum dy x-hat, dbeta_c += sum dy. With batch statistics (M values per channel):
    /// dx = gamma/sigma (dy - mean(dy) - x-hat mean(dy x-hat)); with running statistics dx = gamma/sigma dy.
    /// </summary>
    public static void BatchNormBackward(double[] dy, double[] normalized, double[] inverseStd, double[] gamma,
        double[] dx, double[] dGamma, double[] dBeta, int batch, int channels, int spatial, bool batchStatistics)
    {
        int count = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyHat = 0;
            for (int b = 0; b < batch; b++)
            for (int s = 0; s < spatial; s++)
            {
                int at = (b * channels + c) * spatial + s;
                sumDy += dy[at];
                sumDyHat += dy[at] * normalized[at];
            }
            dGamma[c] += sumDyHat;
            dBeta[c] += sumDy;
            for (int b = 0; b < batch; b++)
            for (int s = 0; s < spatial; s++)
            {
                int at = (b * channels + c) * spatial + s;
                dx[at] = batchStatistics
                    ? gamma[c] * inverseStd[c] * (dy[at] - sumDy / count - normalized[at] * sumDyHat / count)
                    : gamma[c] * inverseStd[c] * dy[at];
            }
        }
    }

    // ---- Merges: Add (y = x0 + x1 + ..., every dx_k = dy) and Concat (torch.cat(dim=1) on [batch, part_k]) ----

    /// <summary>y[i] = sum_k xs[k][i] over <paramref name="count"/> elements.</summary>
    public static void AddForward(double[][] xs, double[] y, int count)
    {
        for (int i = 0; i < count; i++)
        {
            double sum = 0;
            foreach (var x in xs) sum += x[i];
            y[i] = sum;
        }
    }

    /// <summary>y[b, offset_k + j] = xs[k][b, j], where input k has <c>parts[k]</c> floats per sample and offset_k = sum of the parts before it.</summary>
    public static void ConcatForward(double[][] xs, int[] parts, double[] y, int batch)
    {
        int total = parts.Sum();
        for (int b = 0; b < batch; b++)
        {
            int offset = 0;
            for (int k = 0; k < xs.Length; k++)
            {
                for (int j = 0; j < parts[k]; j++) y[b * total + offset + j] = xs[k][b * parts[k] + j];
                offset += parts[k];
            }
        }
    }

    /// <summary>dxs[k][b, j] = dy[b, offset_k + j]: each input gets its own slice of the gradient.</summary>
    public static void ConcatBackward(double[] dy, int[] parts, double[][] dxs, int batch)
    {
        int total = parts.Sum();
        for (int b = 0; b < batch; b++)
        {
            int offset = 0;
            for (int k = 0; k < dxs.Length; k++)
            {
                for (int j = 0; j < parts[k]; j++) dxs[k][b * parts[k] + j] = dy[b * total + offset + j];
                offset += parts[k];
            }
        }
    }
}

/// <summary>The sizes of one convolution: input C x H x W, F filters of K x K, stride, padding before, output OH x OW.</summary>
internal sealed record ConvGeometry(int Channels, int Height, int Width, int Filters, int Kernel, int Stride, int PadTop, int PadLeft, int OutHeight, int OutWidth);

/// <summary>The sizes of one pooling window pass: input C x H x W, K x K windows, stride, output OH x OW.</summary>
internal sealed record PoolGeometry(int Channels, int Height, int Width, int Kernel, int Stride, int OutHeight, int OutWidth);
