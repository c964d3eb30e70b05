using System;
using System.Runtime.CompilerServices;

namespace Myelin.Kernels;

/// <summary>
/// Batch normalisation over NCHW values <c>[batch, channels, positions]</c> (positions = 1 for BatchNorm1D), with
/// PyTorch's running statistics and an activation fused into the forward pass. Channels are independent, so large
/// calls split by channels across <see cref="KernelThreads"/>; within a channel every sum runs in a fixed order (each
/// sample's row in SIMD lanes, the rows added in double one after the other), so results are bit-identical for any
/// thread count.
/// </summary>
/// <remarks>
/// Forward: <c>x-hat = (x - mean_c) / sqrt(var_c + eps)</c>, <c>y = f(gamma_c x-hat + beta_c)</c>. Training uses the
/// batch's mean and biased variance (two passes: the mean, then the squared deviations from it, so that a large mean
/// does not cancel the variance away) and updates <c>running = (1 - momentum) running + momentum batch</c> with the
/// unbiased variance; eval uses the running statistics. Backward, with <c>dz = dy f'(z)</c> already applied and
/// <c>M = batch · positions</c>: <c>dgamma += Σ dz x-hat</c>, <c>dbeta += Σ dz</c>, and
/// <c>dx = gamma_c / sigma_c (dz - mean(dz) - x-hat mean(dz x-hat))</c> after batch statistics, or
/// <c>dx = gamma_c / sigma_c dz</c> after running statistics.
/// </remarks>
public static unsafe class NormalizationKernels
{
    /// <summary>
    /// The forward pass: writes <paramref name="y"/>, the normalised values <paramref name="normalized"/> and each
    /// channel's <c>1/sqrt(var + eps)</c> in <paramref name="inverseStd"/> for backward, and in training mode updates
    /// the running statistics.
    /// </summary>
    /// <param name="x">[batch, channels, positions].</param>
    /// <param name="y">[batch, channels, positions]; may not overlap <paramref name="x"/>.</param>
    /// <param name="normalized">[batch, channels, positions]: x-hat.</param>
    /// <param name="inverseStd">[channels].</param>
    /// <param name="gamma">[channels] scale.</param>
    /// <param name="beta">[channels] shift.</param>
    /// <param name="runningMean">[channels], read in eval mode, updated in training mode.</param>
    /// <param name="runningVar">[channels], read in eval mode, updated in training mode.</param>
    /// <param name="channels">Channels (features for BatchNorm1D).</param>
    /// <param name="positions">Positions per channel and sample: height · width, or 1.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="training">Batch statistics (and running updates) rather than the running statistics.</param>
    /// <param name="momentum">PyTorch's momentum of the running statistics.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="activation">The fused activation.</param>
    public static void BatchNormForward<TActivation>(ReadOnlySpan<float> x, Span<float> y, Span<float> normalized, Span<float> inverseStd,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVar,
        int channels, int positions, int batch, bool training, float momentum, float epsilon, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        long values = Check(x.Length, channels, positions, batch, nameof(x));
        Check(y.Length, channels, positions, batch, nameof(y));
        Check(normalized.Length, channels, positions, batch, nameof(normalized));
        CheckChannels(channels, inverseStd.Length, nameof(inverseStd));
        CheckChannels(channels, gamma.Length, nameof(gamma));
        CheckChannels(channels, beta.Length, nameof(beta));
        CheckChannels(channels, runningMean.Length, nameof(runningMean));
        CheckChannels(channels, runningVar.Length, nameof(runningVar));
        if (training && (long)batch * positions < 2)
            throw new ArgumentException($"Batch statistics need more than one value per channel, but there are {(long)batch * positions}.", nameof(batch));
        fixed (float* px = x, py = y, ph = normalized, ps = inverseStd, pg = gamma, pb = beta, pm = runningMean, pv = runningVar)
        {
            var work = new ForwardWork<TActivation>(px, py, ph, ps, pg, pb, pm, pv, channels, positions, batch, training, momentum, epsilon, activation);
            ParallelRange.Run(work, channels, 3 * values / channels);
        }
    }

