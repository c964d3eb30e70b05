using System;

namespace Myelin.Kernels;

// Whole convolution layers, forward and backward, as matrix products over im2col columns, done a few samples at a
// time. A whole batch's columns (conv2 of the MNIST CNN: 288 rows x 64·121 columns, 8.9 MB) do not fit in any cache,
// so im2col wrote them to memory and the product read them back, twice in training; a chunk's columns stay in L2.
public static unsafe partial class ConvolutionKernels
{
    /// <summary>Bytes of im2col columns per chunk: a chunk's columns and products stay in a 1 MB L2.</summary>
    private const int ChunkBytes = 384 * 1024;

    /// <summary>
    /// Partial weight gradients summed separately, then added in order: a fixed number (not the thread count) so that
    /// the sum, and its rounding, is the same for any number of threads.
    /// </summary>
    private const int MaxSlots = 16;

    [ThreadStatic] private static float[]? s_chunkColumns;
    [ThreadStatic] private static float[]? s_chunkProducts;
    [ThreadStatic] private static float[]? s_chunkGradient;
    [ThreadStatic] private static float[]? s_slotGradients;

    /// <summary>
    /// A whole convolution layer's forward pass, with the bias and activation fused and the output in NCHW:
    /// <c>y[b, f, p] = act(Σ_t W[f, t] · im2col(x_b)[t, p] + bias[f])</c>. It replaces the generated per-sample im2col
    /// loop, the whole-batch product and <see cref="ElementwiseKernels.ChannelsToSamples"/>, and needs no columns buffer.
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="y">[batch, F, outHeight, outWidth].</param>
    /// <param name="shape">The geometry of one sample.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="activation">The fused activation.</param>
    /// <remarks>
    /// Samples go in chunks whose columns fit in L2 (the chunk size depends only on the shape). With at least as many
    /// chunks as threads, each thread takes whole chunks; otherwise the chunks run one after another, each split across
    /// the threads. Every output is computed the same way in both cases, so the result does not depend on the number
    /// of threads.
    /// </remarks>
    public static void Forward<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        in ConvolutionShape shape, int filters, int batch, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckDirect(x.Length, weight.Length, bias.Length, y.Length, shape, filters, batch, nameof(y));
        _ = ChunkScratch(shape, filters, backward: false); // the caller's, in its first call, whichever chunks it runs
        fixed (float* px = x, pw = weight, pb = bias, py = y)
            RunChunks(new ForwardWork<TActivation>(px, pw, bias.IsEmpty ? null : pb, py, null, shape, filters, batch, default, activation), shape, batch);
    }

    /// <summary>
    /// <see cref="Forward{TActivation}"/> fused with the max pooling that follows: only the pooled values and the argmax
    /// positions (within the convolution's output plane) reach memory. Bit-identical to
    /// <see cref="Forward{TActivation}"/> then <see cref="PoolingKernels.MaxPoolForward"/>.
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="pooled">[batch, F, pool.OutHeight, pool.OutWidth].</param>
    /// <param name="argmax">Same shape as <paramref name="pooled"/>, or empty when no backward pass will follow.</param>
    /// <param name="shape">The convolution's geometry.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="pool">The pooling over the convolution's output (Planes = batch·F).</param>
    /// <param name="activation">The convolution's activation.</param>
    public static void ForwardMaxPool<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<int> argmax, in ConvolutionShape shape, int filters, int batch, in PoolShape pool, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckDirect(x.Length, weight.Length, bias.Length, int.MaxValue, shape, filters, batch, nameof(pooled));
        CheckPool(pooled.Length, argmax.Length, shape, filters, batch, pool);
        _ = ChunkScratch(shape, filters, backward: false);
        _ = PoolingKernels.PlaneBuffer(1, pool);
        fixed (float* px = x, pw = weight, pb = bias, po = pooled)
        fixed (int* pa = argmax)
        {
            var work = new ForwardWork<TActivation>(px, pw, bias.IsEmpty ? null : pb, po, argmax.IsEmpty ? null : pa, shape, filters, batch, pool, activation);
            RunChunks(work, shape, batch);
        }
    }

    /// <summary>
    /// A whole convolution layer's backward pass from <c>dz</c> = dLoss/d(pre-activation) in NCHW: the weight and bias
    /// gradients (<c>dW += dz · im2col(x)ᵀ</c>, <c>db += Σ dz</c>) and the input gradient
    /// (<c>dx = col2im(Wᵀ · dz)</c>, overwritten), chunk by chunk. It replaces
    /// <see cref="ElementwiseKernels.SamplesToChannels"/>, the two products, <see cref="ElementwiseKernels.AddRowSums"/>
    /// and the per-sample col2im loop.
    /// </summary>
    /// <param name="x">[batch, C, H, W], the forward input.</param>
    /// <param name="dz">[batch, F, outHeight, outWidth].</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="weightGradient">[F, C, k, k], accumulated into; empty to skip the weight and bias gradients.</param>
    /// <param name="biasGradient">[F], accumulated into; empty for a layer without bias.</param>
    /// <param name="dx">[batch, C, H, W], overwritten; empty to skip the input gradient.</param>
    /// <param name="shape">The geometry of one sample.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <remarks>
    /// The weight gradient is summed over up to 16 slots of chunks (slot s takes chunks s, s + 16, ...), each slot by
    /// one thread, and the slots are added in order: its rounding depends on the batch and the shape, never on the
    /// number of threads.
    /// </remarks>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dz, ReadOnlySpan<float> weight, Span<float> weightGradient,
        Span<float> biasGradient, Span<float> dx, in ConvolutionShape shape, int filters, int batch)
    {
        CheckDirect(x.Length, weight.Length, biasGradient.Length, dz.Length, shape, filters, batch, nameof(dz));
        bool weights = !weightGradient.IsEmpty, input = !dx.IsEmpty;
        int taps = shape.ColumnRows;
        if (weights && weightGradient.Length < (long)filters * taps)
            throw new ArgumentException($"weightGradient has {weightGradient.Length} floats, but {filters} filters of {taps} taps need {filters * taps}.", nameof(weightGradient));
        if (input && dx.Length < (long)batch * shape.Channels * shape.Height * shape.Width)
            throw new ArgumentException($"dx has {dx.Length} floats, but {batch} samples of {shape.Channels}x{shape.Height}x{shape.Width} need {batch * shape.Channels * shape.Height * shape.Width}.", nameof(dx));
        if (batch == 0 || filters == 0 || (!weights && !input)) return;

        int chunk = ChunkSize(shape), chunks = (batch + chunk - 1) / chunk, slots = Math.Min(chunks, MaxSlots);
        int slotSize = filters * taps + filters; // weight then bias partial sums
        var partials = weights ? Scratch(ref s_slotGradients, slots * slotSize) : null;
        _ = ChunkScratch(shape, filters, backward: true);
        fixed (float* px = x, pdz = dz, pw = weight, pdx = dx, pp = partials)
        {
            var work = new BackwardWork(px, pdz, pw, weights ? pp : null, input ? pdx : null, shape, filters, batch, chunk, slots);
            if (slots >= KernelThreads.Parallelism) ParallelRange.Run(work, slots, long.MaxValue / slots);
            else work.Run(0, slots);
            if (!weights) return;
            // dW += slot 0 + slot 1 + ..., one element at a time, in slot order.
            fixed (float* pdw = weightGradient, pdb = biasGradient)
            {
                for (int s = 0; s < slots; s++)
                {
                    SimdLoops.Add(pdw, pp + (long)s * slotSize, filters * taps);
                    if (!biasGradient.IsEmpty) SimdLoops.Add(pdb, pp + (long)s * slotSize + filters * taps, filters);
                }
            }
        }
    }

    /// <summary>Samples per chunk for a shape: as many as keep the chunk's columns within <see cref="ChunkBytes"/>.</summary>
    internal static int ChunkSize(in ConvolutionShape shape) =>
        (int)Math.Max(1, ChunkBytes / Math.Max(1L, (long)sizeof(float) * shape.ColumnRows * shape.Positions));

    /// <summary>This thread's chunk buffers: im2col columns, products (or reordered gradients), and column gradients.</summary>
    private static (float[] Columns, float[] Products, float[]? ColumnGradient) ChunkScratch(in ConvolutionShape shape, int filters, bool backward)
    {
        int chunk = ChunkSize(shape), width = chunk * shape.Positions;
        return (Scratch(ref s_chunkColumns, shape.ColumnRows * width), Scratch(ref s_chunkProducts, filters * width),
            backward ? Scratch(ref s_chunkGradient, shape.ColumnRows * width) : null);
    }

    /// <summary>Runs the chunks: each on one thread when there are enough for every thread, else one after another, each split.</summary>
    private static void RunChunks<TWork>(in TWork work, in ConvolutionShape shape, int batch) where TWork : struct, IRangeWork
    {
        int chunk = ChunkSize(shape), chunks = (batch + chunk - 1) / chunk;
        if (chunks >= KernelThreads.Parallelism && chunks > 1) ParallelRange.Run(work, chunks, long.MaxValue / chunks);
        else if (chunks > 0) work.Run(0, chunks);
    }

    private static void CheckPool(int pooledLength, int argmaxLength, in ConvolutionShape shape, int filters, int batch, in PoolShape pool)
    {
        if (pool.Height != shape.OutHeight || pool.Width != shape.OutWidth || pool.Planes != (long)batch * filters)
            throw new ArgumentException(
                $"The pooling reads {pool.Planes} planes of {pool.Height}x{pool.Width}, but the convolution writes {batch * filters} planes of {shape.OutHeight}x{shape.OutWidth}.", nameof(pool));
        long pooledSize = (long)pool.Planes * pool.OutHeight * pool.OutWidth;
        if (pooledLength < pooledSize || (argmaxLength != 0 && argmaxLength < pooledSize))
            throw new ArgumentException($"pooled has {pooledLength} floats and argmax {argmaxLength}, but {pool.Planes} planes of {pool.OutHeight}x{pool.OutWidth} need {pooledSize}.", "pooled");
    }

    /// <summary>Item = a chunk of samples: im2col, the product, then the epilogue (bias, activation, optional pooling).</summary>
    private readonly struct ForwardWork<TActivation>(float* x, float* weight, float* bias, float* output, int* argmax, ConvolutionShape shape,
        int filters, int batch, PoolShape pool, TActivation activation) : IRangeWork where TActivation : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int chunk = ChunkSize(shape), taps = shape.ColumnRows, positions = shape.Positions;
            long sample = (long)shape.Channels * shape.Height * shape.Width;
            var (columns, products, _) = ChunkScratch(shape, filters, backward: false);
            var biasSpan = bias is null ? default : new ReadOnlySpan<float>(bias, filters);
            for (int c = start; c < end; c++)
            {
                int first = c * chunk, samples = Math.Min(chunk, batch - first), width = samples * positions;
                Im2ColBatch(new ReadOnlySpan<float>(x + first * sample, (int)(samples * sample)), columns, shape, samples);
                Gemm.Multiply(new ReadOnlySpan<float>(weight, filters * taps), columns.AsSpan(0, taps * width), products, filters, width, taps, accumulate: false);
                var product = new ReadOnlySpan<float>(products, 0, filters * width);
                if (pool.Planes == 0)
                {
                    var y = new Span<float>(output + (long)first * filters * positions, filters * width);
                    ElementwiseKernels.ChannelsToSamples(product, y, biasSpan, filters, samples, positions, activation);
                    continue;
                }
                int pooledPlane = pool.OutHeight * pool.OutWidth;
                var pooled = new Span<float>(output + (long)first * filters * pooledPlane, samples * filters * pooledPlane);
                var where = argmax is null ? default : new Span<int>(argmax + (long)first * filters * pooledPlane, samples * filters * pooledPlane);
                PoolingKernels.ChannelsToSamplesMaxPool(product, pooled, where, biasSpan, filters, samples, pool with { Planes = samples * filters }, activation);
            }
        }
    }

    /// <summary>Item = a slot: chunks slot, slot + slots, ...; their weight gradients summed into the slot's partial.</summary>
    private readonly struct BackwardWork(float* x, float* dz, float* weight, float* partials, float* dx, ConvolutionShape shape,
        int filters, int batch, int chunk, int slots) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int taps = shape.ColumnRows, positions = shape.Positions, chunks = (batch + chunk - 1) / chunk;
            long sample = (long)shape.Channels * shape.Height * shape.Width;
            var (columns, channelsMajor, columnGradient) = ChunkScratch(shape, filters, backward: true);
            var weights = new ReadOnlySpan<float>(weight, filters * taps);
            for (int slot = start; slot < end; slot++)
            {
                var slotWeights = partials is null ? default : new Span<float>(partials + (long)slot * (filters * taps + filters), filters * taps);
                var slotBias = partials is null ? default : new Span<float>(partials + (long)slot * (filters * taps + filters) + filters * taps, filters);
                slotBias.Clear();
                for (int c = slot; c < chunks; c += slots)
                {
                    int first = c * chunk, samples = Math.Min(chunk, batch - first), width = samples * positions;
                    var gradient = channelsMajor.AsSpan(0, filters * width);
                    ElementwiseKernels.SamplesToChannels(new ReadOnlySpan<float>(dz + (long)first * filters * positions, filters * width),
                        gradient, filters, samples, positions);
                    if (partials is not null)
                    {
                        var input = new ReadOnlySpan<float>(x + first * sample, (int)(samples * sample));
                        Im2ColBatch(input, columns, shape, samples);
                        Gemm.MultiplyTransposedB(gradient, columns.AsSpan(0, taps * width), slotWeights, filters, taps, width, accumulate: c != slot);
                        ElementwiseKernels.AddRowSums(gradient, filters, width, slotBias);
                    }
                    if (dx is null) continue;
                    Gemm.MultiplyTransposedA(weights, gradient, columnGradient!, taps, width, filters, accumulate: false);
                    Col2ImBatch(columnGradient!.AsSpan(0, taps * width), new Span<float>(dx + first * sample, (int)(samples * sample)), shape, samples);
                }
            }
        }
    }
}
