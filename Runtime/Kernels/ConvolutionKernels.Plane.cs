using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

// Convolutions with many input channels (a ResNet's 3x3 layers), computed from the image with no im2col. One sample's
// input is copied into zero-padded planes of Wp = outWidth + k - 1 columns; an output position (oy, ox) is then the
// flat index q = oy·Wp + ox, and tap (ky, kx) of every output reads the flat input at q + ky·Wp + kx. So each tap is a
// CONTIGUOUS run of the padded plane: a register tile of a few filters by a few vectors of consecutive q loads its
// vectors straight from the image and broadcasts one weight per filter. The k - 1 columns past outWidth in each row
// of q are computed too and dropped (7% of a 28-wide plane, 22% of a 7-wide one); in exchange rows never end inside a
// vector. With stride s the planes are split into s² phases (see PlaneLayout), which makes every tap contiguous again.
//
// The same kernel gives the input gradient: dx is the stride-1 correlation of dz, padded by k - 1 - pad, with the
// filters transposed and flipped. The weight gradient sums dz[f, q] · image[c, q + ky·Wp + kx] over q with dz laid out
// at the same padded width, zero in the dropped columns.
public static unsafe partial class ConvolutionKernels
{
    /// <summary>Vectors of consecutive flat positions in one register tile.</summary>
    private const int PlaneVectors = 3;

    /// <summary>
    /// Partial weight gradients summed separately, then in order (as <see cref="MaxSlots"/>): the rounding depends on
    /// the batch, never on the number of threads.
    /// </summary>
    private const int PlaneSlots = 16;

    /// <summary>The most floats of partial weight gradients (64 MB): a 512-to-512 3x3 layer gets 7 slots, not 16.</summary>
    private const long PartialFloats = 16L << 20;

    [ThreadStatic] private static float[]? s_planeWeights;
    [ThreadStatic] private static float[]? s_planeImage;
    [ThreadStatic] private static float[]? s_planeOutput;
    [ThreadStatic] private static float[]? s_planeGradient;
    [ThreadStatic] private static float[]? s_planePartials;