    /// <summary>
    /// The backward pass from <c>dz</c> (the activation's derivative already applied): adds the scale and shift
    /// gradients and writes (or adds) the input gradient.
    /// </summary>
    /// <param name="dz">[batch, channels, positions]: dLoss/d(gamma x-hat + beta).</param>
    /// <param name="normalized">x-hat of the forward pass.</param>
    /// <param name="inverseStd">[channels] of the forward pass.</param>
    /// <param name="gamma">[channels] scale.</param>
    /// <param name="gammaGradient">[channels], added to when <paramref name="weightGradients"/>.</param>
    /// <param name="betaGradient">[channels], added to when <paramref name="weightGradients"/>.</param>
    /// <param name="dx">[batch, channels, positions], written or added to; empty for no input gradient.</param>
    /// <param name="channels">Channels.</param>
    /// <param name="positions">Positions per channel and sample.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="batchStatistics">The forward pass normalised with batch statistics (training mode).</param>
    /// <param name="weightGradients">Add to <paramref name="gammaGradient"/> and <paramref name="betaGradient"/>.</param>
    /// <param name="accumulate">Add to <paramref name="dx"/> instead of overwriting it.</param>
    public static void BatchNormBackward(ReadOnlySpan<float> dz, ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma,
        Span<float> gammaGradient, Span<float> betaGradient, Span<float> dx, int channels, int positions, int batch,
        bool batchStatistics, bool weightGradients, bool accumulate)
    {
        long values = Check(dz.Length, channels, positions, batch, nameof(dz));
        Check(normalized.Length, channels, positions, batch, nameof(normalized));
        if (!dx.IsEmpty) Check(dx.Length, channels, positions, batch, nameof(dx));
        CheckChannels(channels, inverseStd.Length, nameof(inverseStd));
        CheckChannels(channels, gamma.Length, nameof(gamma));
        if (weightGradients)
        {
            CheckChannels(channels, gammaGradient.Length, nameof(gammaGradient));
            CheckChannels(channels, betaGradient.Length, nameof(betaGradient));
        }
        fixed (float* pz = dz, ph = normalized, ps = inverseStd, pg = gamma, pdg = gammaGradient, pdb = betaGradient, pdx = dx)
        {
            var work = new BackwardWork(pz, ph, ps, pg, weightGradients ? pdg : null, weightGradients ? pdb : null, dx.IsEmpty ? null : pdx,
                channels, positions, batch, batchStatistics, accumulate);
            ParallelRange.Run(work, channels, 3 * values / channels);
        }
    }

