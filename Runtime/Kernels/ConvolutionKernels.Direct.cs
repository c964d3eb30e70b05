using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

// Direct convolution for layers with few input channels (a first layer on gray or RGB images): with C·k·k of 9 or 27,
// a matrix product over im2col columns spends more on packing and on writing its tiles than on multiply-adds, so these
// kernels compute the outputs from the image itself.
public static unsafe partial class ConvolutionKernels
{
    /// <summary>Filters computed together: each input vector loaded feeds this many accumulators.</summary>
    private const int FilterBlock = 8;

    /// <summary>Kernel taps (c, ky, kx) accumulated together by <see cref="DirectWeightGradient"/>.</summary>
    private const int TapBlock = 8;

    [ThreadStatic] private static float[]? s_packedWeights;
    [ThreadStatic] private static float[]? s_paddedImage;

    /// <summary>
    /// A convolution computed directly, with the bias and activation fused and the output in NCHW:
    /// <c>y[b, f, oy, ox] = act(Σ_{c, ky, kx} w[f, c, ky, kx] · x[b, c, oy·s + ky - padTop, ox·s + kx - padLeft] + bias[f])</c>,
    /// zero outside the input. It replaces im2col, the product and <see cref="ElementwiseKernels.ChannelsToSamples"/> for
    /// layers whose <c>C·k·k</c> is small (up to about 32), where those cost more than the multiply-adds.
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k], PyTorch's layout.</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="y">[batch, F, outHeight, outWidth].</param>
    /// <param name="shape">The geometry of one sample.</param>
    /// <param name="filters">F, the output channels.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="activation">The fused activation.</param>
    /// <remarks>
    /// Each output sums its taps in (c, ky, kx) order, then adds the bias. Parallel over (sample, block of 8 filters);
    /// every output is computed the same way on any thread. Stride 1 runs vectors along the output rows; other strides
    /// run a scalar loop.
    /// </remarks>
    public static void DirectForward<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        in ConvolutionShape shape, int filters, int batch, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckDirect(x.Length, weight.Length, bias.Length, y.Length, shape, filters, batch, nameof(y));
        Direct(x, weight, bias, y, shape, filters, batch, activation, default, null);
    }

    /// <summary>
    /// <see cref="DirectForward"/> with a per-filter scale and shift in the epilogue instead of a bias:
    /// <c>y = act(scale[f] · Σ w · x + shift[f])</c>, a convolution followed by a batch norm in eval mode
    /// (<see cref="NormalizationKernels.EvalScaleShift"/>).
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="scale">[F].</param>
    /// <param name="shift">[F].</param>
    /// <param name="y">[batch, F, outHeight, outWidth].</param>
    /// <param name="shape">The geometry of one sample.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="activation">The activation after the scale and shift.</param>
    public static void DirectForwardScaled<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        Span<float> y, in ConvolutionShape shape, int filters, int batch, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckDirect(x.Length, weight.Length, shift.Length, y.Length, shape, filters, batch, nameof(y));
        CheckScale(scale.Length, shift.Length, filters);
        fixed (float* ps = scale) Direct(x, weight, shift, y, shape, filters, batch, activation, default, ps);
    }

    private static void CheckScale(int scaleLength, int shiftLength, int filters)
    {
        if (scaleLength < filters || shiftLength < filters)
            throw new ArgumentException($"The scale has {scaleLength} and the shift {shiftLength} floats, but there are {filters} filters.", "scale");
    }

    /// <summary>
    /// <see cref="DirectForward"/> fused with the max pooling that follows it: each block of output planes is computed
    /// into a per-thread buffer and pooled at once, so only <c>pooled[batch, F, OH, OW]</c> and the argmax positions
    /// (within the convolution's output plane) reach memory. Bit-identical to the two calls in sequence.
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="pooled">[batch, F, pool.OutHeight, pool.OutWidth].</param>
    /// <param name="argmax">Same shape as <paramref name="pooled"/>, or empty when no backward pass will follow.</param>
    /// <param name="shape">The convolution's geometry.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="pool">The pooling geometry over the convolution's output (Planes = batch·F).</param>
    /// <param name="activation">The convolution's activation.</param>
    public static void DirectForwardMaxPool<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<int> argmax, in ConvolutionShape shape, int filters, int batch, in PoolShape pool, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        if (pool.Height != shape.OutHeight || pool.Width != shape.OutWidth || pool.Planes != (long)batch * filters)
            throw new ArgumentException(
                $"The pooling reads {pool.Planes} planes of {pool.Height}x{pool.Width}, but the convolution writes {batch * filters} planes of {shape.OutHeight}x{shape.OutWidth}.", nameof(pool));
        long pooledLength = (long)pool.Planes * pool.OutHeight * pool.OutWidth;
        if (pooled.Length < pooledLength || (!argmax.IsEmpty && argmax.Length < pooledLength))
            throw new ArgumentException($"pooled has {pooled.Length} floats and argmax {argmax.Length}, but {pool.Planes} planes of {pool.OutHeight}x{pool.OutWidth} need {pooledLength}.", nameof(pooled));
        fixed (float* po = pooled)
        fixed (int* pa = argmax)
        {
            _ = PoolingKernels.PlaneBuffer(FilterBlock, pool); // the caller's, in its first call, whichever blocks it runs
            Direct(x, weight, bias, default, shape, filters, batch, activation, new PoolTarget(po, argmax.IsEmpty ? null : pa, pool), null);
        }
    }

    /// <summary>Where a pooled direct convolution writes: the pooled outputs, the argmax positions (or null) and the pooling.</summary>
    private readonly struct PoolTarget(float* pooled, int* argmax, PoolShape shape)
    {
        public float* Pooled { get; } = pooled;

        public int* Argmax { get; } = argmax;

        public PoolShape Shape { get; } = shape;

        public bool IsActive => Pooled != null;
    }

    private static void Direct<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        in ConvolutionShape shape, int filters, int batch, TActivation activation, PoolTarget pool, float* scale) where TActivation : struct, IActivationOperator
    {
        if (pool.IsActive) CheckDirect(x.Length, weight.Length, bias.Length, int.MaxValue, shape, filters, batch, "pooled");
        if (batch == 0 || filters == 0) return;
        int taps = shape.ColumnRows, blocks = (filters + FilterBlock - 1) / FilterBlock;
        var packed = Scratch(ref s_packedWeights, blocks * taps * FilterBlock);
        fixed (float* px = x, pw = weight, pb = bias, py = y, pp = packed)
        {
            // Weights as [block][tap][8 filters], zero for filters past the last: the kernel broadcasts them in order.
            for (int f = 0; f < blocks * FilterBlock; f++)
            {
                for (int t = 0; t < taps; t++)
                    pp[((f / FilterBlock) * taps + t) * FilterBlock + f % FilterBlock] = f < filters ? pw[f * taps + t] : 0f;
            }
            var image = PaddedImage(px, shape, batch, out int paddedHeight, out int paddedWidth);
            fixed (float* pi = image)
            {
                var work = new DirectForwardWork<TActivation>(pi != null ? pi : px, pp, bias.IsEmpty ? null : pb, scale, py, shape, paddedHeight, paddedWidth,
                    filters, blocks, activation, pool);
                ParallelRange.Run(work, batch * blocks, (long)FilterBlock * taps * shape.Positions);
            }
        }
    }

    /// <summary>
    /// The weight and bias gradients of a convolution, computed directly from the image and the output gradient in NCHW:
    /// <c>dW[f, c, ky, kx] += Σ_{b, oy, ox} dz[b, f, oy, ox] · x[b, c, oy·s + ky - padTop, ox·s + kx - padLeft]</c> and
    /// <c>db[f] += Σ_{b, oy, ox} dz[b, f, oy, ox]</c>. It replaces <see cref="ElementwiseKernels.SamplesToChannels"/>, the
    /// weight-gradient product and <see cref="ElementwiseKernels.AddRowSums"/> for layers with small <c>C·k·k</c>, and
    /// needs no im2col columns.
    /// </summary>
    /// <param name="x">[batch, C, H, W], the forward input.</param>
    /// <param name="dz">[batch, F, outHeight, outWidth], dLoss/d(pre-activation).</param>
    /// <param name="weightGradient">[F, C, k, k], accumulated into.</param>
    /// <param name="biasGradient">[F], accumulated into; empty for a layer without bias.</param>
    /// <param name="shape">The geometry of one sample.</param>
    /// <param name="filters">F, the output channels.</param>
    /// <param name="batch">Samples.</param>
    /// <remarks>
    /// Parallel over filters: each filter's sums run over (b, oy, ox) in vector lanes in a fixed order, then across
    /// lanes, whatever the number of threads.
    /// </remarks>
    public static void DirectWeightGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> weightGradient, Span<float> biasGradient,
        in ConvolutionShape shape, int filters, int batch)
    {
        CheckDirect(x.Length, weightGradient.Length, biasGradient.Length, dz.Length, shape, filters, batch, nameof(dz));
        if (batch == 0 || filters == 0) return;
        // Always padded: the vector loads of a row's last, partial chunk then read finite values (the next row or zero
        // slack) that the zero-padded gradient lanes cancel, never past the end of the caller's array.
        var image = PaddedImage(x, shape, batch, out int paddedHeight, out int paddedWidth);
        fixed (float* pi = image, pdz = dz, pdw = weightGradient, pdb = biasGradient)
        {
            var work = new DirectWeightGradientWork(pi, pdz, pdw, biasGradient.IsEmpty ? null : pdb, shape, paddedHeight, paddedWidth, filters, batch);
            ParallelRange.Run(work, filters, (long)batch * shape.ColumnRows * shape.Positions);
        }
    }

    /// <summary>
    /// The batch copied into zero-padded planes of <c>(outHeight - 1)·s + k</c> rows by <c>(outWidth - 1)·s + k</c>
    /// columns (plus a vector of slack at the end), so that every window lies inside its plane; null when the input
    /// already has that shape (no padding), unless <paramref name="always"/>.
    /// </summary>
    private static float[]? PaddedImage(float* x, in ConvolutionShape shape, int batch, out int paddedHeight, out int paddedWidth, bool always = false)
    {
        paddedHeight = (shape.OutHeight - 1) * shape.Stride + shape.Kernel;
        paddedWidth = (shape.OutWidth - 1) * shape.Stride + shape.Kernel;
        if (!always && shape.PadTop == 0 && shape.PadLeft == 0 && paddedHeight <= shape.Height && paddedWidth == shape.Width)
        {
            // The input's own planes serve: their rows are the input's height apart, even where the last windows end
            // above the last row (a stride that does not divide the height).
            paddedHeight = shape.Height;
            return null;
        }
        int planes = batch * shape.Channels, planeSize = paddedHeight * paddedWidth;
        var padded = Scratch(ref s_paddedImage, planes * planeSize + 16);
        fixed (float* pp = padded)
        {
            for (int plane = 0; plane < planes; plane++)
            {
                float* target = pp + (long)plane * planeSize;
                float* source = x + (long)plane * shape.Height * shape.Width;
                for (int py = 0; py < paddedHeight; py++)
                {
                    int iy = py - shape.PadTop;
                    for (int px = 0; px < paddedWidth; px++)
                    {
                        int ix = px - shape.PadLeft;
                        target[py * paddedWidth + px] = (uint)iy < (uint)shape.Height && (uint)ix < (uint)shape.Width ? source[iy * shape.Width + ix] : 0f;
                    }
                }
            }
            new Span<float>(pp + (long)planes * planeSize, 16).Clear();
        }
        return padded;
    }

    private static float[] PaddedImage(ReadOnlySpan<float> x, in ConvolutionShape shape, int batch, out int paddedHeight, out int paddedWidth)
    {
        fixed (float* px = x) return PaddedImage(px, shape, batch, out paddedHeight, out paddedWidth, always: true)!;
    }

    private static float[] Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 1024), pinned: true);
        return buffer;
    }

    private static void CheckDirect(int imageLength, int weightLength, int biasLength, int outputLength, in ConvolutionShape shape, int filters, int batch,
        string outputName)
    {
        long image = (long)batch * shape.Channels * shape.Height * shape.Width, weights = (long)filters * shape.ColumnRows;
        long output = (long)batch * filters * shape.Positions;
        if (filters < 0 || batch < 0) throw new ArgumentOutOfRangeException(nameof(filters), $"filters ({filters}) and batch ({batch}) must not be negative.");
        if (imageLength < image) throw new ArgumentException($"x has {imageLength} floats, but {batch} samples of {shape.Channels}x{shape.Height}x{shape.Width} need {image}.", "x");
        if (weightLength < weights) throw new ArgumentException($"The weights have {weightLength} floats, but {filters} filters of {shape.Channels}x{shape.Kernel}x{shape.Kernel} need {weights}.", "weight");
        if (biasLength != 0 && biasLength < filters) throw new ArgumentException($"The bias has {biasLength} floats, but there are {filters} filters.", "bias");
        if (outputLength < output) throw new ArgumentException($"{outputName} has {outputLength} floats, but {batch} samples of {filters}x{shape.OutHeight}x{shape.OutWidth} need {output}.", outputName);
    }

    /// <summary>Item i = (sample, filter block) = (i / blocks, i % blocks).</summary>
    /// <remarks>With a pool target, a block's planes go to a per-thread buffer and are pooled from there.</remarks>
    private readonly struct DirectForwardWork<TActivation>(float* image, float* packedWeights, float* bias, float* scale, float* y, ConvolutionShape shape,
        int paddedHeight, int paddedWidth, int filters, int blocks, TActivation activation, PoolTarget pool) : IRangeWork
        where TActivation : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int ow = shape.OutWidth;
            float* planes = null;
            fixed (float* buffer = pool.IsActive ? PoolingKernels.PlaneBuffer(FilterBlock, pool.Shape) : null)
            {
                planes = buffer;
                for (int i = start; i < end; i++)
                {
                    if (shape.Stride != 1 || ow < 4 || SimdLoops.Width < 4) Block<Simd1>(i, planes);
                    else if (SimdLoops.Width >= 16 && ow >= 16) Block<Simd512>(i, planes);
                    else if (SimdLoops.Width >= 8 && ow >= 8) Block<Simd256>(i, planes);
                    else Block<Simd128>(i, planes);
                    if (!pool.IsActive) continue;
                    int b = i / blocks, firstFilter = i % blocks * FilterBlock;
                    for (int j = 0; j < Math.Min(FilterBlock, filters - firstFilter); j++)
                        PoolingKernels.PoolPlane(planes + (long)j * shape.Positions, pool.Pooled, pool.Argmax, b * filters + firstFilter + j, pool.Shape);
                }
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void Block<TV>(int item, float* planes) where TV : struct, ISimdVector<TV>
        {
            int b = item / blocks, block = item % blocks;
            int channels = shape.Channels, k = shape.Kernel, s = shape.Stride, oh = shape.OutHeight, ow = shape.OutWidth, taps = shape.ColumnRows;
            int firstFilter = block * FilterBlock, count = Math.Min(FilterBlock, filters - firstFilter);
            long planeSize = (long)paddedHeight * paddedWidth;
            float* sample = image + b * channels * planeSize;
            float* weights = packedWeights + (long)block * taps * FilterBlock;
            float* output = planes != null ? planes : y + ((long)b * filters + firstFilter) * oh * ow;
            int v = TV.Count;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox += v)
                {
                    // A ragged end recomputes an overlapping vector: the overlap gets the same bits twice.
                    if (ox + v > ow) ox = ow - v;
                    TV a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                    float* w = weights;
                    for (int c = 0; c < channels; c++)
                    {
                        for (int ky = 0; ky < k; ky++)
                        {
                            float* row = sample + c * planeSize + (long)(oy * s + ky) * paddedWidth + ox * s;
                            for (int kx = 0; kx < k; kx++, w += FilterBlock)
                            {
                                var input = TV.Load(row + kx);
                                a0 = TV.MultiplyAdd(TV.Broadcast(w[0]), input, a0);
                                a1 = TV.MultiplyAdd(TV.Broadcast(w[1]), input, a1);
                                a2 = TV.MultiplyAdd(TV.Broadcast(w[2]), input, a2);
                                a3 = TV.MultiplyAdd(TV.Broadcast(w[3]), input, a3);
                                a4 = TV.MultiplyAdd(TV.Broadcast(w[4]), input, a4);
                                a5 = TV.MultiplyAdd(TV.Broadcast(w[5]), input, a5);
                                a6 = TV.MultiplyAdd(TV.Broadcast(w[6]), input, a6);
                                a7 = TV.MultiplyAdd(TV.Broadcast(w[7]), input, a7);
                            }
                        }
                    }
                    float* target = output + oy * ow + ox;
                    long stride = (long)oh * ow;
                    Finish(a0, 0, count, firstFilter, target, stride);
                    Finish(a1, 1, count, firstFilter, target, stride);
                    Finish(a2, 2, count, firstFilter, target, stride);
                    Finish(a3, 3, count, firstFilter, target, stride);
                    Finish(a4, 4, count, firstFilter, target, stride);
                    Finish(a5, 5, count, firstFilter, target, stride);
                    Finish(a6, 6, count, firstFilter, target, stride);
                    Finish(a7, 7, count, firstFilter, target, stride);
                }
            }
        }

        private void Finish<TV>(TV sum, int j, int count, int firstFilter, float* target, long planeStride) where TV : struct, ISimdVector<TV>
        {
            if (j >= count) return;
            // With a scale, the bias is the shift of a batch norm in eval mode: act(scale · sum + shift).
            var z = scale is not null ? TV.MultiplyAdd(sum, TV.Broadcast(scale[firstFilter + j]), TV.Broadcast(bias[firstFilter + j]))
                : bias is null ? sum : TV.Add(sum, TV.Broadcast(bias[firstFilter + j]));
            TV.Store(TV.Activate(z, activation), target + j * planeStride);
        }
    }

    /// <summary>Item f: the gradient of filter f's weights and bias.</summary>
    private readonly struct DirectWeightGradientWork(float* image, float* dz, float* weightGradient, float* biasGradient, ConvolutionShape shape,
        int paddedHeight, int paddedWidth, int filters, int batch) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int ow = shape.OutWidth;
            for (int f = start; f < end; f++)
            {
                if (shape.Stride != 1 || SimdLoops.Width < 4) Filter<Simd1>(f);
                else if (SimdLoops.Width >= 16 && ow >= 12) Filter<Simd512>(f);
                else if (SimdLoops.Width >= 8 && ow >= 6) Filter<Simd256>(f);
                else Filter<Simd128>(f);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void Filter<TV>(int f) where TV : struct, ISimdVector<TV>
        {
            int channels = shape.Channels, k = shape.Kernel, s = shape.Stride, oh = shape.OutHeight, ow = shape.OutWidth, taps = shape.ColumnRows;
            long planeSize = (long)paddedHeight * paddedWidth, outPlane = (long)oh * ow;
            int v = TV.Count;
            // Taps in equal groups of at most 8 (9 taps as 5 + 4, not 8 + 1): each group is one pass over dz.
            int groupSize = (taps + (taps + TapBlock - 1) / TapBlock - 1) / ((taps + TapBlock - 1) / TapBlock);
            for (int firstTap = 0; firstTap < taps; firstTap += groupSize)
            {
                int count = Math.Min(groupSize, taps - firstTap);
                // Offset of each tap's window corner from the output position's, in its padded plane; unused taps
                // repeat the first one, and their sums are dropped. Locals, so that they stay in registers.
                int o0 = TapOffset(firstTap, 0, count, planeSize), o1 = TapOffset(firstTap, 1, count, planeSize);
                int o2 = TapOffset(firstTap, 2, count, planeSize), o3 = TapOffset(firstTap, 3, count, planeSize);
                int o4 = TapOffset(firstTap, 4, count, planeSize), o5 = TapOffset(firstTap, 5, count, planeSize);
                int o6 = TapOffset(firstTap, 6, count, planeSize), o7 = TapOffset(firstTap, 7, count, planeSize);
                TV a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, biasSum = default;
                for (int b = 0; b < batch; b++)
                {
                    float* sample = image + (long)b * channels * planeSize;
                    float* gradient = dz + ((long)b * filters + f) * outPlane;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        for (int ox = 0; ox < ow; ox += v)
                        {
                            float* g = gradient + oy * ow + ox;
                            // The last, partial vector of a row reads zeros past its end: those lanes add nothing.
                            TV d = ox + v <= ow ? TV.Load(g) : TV.LoadTail(g, ow - ox);
                            float* corner = sample + (long)oy * s * paddedWidth + ox * s;
                            a0 = TV.MultiplyAdd(d, TV.Load(corner + o0), a0);
                            if (count > 1) a1 = TV.MultiplyAdd(d, TV.Load(corner + o1), a1);
                            if (count > 2) a2 = TV.MultiplyAdd(d, TV.Load(corner + o2), a2);
                            if (count > 3) a3 = TV.MultiplyAdd(d, TV.Load(corner + o3), a3);
                            if (count > 4) a4 = TV.MultiplyAdd(d, TV.Load(corner + o4), a4);
                            if (count > 5) a5 = TV.MultiplyAdd(d, TV.Load(corner + o5), a5);
                            if (count > 6) a6 = TV.MultiplyAdd(d, TV.Load(corner + o6), a6);
                            if (count > 7) a7 = TV.MultiplyAdd(d, TV.Load(corner + o7), a7);
                            if (firstTap == 0) biasSum = TV.Add(biasSum, d);
                        }
                    }
                }
                float* dw = weightGradient + (long)f * taps + firstTap;
                dw[0] += TV.Sum(a0);
                if (count > 1) dw[1] += TV.Sum(a1);
                if (count > 2) dw[2] += TV.Sum(a2);
                if (count > 3) dw[3] += TV.Sum(a3);
                if (count > 4) dw[4] += TV.Sum(a4);
                if (count > 5) dw[5] += TV.Sum(a5);
                if (count > 6) dw[6] += TV.Sum(a6);
                if (count > 7) dw[7] += TV.Sum(a7);
                if (firstTap == 0 && biasGradient is not null) biasGradient[f] += TV.Sum(biasSum);
            }
        }

        /// <summary>The window offset of tap <c>firstTap + j</c> (of the first tap when j is past <paramref name="count"/>).</summary>
        private int TapOffset(int firstTap, int j, int count, long planeSize)
        {
            int k = shape.Kernel, t = firstTap + (j < count ? j : 0);
            int c = t / (k * k), ky = t / k % k, kx = t % k;
            return (int)(c * planeSize) + ky * paddedWidth + kx;
        }
    }
}