    /// <summary>
    /// A stride-1 convolution computed over zero-padded planes, with the bias and activation fused and the output in
    /// NCHW: <c>y[b, f, oy, ox] = act(Σ_{c, ky, kx} w[f, c, ky, kx] · x[b, c, oy + ky - padTop, ox + kx - padLeft] + bias[f])</c>.
    /// It replaces im2col and the product for layers with many input channels, where the columns (k² copies of the
    /// input) cost more memory traffic than the multiply-adds can hide.
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k], PyTorch's layout.</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="y">[batch, F, outHeight, outWidth].</param>
    /// <param name="shape">The geometry of one sample; its stride must be 1.</param>
    /// <param name="filters">F, the output channels.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="activation">The fused activation.</param>
    /// <remarks>
    /// Each output sums its taps in (c, ky, kx) order, then adds the bias. Parallel over (sample, block of filters);
    /// every output is computed the same way on any thread.
    /// </remarks>
    public static void PlaneForward<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        in ConvolutionShape shape, int filters, int batch, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckDirect(x.Length, weight.Length, bias.Length, y.Length, shape, filters, batch, nameof(y));
        CheckPlane(shape);
        fixed (float* pw = weight) PlaneRun(x, pw, transposed: false, bias, y, shape, filters, batch, activation, null, default);
    }

    /// <summary>
    /// <see cref="PlaneForward"/> with a max pool in its epilogue: each block's activated output planes go to a
    /// per-thread buffer and are pooled from there, so only the pooled values and, unless <paramref name="argmax"/> is
    /// empty, where each maximum came from (its index in the convolution's output plane, which the pool's backward reads)
    /// reach memory.
    /// </summary>
    /// <param name="x">[batch, C, H, W].</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="pooled">[batch, F, pool.OutHeight, pool.OutWidth].</param>
    /// <param name="argmax">As <paramref name="pooled"/>, or empty when no backward pass will read it.</param>
    /// <param name="shape">The geometry of one sample.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="pool">The pooling of the convolution's batch · F output planes.</param>
    /// <param name="activation">The activation, applied before the pooling.</param>
    public static void PlaneForwardMaxPool<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<int> argmax, in ConvolutionShape shape, int filters, int batch, in PoolShape pool, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckPool(pooled.Length, argmax.Length, shape, filters, batch, pool);
        CheckDirect(x.Length, weight.Length, bias.Length, int.MaxValue, shape, filters, batch, "pooled");
        CheckPlane(shape);
        fixed (float* pw = weight, po = pooled)
        fixed (int* pa = argmax)
            PlaneRun(x, pw, transposed: false, bias, default, shape, filters, batch, activation, null, new PoolTarget(po, argmax.IsEmpty ? null : pa, pool));
    }

    /// <summary>
    /// <see cref="PlaneForward"/> with a per-filter scale and shift in the epilogue instead of a bias:
    /// <c>y[b, f, oy, ox] = act(scale[f] · Σ_{c, ky, kx} w[f, c, ky, kx] · x[...] + shift[f])</c>. It is a convolution
    /// followed by a batch norm in eval mode (<see cref="NormalizationKernels.EvalScaleShift"/> gives the scale and shift).
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
    public static void PlaneForwardScaled<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        Span<float> y, in ConvolutionShape shape, int filters, int batch, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckDirect(x.Length, weight.Length, shift.Length, y.Length, shape, filters, batch, nameof(y));
        CheckScale(scale.Length, shift.Length, filters);
        CheckPlane(shape);
        fixed (float* pw = weight, ps = scale) PlaneRun(x, pw, transposed: false, shift, y, shape, filters, batch, activation, ps, default);
    }

    /// <summary>
    /// The input gradient of a stride-1 convolution, overwriting <paramref name="dx"/>:
    /// <c>dx[b, c, iy, ix] = Σ_{f, ky, kx} dz[b, f, iy + padTop - ky, ix + padLeft - kx] · w[f, c, ky, kx]</c>, zero
    /// outside dz. That is the forward kernel run on dz with the filters transposed and flipped.
    /// </summary>
    /// <param name="dz">[batch, F, outHeight, outWidth], dLoss/d(pre-activation).</param>
    /// <param name="weight">[F, C, k, k].</param>
    /// <param name="dx">[batch, C, H, W], overwritten.</param>
    /// <param name="shape">The forward geometry of one sample; its stride must be 1.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    public static void PlaneInputGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> weight, Span<float> dx, in ConvolutionShape shape, int filters, int batch)
    {
        CheckDirect(dx.Length, weight.Length, 0, dz.Length, shape, filters, batch, nameof(dz));
        CheckPlane(shape, inputGradient: true);
        int k = shape.Kernel;
        var transposed = new ConvolutionShape(Channels: filters, Height: shape.OutHeight, Width: shape.OutWidth, Kernel: k, Stride: 1,
            PadTop: k - 1 - shape.PadTop, PadLeft: k - 1 - shape.PadLeft, OutHeight: shape.Height, OutWidth: shape.Width);
        fixed (float* pw = weight) PlaneRun(dz, pw, transposed: true, default, dx, transposed, shape.Channels, batch, default(IdentityOperator), null, default);
    }

    /// <summary>
    /// The weight and bias gradients of a stride-1 convolution from the image and dz in NCHW:
    /// <c>dW[f, c, ky, kx] += Σ_{b, oy, ox} dz[b, f, oy, ox] · x[b, c, oy + ky - padTop, ox + kx - padLeft]</c> and
    /// <c>db[f] += Σ dz[b, f, :, :]</c>.
    /// </summary>
    /// <param name="x">[batch, C, H, W], the forward input.</param>
    /// <param name="dz">[batch, F, outHeight, outWidth].</param>
    /// <param name="weightGradient">[F, C, k, k], accumulated into.</param>
    /// <param name="biasGradient">[F], accumulated into; empty for a layer without bias.</param>
    /// <param name="shape">The geometry of one sample; its stride must be 1.</param>
    /// <param name="filters">F.</param>
    /// <param name="batch">Samples.</param>
    /// <remarks>
    /// Samples go to up to 16 slots (slot s takes samples s, s + 16, ...), each summed by one thread into a partial of
    /// its own, and the partials are added in slot order: the rounding depends on the batch, never on the thread count.
    /// </remarks>
    public static void PlaneWeightGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> weightGradient, Span<float> biasGradient,
        in ConvolutionShape shape, int filters, int batch)
    {
        CheckDirect(x.Length, weightGradient.Length, biasGradient.Length, dz.Length, shape, filters, batch, nameof(dz));
        CheckPlane(shape);
        if (batch == 0 || filters == 0) return;
        int weights = filters * shape.ColumnRows, slotSize = weights + filters;
        // Fewer slots for very large layers, so that the partials stay within PartialFloats (a function of the shape
        // and the batch only, like the slot count itself).
        int slots = (int)Math.Max(1, Math.Min(Math.Min(batch, PlaneSlots), PartialFloats / slotSize));
        var partials = Scratch(ref s_planePartials, slots * slotSize);
        var plane = new PlaneLayout(shape);
        fixed (float* px = x, pdz = dz, pp = partials, pdw = weightGradient, pdb = biasGradient)
        {
            var work = new PlaneWeightGradientWork(px, pdz, pp, shape, plane, filters, batch, slots);
            _ = work.Buffers(); // the caller's, in its first call, whichever slots it runs
            ParallelRange.Run(work, slots, (long)(batch / slots + 1) * weights * plane.Positions);
            for (int s = 0; s < slots; s++)
            {
                SimdLoops.Add(pdw, pp + (long)s * slotSize, weights);
                if (!biasGradient.IsEmpty) SimdLoops.Add(pdb, pp + (long)s * slotSize + weights, filters);
            }
        }
    }

    private static void CheckPlane(in ConvolutionShape shape, bool inputGradient = false)
    {
        if (inputGradient && shape.Stride != 1)
            throw new ArgumentException($"The plane input gradient is for stride-1 convolutions; this one has stride {shape.Stride}.", nameof(shape));
        if (shape.OutHeight <= 0 || shape.OutWidth <= 0)
            throw new ArgumentException($"The convolution has an empty output ({shape.OutHeight}x{shape.OutWidth}).", nameof(shape));
    }

    /// <summary>Filters per register tile: 8 with 32 vector registers (AVX-512), 4 with 16.</summary>
    private static int PlaneFilterBlock => Vector512.IsHardwareAccelerated ? 8 : 4;

    /// <summary>
    /// One sample's padded planes and its flat positions. With stride s, each channel is split into s² phase planes
    /// (phase (p, r) holds the padded rows s·i + p and columns s·j + r), so that tap (ky, kx) of output (oy, ox) reads
    /// phase (ky mod s, kx mod s) at row oy + ky / s and column ox + kx / s: again a contiguous run per tap. With stride 1
    /// there is one phase, the padded plane itself.
    /// </summary>
    private readonly struct PlaneLayout
    {
        public PlaneLayout(in ConvolutionShape shape)
        {
            int k = shape.Kernel, s = shape.Stride;
            Stride = s;
            RowWidth = shape.OutWidth + (k - 1) / s;
            PhaseHeight = shape.OutHeight + (k - 1) / s;
            Positions = shape.OutHeight * RowWidth;
            int vector = Math.Max(SimdLoops.Width, 1);
            Rounded = (Positions + vector - 1) / vector * vector;
            PhaseSize = (long)PhaseHeight * RowWidth;
            PlaneSize = PhaseSize * s * s;
            // A last tile's vectors read up to Rounded - Positions + (k - 1) / s - 1 floats past the last phase; those
            // feed only dropped outputs, but must exist and be finite.
            Slack = Rounded - Positions + k + 16;
        }

        public int Stride { get; }

        /// <summary>The width of a (phase) plane row: the output width plus (k - 1) / s.</summary>
        public int RowWidth { get; }

        /// <summary>Rows of a (phase) plane: the output height plus (k - 1) / s.</summary>
        public int PhaseHeight { get; }

        /// <summary>Flat output positions, dropped columns included: outHeight · RowWidth.</summary>
        public int Positions { get; }

        /// <summary><see cref="Positions"/> rounded up to whole vectors.</summary>
        public int Rounded { get; }

        public long PhaseSize { get; }

        /// <summary>Floats per input channel: its s² phases.</summary>
        public long PlaneSize { get; }

        public int Slack { get; }

        /// <summary>Where tap t = ky·k + kx of output 0 reads, from the start of its channel.</summary>
        public int TapOffset(int t, int k)
        {
            int ky = t / k, kx = t % k, s = Stride;
            return (int)(((ky % s) * s + kx % s) * PhaseSize) + ky / s * RowWidth + kx / s;
        }

        /// <summary>⌈a / s⌉ for any sign of a, s &gt; 0.</summary>
        private static int CeilDivide(int a, int s) => a <= 0 ? -(-a / s) : (a + s - 1) / s;

        /// <summary>Copies one sample's C channels into padded (phase) planes, and zeroes the slack after the last.</summary>
        public void Pad(float* source, float* target, in ConvolutionShape shape)
        {
            int h = shape.Height, w = shape.Width, rw = RowWidth, s = Stride;
            // Stride 1: columns px with 0 <= px - padLeft < w come from the input row; the rest (a column or two) are zero.
            int first = Math.Clamp(shape.PadLeft, 0, rw), last = Math.Max(first, Math.Clamp(shape.PadLeft + w, 0, rw));
            for (int c = 0; c < shape.Channels; c++)
            {
                float* input = source + (long)c * h * w;
                for (int phase = 0; phase < s * s; phase++)
                {
                    int p = phase / s, r = phase % s;
                    float* plane = target + c * PlaneSize + phase * PhaseSize;
                    for (int i = 0; i < PhaseHeight; i++)
                    {
                        float* row = plane + (long)i * rw;
                        int iy = i * s + p - shape.PadTop;
                        if ((uint)iy >= (uint)h)
                        {
                            new Span<float>(row, rw).Clear();
                            continue;
                        }
                        float* line = input + (long)iy * w;
                        if (s == 1)
                        {
                            for (int px = 0; px < first; px++) row[px] = 0f;
                            Copy(line + (first - shape.PadLeft), row + first, last - first);
                            for (int px = last; px < rw; px++) row[px] = 0f;
                            continue;
                        }
                        // Column j reads ix = j·s + r - padLeft: zero before jFirst and from jEnd, a strided copy between.
                        int jFirst = Math.Clamp(CeilDivide(shape.PadLeft - r, s), 0, rw);
                        int jEnd = Math.Clamp(CeilDivide(w + shape.PadLeft - r, s), jFirst, rw);
                        for (int j = 0; j < jFirst; j++) row[j] = 0f;
                        float* from = line + (jFirst * s + r - shape.PadLeft);
                        for (int j = jFirst; j < jEnd; j++, from += s) row[j] = *from;
                        for (int j = jEnd; j < rw; j++) row[j] = 0f;
                    }
                }
            }
            new Span<float>(target + shape.Channels * PlaneSize, Slack).Clear();
        }
    }

    /// <summary>
    /// Packs the filters as [block][c][ky][kx][filter in block], zero past the last filter; transposed, as the input
    /// gradient's filters: block over C, inner loop over F, taps flipped.
    /// </summary>
    private static void PackPlaneWeights(float* weight, float* packed, int filters, int channels, int k, int blockSize, bool transposed)
    {
        int taps = k * k, outputs = transposed ? channels : filters, inputs = transposed ? filters : channels;
        int blocks = (outputs + blockSize - 1) / blockSize, firstScalar = 0;
        if (!transposed && blockSize == 8)
        {
            // Whole blocks of 8 filters: each packed row of 8 is one vector built from the 8 filters' rows, read in order
            // (at batch 1 the scattered scalar stores below took a quarter of a ResNet's inference).
            long rowLength = (long)channels * taps;
            for (int block = 0; block < filters / 8; block++)
            {
                float* r = weight + block * 8 * rowLength, target = packed + block * 8 * rowLength;
                for (long i = 0; i < rowLength; i++, target += 8)
                {
                    Vector256.Create(r[i], r[i + rowLength], r[i + 2 * rowLength], r[i + 3 * rowLength], r[i + 4 * rowLength],
                        r[i + 5 * rowLength], r[i + 6 * rowLength], r[i + 7 * rowLength]).Store(target);
                }
            }
            firstScalar = filters / 8 * 8;
        }
        // Filters past the last (in the last block) stay zero.
        if (outputs % blockSize != 0) new Span<float>(packed + (long)(blocks - 1) * inputs * taps * blockSize, inputs * taps * blockSize).Clear();
        // Read the weights in order, [F][C][taps]; each goes to its block, input, tap and lane.
        for (int f = firstScalar; f < filters; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                float* source = weight + ((long)f * channels + c) * taps;
                int o = transposed ? c : f, i = transposed ? f : c;
                float* target = packed + ((long)(o / blockSize) * inputs + i) * taps * blockSize + o % blockSize;
                if (transposed)
                {
                    for (int t = 0; t < taps; t++) target[(long)t * blockSize] = source[taps - 1 - t];
                }
                else
                {
                    for (int t = 0; t < taps; t++) target[(long)t * blockSize] = source[t];
                }
            }
        }
    }

    /// <remarks>
    /// With a <paramref name="scale"/>, the epilogue is <c>act(z · scale[f] + bias[f])</c>; otherwise <c>act(z + bias[f])</c>.
    /// With an active <paramref name="pool"/>, the activated planes are pooled into it rather than written to <paramref name="y"/>.
    /// </remarks>
    private static void PlaneRun<TActivation>(ReadOnlySpan<float> x, float* weight, bool transposed, ReadOnlySpan<float> bias, Span<float> y,
        in ConvolutionShape shape, int filters, int batch, TActivation activation, float* scale, PoolTarget pool) where TActivation : struct, IActivationOperator
    {
        if (batch == 0 || filters == 0) return;
        int blockSize = PlaneFilterBlock, blocks = (filters + blockSize - 1) / blockSize, taps = shape.ColumnRows;
        // weight is the forward layer's [F, C, k, k]: this run's filters and channels, or (transposed, for the input
        // gradient) its channels and filters.
        var packed = Scratch(ref s_planeWeights, blocks * taps * blockSize);
        var plane = new PlaneLayout(shape);
        _ = PlaneScratch(shape, plane, blockSize); // the caller's, in its first call, whichever items it runs
        if (pool.IsActive) _ = PoolingKernels.PlaneBuffer(blockSize, pool.Shape);
        fixed (float* px = x, pb = bias, py = y, pp = packed)
        {
            PackPlaneWeights(weight, pp, transposed ? shape.Channels : filters, transposed ? filters : shape.Channels, shape.Kernel, blockSize, transposed);
            // Where each tap of output 0 reads, once per call: every tile of every item uses the same table.
            int* offsets = stackalloc int[shape.Kernel * shape.Kernel];
            for (int t = 0; t < shape.Kernel * shape.Kernel; t++) offsets[t] = plane.TapOffset(t, shape.Kernel);
            var work = new PlaneForwardWork<TActivation>(px, pp, bias.IsEmpty ? null : pb, scale, offsets, py, shape, plane, filters, blocks, blockSize, activation, pool);
            ParallelRange.Run(work, batch * blocks, (long)blockSize * taps * plane.Positions);
        }
    }

    /// <summary>This thread's buffers: one sample's padded planes, and one block of output planes at the padded width.</summary>
    private static (float[] Image, float[] Output) PlaneScratch(in ConvolutionShape shape, in PlaneLayout plane, int blockSize) =>
        (Scratch(ref s_planeImage, (int)(shape.Channels * plane.PlaneSize) + plane.Slack), Scratch(ref s_planeOutput, blockSize * plane.Rounded));

    /// <summary>
    /// Item i = (sample, filter block) = (i / blocks, i % blocks); a thread pads each sample once for its blocks. With a
    /// pool target, a block's activated planes go to a per-thread buffer and are pooled from there.
    /// </summary>
    private readonly struct PlaneForwardWork<TActivation>(float* x, float* packedWeights, float* bias, float* scale, int* offsets, float* y, ConvolutionShape shape, PlaneLayout plane,
        int filters, int blocks, int blockSize, TActivation activation, PoolTarget pool) : IRangeWork where TActivation : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            var (image, output) = PlaneScratch(shape, plane, blockSize);
            long sampleSize = (long)shape.Channels * shape.Height * shape.Width;
            int padded = -1;
            fixed (float* pi = image, po = output, planes = pool.IsActive ? PoolingKernels.PlaneBuffer(blockSize, pool.Shape) : null)
            {
                for (int i = start; i < end; i++)
                {
                    int b = i / blocks, block = i % blocks;
                    if (b != padded) plane.Pad(x + b * sampleSize, pi, shape);
                    padded = b;
                    float* weights = packedWeights + (long)block * shape.ColumnRows * blockSize;
                    switch (SimdLoops.Width)
                    {
                        case >= 16: Tiles<Simd512>(pi, weights, po); break;
                        case >= 8: Tiles<Simd256>(pi, weights, po); break;
                        case >= 4: Tiles<Simd128>(pi, weights, po); break;
                        default: Tiles<Simd1>(pi, weights, po); break;
                    }
                    int first = block * blockSize, count = Math.Min(blockSize, filters - first);
                    if (!pool.IsActive)
                    {
                        Epilogue(po, y + ((long)b * filters + first) * shape.Positions, first, count);
                        continue;
                    }
                    Epilogue(po, planes, first, count);
                    for (int j = 0; j < count; j++)
                        PoolingKernels.PoolPlane(planes + (long)j * shape.Positions, pool.Pooled, pool.Argmax, b * filters + first + j, pool.Shape);
                }
            }
        }

        private void Tiles<TV>(float* image, float* weights, float* output) where TV : struct, ISimdVector<TV>
        {
            int n = TV.Count, tile = PlaneVectors * n, q = 0;
            for (; q + tile <= plane.Positions; q += tile) Tile<TV, Three>(image + q, weights, output + q, offsets);
            // The last one to three vectors, so that a small plane (7x7: 63 flat positions) computes 4 vectors, not 6.
            int rest = (plane.Positions - q + n - 1) / n;
            if (rest == 3) Tile<TV, Three>(image + q, weights, output + q, offsets);
            else if (rest == 2) Tile<TV, Two>(image + q, weights, output + q, offsets);
            else if (rest == 1) Tile<TV, One>(image + q, weights, output + q, offsets);
        }

        private void Tile<TV, TN>(float* image, float* weights, float* output, int* offsets) where TV : struct, ISimdVector<TV> where TN : struct, ICount
        {
            if (blockSize == 8) PlaneTile<TV, Eight, TN>(image, weights, output, offsets);
            else PlaneTile<TV, Four, TN>(image, weights, output, offsets);
        }

        /// <summary>
        /// One register tile: <c>TF</c> filters by <c>TN</c> (up to 3) vectors of consecutive flat positions, summed
        /// over (c, ky, kx), stored at <paramref name="output"/> (filter j's row at j · Rounded).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PlaneTile<TV, TF, TN>(float* image, float* w, float* output, int* offsets)
            where TV : struct, ISimdVector<TV> where TF : struct, ICount where TN : struct, ICount
        {
            int n = TV.Count, taps = shape.Kernel * shape.Kernel, channels = shape.Channels;
            bool two = TN.Value > 1, three = TN.Value > 2, eight = TF.Value == 8;
            TV a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default, a20 = default, a21 = default, a22 = default;
            TV a30 = default, a31 = default, a32 = default, a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
            TV a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
            for (int c = 0; c < channels; c++)
            {
                float* planeStart = image + c * plane.PlaneSize;
                for (int t = 0; t < taps; t++, w += TF.Value)
                {
                    float* row = planeStart + offsets[t];
                    var x0 = TV.Load(row);
                    var x1 = two ? TV.Load(row + n) : x0;
                    var x2 = three ? TV.Load(row + 2 * n) : x0;
                    var f = TV.Broadcast(w[0]);
                    a00 = TV.MultiplyAdd(f, x0, a00); if (two) a01 = TV.MultiplyAdd(f, x1, a01); if (three) a02 = TV.MultiplyAdd(f, x2, a02);
                    f = TV.Broadcast(w[1]);
                    a10 = TV.MultiplyAdd(f, x0, a10); if (two) a11 = TV.MultiplyAdd(f, x1, a11); if (three) a12 = TV.MultiplyAdd(f, x2, a12);
                    f = TV.Broadcast(w[2]);
                    a20 = TV.MultiplyAdd(f, x0, a20); if (two) a21 = TV.MultiplyAdd(f, x1, a21); if (three) a22 = TV.MultiplyAdd(f, x2, a22);
                    f = TV.Broadcast(w[3]);
                    a30 = TV.MultiplyAdd(f, x0, a30); if (two) a31 = TV.MultiplyAdd(f, x1, a31); if (three) a32 = TV.MultiplyAdd(f, x2, a32);
                    if (!eight) continue;
                    f = TV.Broadcast(w[4]);
                    a40 = TV.MultiplyAdd(f, x0, a40); if (two) a41 = TV.MultiplyAdd(f, x1, a41); if (three) a42 = TV.MultiplyAdd(f, x2, a42);
                    f = TV.Broadcast(w[5]);
                    a50 = TV.MultiplyAdd(f, x0, a50); if (two) a51 = TV.MultiplyAdd(f, x1, a51); if (three) a52 = TV.MultiplyAdd(f, x2, a52);
                    f = TV.Broadcast(w[6]);
                    a60 = TV.MultiplyAdd(f, x0, a60); if (two) a61 = TV.MultiplyAdd(f, x1, a61); if (three) a62 = TV.MultiplyAdd(f, x2, a62);
                    f = TV.Broadcast(w[7]);
                    a70 = TV.MultiplyAdd(f, x0, a70); if (two) a71 = TV.MultiplyAdd(f, x1, a71); if (three) a72 = TV.MultiplyAdd(f, x2, a72);
                }
            }
            int r = plane.Rounded;
            StoreRow<TV, TN>(a00, a01, a02, output);
            StoreRow<TV, TN>(a10, a11, a12, output + r);
            StoreRow<TV, TN>(a20, a21, a22, output + 2 * r);
            StoreRow<TV, TN>(a30, a31, a32, output + 3 * r);
            if (!eight) return;
            StoreRow<TV, TN>(a40, a41, a42, output + 4 * r);
            StoreRow<TV, TN>(a50, a51, a52, output + 5 * r);
            StoreRow<TV, TN>(a60, a61, a62, output + 6 * r);
            StoreRow<TV, TN>(a70, a71, a72, output + 7 * r);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRow<TV, TN>(TV v0, TV v1, TV v2, float* target) where TV : struct, ISimdVector<TV> where TN : struct, ICount
        {
            TV.Store(v0, target);
            if (TN.Value > 1) TV.Store(v1, target + TV.Count);
            if (TN.Value > 2) TV.Store(v2, target + 2 * TV.Count);
        }

        /// <summary>Filter j's valid columns, plus the bias, through the activation, into its NCHW output plane.</summary>
        private void Epilogue(float* output, float* target, int firstFilter, int count)
        {
            switch (SimdLoops.Width)
            {
                case 16 when shape.OutWidth >= 16: Rows<Simd512>(output, target, firstFilter, count); break;
                case >= 8 when shape.OutWidth >= 8: Rows<Simd256>(output, target, firstFilter, count); break;
                case >= 4 when shape.OutWidth >= 4: Rows<Simd128>(output, target, firstFilter, count); break;
                default: Rows<Simd1>(output, target, firstFilter, count); break;
            }
        }

        /// <summary>
        /// The epilogue with vectors along each row; a row's ragged end recomputes an overlapping vector (the same bits
        /// twice), so no row needs a scalar tail.
        /// </summary>
        private void Rows<TV>(float* output, float* target, int firstFilter, int count) where TV : struct, ISimdVector<TV>
        {
            int n = TV.Count, wp = plane.RowWidth, ow = shape.OutWidth;
            for (int j = 0; j < count; j++)
            {
                var b = TV.Broadcast(bias is null ? 0f : bias[firstFilter + j]);
                var m = TV.Broadcast(scale is null ? 1f : scale[firstFilter + j]);
                float* source = output + (long)j * plane.Rounded, plane0 = target + (long)j * shape.Positions;
                for (int oy = 0; oy < shape.OutHeight; oy++)
                {
                    float* from = source + (long)oy * wp, to = plane0 + (long)oy * ow;
                    for (int ox = 0; ; ox += n)
                    {
                        if (ox + n > ow) ox = ow - n;
                        var z = scale is not null ? TV.MultiplyAdd(TV.Load(from + ox), m, b)
                            : bias is null ? TV.Load(from + ox) : TV.Add(TV.Load(from + ox), b);
                        TV.Store(TV.Activate(z, activation), to + ox);
                        if (ox + n >= ow) break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Item = a slot: samples slot, slot + slots, ..., taken a group at a time (as many as keep their padded planes
    /// and gradients within <see cref="GroupBytes"/>), each group's sums reduced across vector lanes once.
    /// </summary>
    private readonly struct PlaneWeightGradientWork(float* x, float* dz, float* partials, ConvolutionShape shape, PlaneLayout plane,
        int filters, int batch, int slots) : IRangeWork
    {
        /// <summary>Bytes of padded images and gradients per group: well within a 1 MB L2.</summary>
        private const int GroupBytes = 512 * 1024;

        private long ImageStride => shape.Channels * plane.PlaneSize + plane.Slack;

        /// <summary>
        /// Filter-major: with at least two vectors of filters, dz is transposed to [position][filter] and a register
        /// tile holds two vectors of filters by 9 taps, broadcasting one input per tap: no unaligned vector loads and
        /// no reduction across lanes (the position-major tile, two filters by 9 taps of position vectors, is load-bound
        /// on its 9 unaligned loads and ran slower than the product from 32 filters).
        /// </summary>
        private bool FilterMajor => filters >= FilterBlockFloats;

        /// <summary>Filters per filter-major tile: two vectors.</summary>
        private static int FilterBlockFloats => 2 * Math.Max(SimdLoops.Width, 1);

        /// <summary>The filters rounded up to whole filter-major tiles (the row length of transposed dz).</summary>
        private int PaddedFilters => (filters + FilterBlockFloats - 1) / FilterBlockFloats * FilterBlockFloats;

        private long GradientStride => FilterMajor ? (long)plane.Rounded * PaddedFilters : (long)filters * plane.Rounded;

        /// <summary>Samples per group: a function of the shape and the batch only, so the sums' order is too.</summary>
        public int Group => (int)Math.Clamp(GroupBytes / (sizeof(float) * (ImageStride + GradientStride)), 1, (batch + slots - 1) / slots);

        /// <summary>This thread's buffers for a group's padded images and gradients.</summary>
        public (float[] Images, float[] Gradients) Buffers() =>
            (Scratch(ref s_planeImage, (int)(Group * ImageStride)), Scratch(ref s_planeGradient, (int)(Group * GradientStride)));

        public void Run(int start, int end)
        {
            int weights = filters * shape.ColumnRows, slotSize = weights + filters, group = Group;
            var (images, gradients) = Buffers();
            long sampleSize = (long)shape.Channels * shape.Height * shape.Width;
            fixed (float* pi = images, pg = gradients)
            {
                for (int slot = start; slot < end; slot++)
                {
                    float* partial = partials + (long)slot * slotSize;
                    new Span<float>(partial, slotSize).Clear();
                    for (int first = slot; first < batch; first += slots * group)
                    {
                        int count = 0;
                        for (int b = first; b < batch && count < group; b += slots, count++)
                        {
                            plane.Pad(x + b * sampleSize, pi + count * ImageStride, shape);
                            if (FilterMajor) TransposeGradient(dz + (long)b * filters * shape.Positions, pg + count * GradientStride, partial + weights);
                            else SpreadGradient(dz + (long)b * filters * shape.Positions, pg + count * GradientStride, partial + weights);
                        }
                        if (FilterMajor)
                        {
                            switch (SimdLoops.Width)
                            {
                                case >= 16: FilterSums<Simd512>(pi, pg, count, partial); break;
                                case >= 8: FilterSums<Simd256>(pi, pg, count, partial); break;
                                case >= 4: FilterSums<Simd128>(pi, pg, count, partial); break;
                                default: FilterSums<Simd1>(pi, pg, count, partial); break;
                            }
                            continue;
                        }
                        switch (SimdLoops.Width)
                        {
                            case >= 16: Sums<Simd512>(pi, pg, count, partial, 3); break;
                            case >= 8: Sums<Simd256>(pi, pg, count, partial, 1); break;
                            case >= 4: Sums<Simd128>(pi, pg, count, partial, 1); break;
                            default: Sums<Simd1>(pi, pg, count, partial, 1); break;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// dz of one sample transposed to [flat position][filter] (rows of <see cref="PaddedFilters"/>), zero in the
        /// dropped columns, past the last filter and to the rounded end; adds its sums to the bias partial.
        /// </summary>
        private void TransposeGradient(float* dz, float* target, float* biasPartial)
        {
            int rw = plane.RowWidth, ow = shape.OutWidth, fp = PaddedFilters;
            new Span<float>(target, plane.Rounded * fp).Clear();
            for (int f = 0; f < filters; f++)
            {
                float* source = dz + (long)f * shape.Positions;
                for (int oy = 0; oy < shape.OutHeight; oy++)
                {
                    float* row = source + (long)oy * ow, column = target + (long)oy * rw * fp + f;
                    for (int ox = 0; ox < ow; ox++) column[(long)ox * fp] = row[ox];
                }
                biasPartial[f] += SimdLoops.Sum(source, shape.Positions);
            }
        }

        /// <summary>A group's filter-major sums for every (block of filters, channel, group of up to 9 taps), added to the slot's partial.</summary>
        private void FilterSums<TV>(float* images, float* gradients, int samples, float* partial) where TV : struct, ISimdVector<TV>
        {
            int block = 2 * TV.Count, taps = shape.Kernel * shape.Kernel;
            float* sums = stackalloc float[9 * block];
            long imageStride = ImageStride, gradientStride = GradientStride;
            for (int f = 0; f < filters; f += block)
            {
                int count = Math.Min(block, filters - f);
                for (int c = 0; c < shape.Channels; c++)
                {
                    for (int firstTap = 0; firstTap < taps; firstTap += 9)
                    {
                        int tapCount = Math.Min(9, taps - firstTap);
                        new Span<float>(sums, 9 * block).Clear();
                        var offsets = Offsets(firstTap, tapCount);
                        for (int g = 0; g < samples; g++)
                            SampleFilterTaps<TV>(images + g * imageStride + c * plane.PlaneSize, gradients + g * gradientStride + f, sums, offsets);
                        for (int t = 0; t < tapCount; t++)
                        for (int j = 0; j < count; j++)
                            partial[((long)(f + j) * shape.Channels + c) * taps + firstTap + t] += sums[t * block + j];
                    }
                }
            }
        }

        /// <summary>
        /// One sample's filter-major sums: <c>sums[t][j] += Σ_q dzᵀ[q][j] · image[q + offset(t)]</c> for two vectors of
        /// filters j and 9 taps t, loaded, carried through ONE loop over the flat positions and stored.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void SampleFilterTaps<TV>(float* image, float* dzT, float* sums, TapOffsets o) where TV : struct, ISimdVector<TV>
        {
            int n = TV.Count, fp = PaddedFilters, positions = plane.Positions;
            TV a00 = TV.Load(sums), a01 = TV.Load(sums + n), a10 = TV.Load(sums + 2 * n), a11 = TV.Load(sums + 3 * n);
            TV a20 = TV.Load(sums + 4 * n), a21 = TV.Load(sums + 5 * n), a30 = TV.Load(sums + 6 * n), a31 = TV.Load(sums + 7 * n);
            TV a40 = TV.Load(sums + 8 * n), a41 = TV.Load(sums + 9 * n), a50 = TV.Load(sums + 10 * n), a51 = TV.Load(sums + 11 * n);
            TV a60 = TV.Load(sums + 12 * n), a61 = TV.Load(sums + 13 * n), a70 = TV.Load(sums + 14 * n), a71 = TV.Load(sums + 15 * n);
            TV a80 = TV.Load(sums + 16 * n), a81 = TV.Load(sums + 17 * n);
            int o0 = o.O0, o1 = o.O1, o2 = o.O2, o3 = o.O3, o4 = o.O4, o5 = o.O5, o6 = o.O6, o7 = o.O7, o8 = o.O8;
            for (int q = 0; q < positions; q++, dzT += fp)
            {
                var d0 = TV.Load(dzT);
                var d1 = TV.Load(dzT + n);
                float* p = image + q;
                var v = TV.Broadcast(p[o0]); a00 = TV.MultiplyAdd(v, d0, a00); a01 = TV.MultiplyAdd(v, d1, a01);
                v = TV.Broadcast(p[o1]); a10 = TV.MultiplyAdd(v, d0, a10); a11 = TV.MultiplyAdd(v, d1, a11);
                v = TV.Broadcast(p[o2]); a20 = TV.MultiplyAdd(v, d0, a20); a21 = TV.MultiplyAdd(v, d1, a21);
                v = TV.Broadcast(p[o3]); a30 = TV.MultiplyAdd(v, d0, a30); a31 = TV.MultiplyAdd(v, d1, a31);
                v = TV.Broadcast(p[o4]); a40 = TV.MultiplyAdd(v, d0, a40); a41 = TV.MultiplyAdd(v, d1, a41);
                v = TV.Broadcast(p[o5]); a50 = TV.MultiplyAdd(v, d0, a50); a51 = TV.MultiplyAdd(v, d1, a51);
                v = TV.Broadcast(p[o6]); a60 = TV.MultiplyAdd(v, d0, a60); a61 = TV.MultiplyAdd(v, d1, a61);
                v = TV.Broadcast(p[o7]); a70 = TV.MultiplyAdd(v, d0, a70); a71 = TV.MultiplyAdd(v, d1, a71);
                v = TV.Broadcast(p[o8]); a80 = TV.MultiplyAdd(v, d0, a80); a81 = TV.MultiplyAdd(v, d1, a81);
            }
            TV.Store(a00, sums); TV.Store(a01, sums + n); TV.Store(a10, sums + 2 * n); TV.Store(a11, sums + 3 * n);
            TV.Store(a20, sums + 4 * n); TV.Store(a21, sums + 5 * n); TV.Store(a30, sums + 6 * n); TV.Store(a31, sums + 7 * n);
            TV.Store(a40, sums + 8 * n); TV.Store(a41, sums + 9 * n); TV.Store(a50, sums + 10 * n); TV.Store(a51, sums + 11 * n);
            TV.Store(a60, sums + 12 * n); TV.Store(a61, sums + 13 * n); TV.Store(a70, sums + 14 * n); TV.Store(a71, sums + 15 * n);
            TV.Store(a80, sums + 16 * n); TV.Store(a81, sums + 17 * n);
        }

        /// <summary>dz of one sample at the padded width, zero in the dropped columns and to the rounded end; adds its sums to the bias partial.</summary>
        private void SpreadGradient(float* dz, float* target, float* biasPartial)
        {
            int wp = plane.RowWidth, ow = shape.OutWidth;
            for (int f = 0; f < filters; f++)
            {
                float* row = target + (long)f * plane.Rounded, source = dz + (long)f * shape.Positions;
                new Span<float>(row, plane.Rounded).Clear();
                for (int oy = 0; oy < shape.OutHeight; oy++) Copy(source + (long)oy * ow, row + (long)oy * wp, ow);
                biasPartial[f] += SimdLoops.Sum(source, shape.Positions);
            }
        }

        /// <summary>A group's sums for every (block of up to three filters, channel, group of up to 9 taps), added to the slot's partial.</summary>
        private void Sums<TV>(float* images, float* gradients, int samples, float* partial, int filterBlock) where TV : struct, ISimdVector<TV>
        {
            int taps = shape.Kernel * shape.Kernel;
            float* sums = stackalloc float[3 * 9 * TV.Count];
            for (int f = 0; f < filters; f += filterBlock)
            {
                int count = Math.Min(filterBlock, filters - f);
                for (int c = 0; c < shape.Channels; c++)
                {
                    for (int firstTap = 0; firstTap < taps; firstTap += 9)
                    {
                        float* dw = partial + ((long)f * shape.Channels + c) * taps + firstTap;
                        float* image = images + c * plane.PlaneSize, dz = gradients + (long)f * plane.Rounded;
                        int tapCount = Math.Min(9, taps - firstTap);
                        // The filter count as a type: a run-time flag would make the JIT keep the sums in memory.
                        if (count > 2) Taps<TV, Three>(image, dz, samples, sums, firstTap, tapCount);
                        else if (count > 1) Taps<TV, Two>(image, dz, samples, sums, firstTap, tapCount);
                        else Taps<TV, One>(image, dz, samples, sums, firstTap, tapCount);
                        for (int j = 0; j < count; j++)
                        for (int t = 0; t < tapCount; t++)
                            dw[j * (long)shape.Channels * taps + t] += TV.Sum(TV.Load(sums + (j * 9 + t) * TV.Count));
                    }
                }
            }
        }

        /// <summary>
        /// Up to 9 taps of one input channel for one to three filters, over a group's samples:
        /// <c>sums[j][t] = Σ_{g, q} dz_j[g, q] · image[g, q + offset(t)]</c> as vectors (lane-wise), over the rounded
        /// flat positions (dz is zero past the valid ones). The caller reduces the lanes.
        /// </summary>
        private void Taps<TV, TF>(float* image, float* dz, int samples, float* sums, int firstTap, int count)
            where TV : struct, ISimdVector<TV> where TF : struct, ICount
        {
            new Span<float>(sums, 3 * 9 * TV.Count).Clear();
            var offsets = Offsets(firstTap, count);
            for (int g = 0; g < samples; g++)
                SampleTaps<TV, TF>(image + g * ImageStride, dz + g * GradientStride, sums, offsets);
        }

        /// <summary>The nine tap offsets of a call, in one value so that the kernel takes them in a single argument.</summary>
        private readonly record struct TapOffsets(int O0, int O1, int O2, int O3, int O4, int O5, int O6, int O7, int O8);

        /// <summary>
        /// One sample's part of <see cref="Taps"/>: the sums are loaded, carried through ONE loop over the flat
        /// positions and stored. (With the loop over samples in the same method, the JIT kept the sums in memory.)
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void SampleTaps<TV, TF>(float* image, float* dz, float* sums, TapOffsets o) where TV : struct, ISimdVector<TV> where TF : struct, ICount
        {
            bool two = TF.Value > 1, three = TF.Value > 2;
            int n = TV.Count, rounded = plane.Rounded;
            float* s1 = sums + 9 * n, s2 = sums + 18 * n;
            TV a0 = TV.Load(sums), a1 = TV.Load(sums + n), a2 = TV.Load(sums + 2 * n), a3 = TV.Load(sums + 3 * n), a4 = TV.Load(sums + 4 * n);
            TV a5 = TV.Load(sums + 5 * n), a6 = TV.Load(sums + 6 * n), a7 = TV.Load(sums + 7 * n), a8 = TV.Load(sums + 8 * n);
            TV b0 = TV.Load(s1), b1 = TV.Load(s1 + n), b2 = TV.Load(s1 + 2 * n), b3 = TV.Load(s1 + 3 * n), b4 = TV.Load(s1 + 4 * n);
            TV b5 = TV.Load(s1 + 5 * n), b6 = TV.Load(s1 + 6 * n), b7 = TV.Load(s1 + 7 * n), b8 = TV.Load(s1 + 8 * n);
            TV c0 = TV.Load(s2), c1 = TV.Load(s2 + n), c2 = TV.Load(s2 + 2 * n), c3 = TV.Load(s2 + 3 * n), c4 = TV.Load(s2 + 4 * n);
            TV c5 = TV.Load(s2 + 5 * n), c6 = TV.Load(s2 + 6 * n), c7 = TV.Load(s2 + 7 * n), c8 = TV.Load(s2 + 8 * n);
            int o0 = o.O0, o1 = o.O1, o2 = o.O2, o3 = o.O3, o4 = o.O4, o5 = o.O5, o6 = o.O6, o7 = o.O7, o8 = o.O8;
            for (int q = 0; q < rounded; q += n)
            {
                var d = TV.Load(dz + q);
                var e = two ? TV.Load(dz + rounded + q) : d;
                var h = three ? TV.Load(dz + 2 * rounded + q) : d;
                float* p = image + q;
                var v = TV.Load(p + o0); a0 = TV.MultiplyAdd(d, v, a0); if (two) b0 = TV.MultiplyAdd(e, v, b0); if (three) c0 = TV.MultiplyAdd(h, v, c0);
                v = TV.Load(p + o1); a1 = TV.MultiplyAdd(d, v, a1); if (two) b1 = TV.MultiplyAdd(e, v, b1); if (three) c1 = TV.MultiplyAdd(h, v, c1);
                v = TV.Load(p + o2); a2 = TV.MultiplyAdd(d, v, a2); if (two) b2 = TV.MultiplyAdd(e, v, b2); if (three) c2 = TV.MultiplyAdd(h, v, c2);
                v = TV.Load(p + o3); a3 = TV.MultiplyAdd(d, v, a3); if (two) b3 = TV.MultiplyAdd(e, v, b3); if (three) c3 = TV.MultiplyAdd(h, v, c3);
                v = TV.Load(p + o4); a4 = TV.MultiplyAdd(d, v, a4); if (two) b4 = TV.MultiplyAdd(e, v, b4); if (three) c4 = TV.MultiplyAdd(h, v, c4);
                v = TV.Load(p + o5); a5 = TV.MultiplyAdd(d, v, a5); if (two) b5 = TV.MultiplyAdd(e, v, b5); if (three) c5 = TV.MultiplyAdd(h, v, c5);
                v = TV.Load(p + o6); a6 = TV.MultiplyAdd(d, v, a6); if (two) b6 = TV.MultiplyAdd(e, v, b6); if (three) c6 = TV.MultiplyAdd(h, v, c6);
                v = TV.Load(p + o7); a7 = TV.MultiplyAdd(d, v, a7); if (two) b7 = TV.MultiplyAdd(e, v, b7); if (three) c7 = TV.MultiplyAdd(h, v, c7);
                v = TV.Load(p + o8); a8 = TV.MultiplyAdd(d, v, a8); if (two) b8 = TV.MultiplyAdd(e, v, b8); if (three) c8 = TV.MultiplyAdd(h, v, c8);
            }
            TV.Store(a0, sums); TV.Store(a1, sums + n); TV.Store(a2, sums + 2 * n); TV.Store(a3, sums + 3 * n); TV.Store(a4, sums + 4 * n);
            TV.Store(a5, sums + 5 * n); TV.Store(a6, sums + 6 * n); TV.Store(a7, sums + 7 * n); TV.Store(a8, sums + 8 * n);
            if (!two) return;
            TV.Store(b0, s1); TV.Store(b1, s1 + n); TV.Store(b2, s1 + 2 * n); TV.Store(b3, s1 + 3 * n); TV.Store(b4, s1 + 4 * n);
            TV.Store(b5, s1 + 5 * n); TV.Store(b6, s1 + 6 * n); TV.Store(b7, s1 + 7 * n); TV.Store(b8, s1 + 8 * n);
            if (!three) return;
            TV.Store(c0, s2); TV.Store(c1, s2 + n); TV.Store(c2, s2 + 2 * n); TV.Store(c3, s2 + 3 * n); TV.Store(c4, s2 + 4 * n);
            TV.Store(c5, s2 + 5 * n); TV.Store(c6, s2 + 6 * n); TV.Store(c7, s2 + 7 * n); TV.Store(c8, s2 + 8 * n);
        }

        /// <summary>The flat offset of tap <c>firstTap + j</c> (of the first tap when j is past <paramref name="count"/>; its sum is dropped).</summary>
        /// <summary>The offsets of taps <c>firstTap .. firstTap + count - 1</c>; past the count, the first tap again (its sums are dropped).</summary>
        private TapOffsets Offsets(int firstTap, int count) => new(Offset(firstTap, 0, count), Offset(firstTap, 1, count), Offset(firstTap, 2, count),
            Offset(firstTap, 3, count), Offset(firstTap, 4, count), Offset(firstTap, 5, count),
            Offset(firstTap, 6, count), Offset(firstTap, 7, count), Offset(firstTap, 8, count));

        private int Offset(int firstTap, int j, int count) => plane.TapOffset(firstTap + (j < count ? j : 0), shape.Kernel);
    }

    /// <summary>A compile-time count for generic kernels: the JIT folds <c>Value</c> and drops the dead branches.</summary>
    private interface ICount
    {
        static abstract int Value { get; }
    }

    private readonly struct One : ICount
    {
        public static int Value => 1;
    }

    private readonly struct Two : ICount
    {
        public static int Value => 2;
    }

    private readonly struct Three : ICount
    {
        public static int Value => 3;
    }

    private readonly struct Four : ICount
    {
        public static int Value => 4;
    }

    private readonly struct Eight : ICount
    {
        public static int Value => 8;
    }
}