    private static long Check(int length, int channels, int positions, int batch, string name)
    {
        if (channels < 1 || positions < 1 || batch < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), $"Channels ({channels}), positions ({positions}) and batch ({batch}) must be at least 1.");
        long needed = (long)channels * positions * batch;
        if (length < needed)
            throw new ArgumentException($"{name} has {length} floats, but {batch} samples of {channels} channels of {positions} positions need {needed}.", name);
        return needed;
    }

    // One span at a time: a params array would allocate on every call of a training step.
    private static void CheckChannels(int channels, int length, string name)
    {
        if (length < channels) throw new ArgumentException($"{name} has {length} floats, but there are {channels} channels.", name);
    }

    /// <summary>The work for one channel, at one vector width.</summary>
    private interface IChannelWork
    {
        void Channel<TV>(int c) where TV : struct, ISimdVector<TV>;
    }

    // Channels start .. end - 1 at the machine's widest vector width.
    private static void RunChannels<TWork>(in TWork work, int start, int end) where TWork : struct, IChannelWork
    {
        for (int c = start; c < end; c++)
        {
            switch (SimdLoops.Width)
            {
                case 16: work.Channel<Simd512>(c); break;
                case 8: work.Channel<Simd256>(c); break;
                case 4: work.Channel<Simd128>(c); break;
                default: work.Channel<Simd1>(c); break;
            }
        }
    }

    /// <summary>
    /// A batch norm in eval mode as a per-channel scale and shift of its input, for a convolution's epilogue:
    /// <c>scale[c] = γ[c] / √(var[c] + ε)</c> and <c>shift[c] = β[c] + (bias[c] - mean[c]) · scale[c]</c>, where
    /// <paramref name="bias"/> is the convolution's own bias (empty for none), so that
    /// <c>scale · z + shift = γ · (z + bias - mean) / √(var + ε) + β</c>.
    /// </summary>
    /// <param name="gamma">[channels].</param>
    /// <param name="beta">[channels].</param>
    /// <param name="runningMean">[channels].</param>
    /// <param name="runningVar">[channels].</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="bias">[channels], or empty.</param>
    /// <param name="scale">[channels], written.</param>
    /// <param name="shift">[channels], written.</param>
    public static void EvalScaleShift(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar,
        float epsilon, ReadOnlySpan<float> bias, Span<float> scale, Span<float> shift)
    {
        int channels = gamma.Length;
        if (beta.Length < channels || runningMean.Length < channels || runningVar.Length < channels || scale.Length < channels || shift.Length < channels
            || (!bias.IsEmpty && bias.Length < channels))
            throw new ArgumentException($"EvalScaleShift needs {channels} floats in every span.");
        for (int c = 0; c < channels; c++)
        {
            // The same inverse as the eval-mode forward pass computes.
            float s = gamma[c] * (1f / MathF.Sqrt(runningVar[c] + epsilon));
            scale[c] = s;
            shift[c] = beta[c] + ((bias.IsEmpty ? 0f : bias[c]) - runningMean[c]) * s;
        }
    }

    private readonly struct ForwardWork<TActivation>(float* x, float* y, float* normalized, float* inverseStd, float* gamma, float* beta,
        float* runningMean, float* runningVar, int channels, int positions, int batch, bool training, float momentum, float epsilon, TActivation activation)
        : IRangeWork, IChannelWork where TActivation : struct, IActivationOperator
    {
        public void Run(int start, int end) => RunChannels(this, start, end);

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public void Channel<TV>(int c) where TV : struct, ISimdVector<TV>
        {
            float mean, inverse;
            if (training)
            {
                long count = (long)batch * positions;
                double sum = 0;
                for (int b = 0; b < batch; b++) sum += RowSum<TV>(x + ((long)b * channels + c) * positions, positions);
                double batchMean = sum / count;
                double squares = 0;
                for (int b = 0; b < batch; b++) squares += RowSquaredDeviations<TV>(x + ((long)b * channels + c) * positions, positions, (float)batchMean);
                mean = (float)batchMean;
                inverse = (float)(1.0 / Math.Sqrt(squares / count + epsilon));
                runningMean[c] = (1f - momentum) * runningMean[c] + momentum * mean;
                runningVar[c] = (1f - momentum) * runningVar[c] + momentum * (float)(squares / (count - 1));
            }
            else
            {
                mean = runningMean[c];
                inverse = 1f / MathF.Sqrt(runningVar[c] + epsilon);
            }
            inverseStd[c] = inverse;

            TV negativeMean = TV.Broadcast(-mean), scale = TV.Broadcast(inverse), g = TV.Broadcast(gamma[c]), shift = TV.Broadcast(beta[c]);
            float* pad = stackalloc float[16];
            float* padHat = stackalloc float[16];
            for (int b = 0; b < batch; b++)
            {
                long row = ((long)b * channels + c) * positions;
                float* px = x + row, py = y + row, ph = normalized + row;
                int i = 0;
                for (; i + TV.Count <= positions; i += TV.Count)
                {
                    TV hat = TV.Multiply(TV.Add(TV.Load(px + i), negativeMean), scale);
                    TV.Store(hat, ph + i);
                    TV.Store(TV.Activate(TV.MultiplyAdd(hat, g, shift), activation), py + i);
                }
                if (i == positions) continue;
                // The tail through the same vector form, padded, as the element-wise drivers do.
                SimdLoops.Pad(px + i, positions - i, pad);
                TV tailHat = TV.Multiply(TV.Add(TV.Load(pad), negativeMean), scale);
                TV.Store(tailHat, padHat);
                TV.Store(TV.Activate(TV.MultiplyAdd(tailHat, g, shift), activation), pad);
                SimdLoops.Unpad(padHat, positions - i, ph + i);
                SimdLoops.Unpad(pad, positions - i, py + i);
            }
        }
    }

    private readonly struct BackwardWork(float* dz, float* normalized, float* inverseStd, float* gamma, float* gammaGradient, float* betaGradient,
        float* dx, int channels, int positions, int batch, bool batchStatistics, bool accumulate) : IRangeWork, IChannelWork
    {
        public void Run(int start, int end) => RunChannels(this, start, end);

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public void Channel<TV>(int c) where TV : struct, ISimdVector<TV>
        {
            long count = (long)batch * positions;
            double sumDz = 0, sumDzHat = 0;
            if (gammaGradient != null || (dx != null && batchStatistics))
            {
                for (int b = 0; b < batch; b++)
                {
                    long row = ((long)b * channels + c) * positions;
                    sumDz += RowSum<TV>(dz + row, positions);
                    sumDzHat += RowDot<TV>(dz + row, normalized + row, positions);
                }
            }
            if (gammaGradient != null)
            {
                gammaGradient[c] += (float)sumDzHat;
                betaGradient[c] += (float)sumDz;
            }
            if (dx == null) return;

            // dx = scale dz + (x-hat (-scale mean(dz x-hat)) + (-scale mean(dz))), or scale dz after running statistics.
            float scale = gamma[c] * inverseStd[c];
            float hatFactor = batchStatistics ? -scale * (float)(sumDzHat / count) : 0f;
            float offset = batchStatistics ? -scale * (float)(sumDz / count) : 0f;
            TV s = TV.Broadcast(scale), h = TV.Broadcast(hatFactor), o = TV.Broadcast(offset);
            for (int b = 0; b < batch; b++)
            {
                long row = ((long)b * channels + c) * positions;
                float* pz = dz + row, ph = normalized + row, pdx = dx + row;
                int i = 0;
                for (; i + TV.Count <= positions; i += TV.Count)
                {
                    TV value = TV.MultiplyAdd(TV.Load(pz + i), s, TV.MultiplyAdd(TV.Load(ph + i), h, o));
                    TV.Store(accumulate ? TV.Add(TV.Load(pdx + i), value) : value, pdx + i);
                }
                for (; i < positions; i++)
                {
                    float value = MathF.FusedMultiplyAdd(pz[i], scale, MathF.FusedMultiplyAdd(ph[i], hatFactor, offset));
                    pdx[i] = accumulate ? pdx[i] + value : value;
                }
            }
        }
    }

    // A row's sum in SIMD lanes (then across them); a row shorter than a vector sums in order, in float.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowSum<TV>(float* x, int n) where TV : struct, ISimdVector<TV>
    {
        if (n < TV.Count) return ScalarSum(x, n);
        TV a0 = default, a1 = default;
        int i = 0;
        for (; i + 2 * TV.Count <= n; i += 2 * TV.Count)
        {
            a0 = TV.Add(a0, TV.Load(x + i));
            a1 = TV.Add(a1, TV.Load(x + i + TV.Count));
        }
        if (i + TV.Count <= n)
        {
            a0 = TV.Add(a0, TV.Load(x + i));
            i += TV.Count;
        }
        if (i < n) a1 = TV.Add(a1, TV.LoadTail(x + i, n - i));
        return TV.Sum(TV.Add(a0, a1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowSquaredDeviations<TV>(float* x, int n, float mean) where TV : struct, ISimdVector<TV>
    {
        if (n < TV.Count)
        {
            float sum = 0;
            for (int j = 0; j < n; j++) sum += (x[j] - mean) * (x[j] - mean);
            return sum;
        }
        TV negativeMean = TV.Broadcast(-mean), a0 = default, a1 = default;
        int i = 0;
        for (; i + 2 * TV.Count <= n; i += 2 * TV.Count)
        {
            TV d0 = TV.Add(TV.Load(x + i), negativeMean), d1 = TV.Add(TV.Load(x + i + TV.Count), negativeMean);
            a0 = TV.MultiplyAdd(d0, d0, a0);
            a1 = TV.MultiplyAdd(d1, d1, a1);
        }
        if (i + TV.Count <= n)
        {
            TV d = TV.Add(TV.Load(x + i), negativeMean);
            a0 = TV.MultiplyAdd(d, d, a0);
            i += TV.Count;
        }
        float tail = 0;
        for (; i < n; i++) tail += (x[i] - mean) * (x[i] - mean);
        return TV.Sum(TV.Add(a0, a1)) + tail;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowDot<TV>(float* a, float* b, int n) where TV : struct, ISimdVector<TV>
    {
        if (n < TV.Count)
        {
            float sum = 0;
            for (int j = 0; j < n; j++) sum += a[j] * b[j];
            return sum;
        }
        TV a0 = default, a1 = default;
        int i = 0;
        for (; i + 2 * TV.Count <= n; i += 2 * TV.Count)
        {
            a0 = TV.MultiplyAdd(TV.Load(a + i), TV.Load(b + i), a0);
            a1 = TV.MultiplyAdd(TV.Load(a + i + TV.Count), TV.Load(b + i + TV.Count), a1);
        }
        if (i + TV.Count <= n)
        {
            a0 = TV.MultiplyAdd(TV.Load(a + i), TV.Load(b + i), a0);
            i += TV.Count;
        }
        if (i < n) a1 = TV.MultiplyAdd(TV.LoadTail(a + i, n - i), TV.LoadTail(b + i, n - i), a1);
        return TV.Sum(TV.Add(a0, a1));
    }

    private static float ScalarSum(float* x, int n)
    {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += x[i];
        return sum;
    }
}
