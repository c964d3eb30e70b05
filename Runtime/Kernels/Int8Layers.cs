using System;

namespace Myelin.Kernels;

/// <summary>
/// Int8 dense and convolution layers for a batch: the int8 product with int32 sums (<see cref="Int8Gemm"/>) and its
/// epilogue, <c>y = f(acc · scale[ch] + bias[ch])</c>, requantised to the output's scale or written as floats. The
/// generated int8 networks call these once per layer.
/// </summary>
/// <remarks>
/// A convolution runs sample by sample: im2col of one sample straight into the packed panel layout
/// (<see cref="Im2ColPacked"/>), one product <c>W[F, K] · columns[K, P]</c>, and the epilogue writes the sample's
/// <c>[F, P]</c> output, already NCHW. Samples are split across cores when the batch is large enough; each core has its
/// own scratch, so results do not depend on the number of cores. Scratch arrays are per thread and grow on first use only.
/// </remarks>
public static class Int8Layers
{
    /// <summary>Multiply-adds of a batch from which a convolution's samples are split across cores.</summary>
    private const long ParallelThreshold = 1L << 21;

    [ThreadStatic] private static int[]? s_sums;
    [ThreadStatic] private static sbyte[]? s_columns;

    /// <summary>
    /// <c>y[b, o] = Quantize(f(Σ_i x[b, i] W[o, i] · scale[o] + bias[o]) · inverseOutputScale)</c>.
    /// </summary>
    /// <param name="x">[batch, inputs], int8.</param>
    /// <param name="y">[batch, outputs], int8 at the output's scale.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="inputs">Features per input sample.</param>
    /// <param name="outputs">Features per output sample.</param>
    /// <param name="packedWeights">W packed by <see cref="Int8Gemm.PackWeightColumns"/>.</param>
    /// <param name="weightSums">The sums <see cref="Int8Gemm.PackWeightColumns"/> wrote.</param>
    /// <param name="scale">[outputs]: the input's scale times each output's weight scale.</param>
    /// <param name="bias">[outputs], or empty for none.</param>
    /// <param name="inverseOutputScale">One over the output's scale.</param>
    /// <param name="activation">The activation applied before requantising.</param>
    public static unsafe void Dense<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, int inputs, int outputs,
        ReadOnlySpan<sbyte> packedWeights, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float inverseOutputScale, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        Int8Kernels.CheckLengths(batch * outputs, y.Length, nameof(y));
        fixed (sbyte* py = y) Dense(x, batch, inputs, outputs, packedWeights, weightSums, scale, bias, activation, new Int8Store(py, inverseOutputScale));
    }

    /// <summary>As the int8 overload, with float outputs <c>y[b, o] = f(Σ_i x[b, i] W[o, i] · scale[o] + bias[o])</c>.</summary>
    public static unsafe void Dense<TActivation>(ReadOnlySpan<sbyte> x, Span<float> y, int batch, int inputs, int outputs,
        ReadOnlySpan<sbyte> packedWeights, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        Int8Kernels.CheckLengths(batch * outputs, y.Length, nameof(y));
        fixed (float* py = y) Dense(x, batch, inputs, outputs, packedWeights, weightSums, scale, bias, activation, new FloatStore(py));
    }

    private static unsafe void Dense<TActivation, TStore>(ReadOnlySpan<sbyte> x, int batch, int inputs, int outputs,
        ReadOnlySpan<sbyte> packedWeights, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        TActivation activation, TStore store)
        where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        Int8Epilogue.CheckChannels(scale, bias, outputs);
        var sums = Scratch(ref s_sums, batch * outputs);
        Int8Gemm.MultiplyActivationsByWeights(x, batch, inputs, packedWeights, weightSums, outputs, sums);
        fixed (int* acc = sums)
        fixed (float* ps = scale, pb = bias)
        {
            Int8Epilogue.PerColumn(acc, batch, outputs, ps, pb, activation, store);
        }
    }

    /// <summary>
    /// A 2-D convolution: <c>y[b, f, p] = Quantize(f(Σ_k W[f, k] · columns_b[k, p] · scale[f] + bias[f]) · inverseOutputScale)</c>.
    /// </summary>
    /// <param name="x">[batch, C, H, W], int8.</param>
    /// <param name="y">[batch, F, OH, OW], int8 at the output's scale.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The geometry: input size, kernel, stride, padding, output size.</param>
    /// <param name="filters">F, the output channels.</param>
    /// <param name="weightRows">W[F, C·k·k] in padded rows from <see cref="Int8Gemm.PackWeightRows"/>.</param>
    /// <param name="weightSums">The sums <see cref="Int8Gemm.PackWeightRows"/> wrote.</param>
    /// <param name="scale">[F]: the input's scale times each filter's weight scale.</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="inverseOutputScale">One over the output's scale.</param>
    /// <param name="activation">The activation applied before requantising.</param>
    public static unsafe void Convolution<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, in ConvolutionShape shape, int filters,
        ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float inverseOutputScale, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckConvolution(x.Length, y.Length, batch, shape, filters, weightRows.Length, weightSums.Length, scale, bias);
        fixed (sbyte* px = x, py = y, pw = weightRows)
        fixed (int* psums = weightSums)
        fixed (float* ps = scale, pb = bias)
        {
            var work = ConvolutionWork<TActivation>.Instance;
            work.Set(px, py, isFloat: false, batch, shape, filters, pw, psums, ps, pb, inverseOutputScale, activation);
            Run(work, batch, (long)batch * filters * shape.ColumnRows * shape.Positions);
        }
    }

    /// <summary>As the int8 overload, with float outputs <c>y[b, f, p] = f(Σ_k W[f, k] · columns_b[k, p] · scale[f] + bias[f])</c>.</summary>
    public static unsafe void Convolution<TActivation>(ReadOnlySpan<sbyte> x, Span<float> y, int batch, in ConvolutionShape shape, int filters,
        ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckConvolution(x.Length, y.Length, batch, shape, filters, weightRows.Length, weightSums.Length, scale, bias);
        fixed (sbyte* px = x, pw = weightRows)
        fixed (float* py = y)
        fixed (int* psums = weightSums)
        fixed (float* ps = scale, pb = bias)
        {
            var work = ConvolutionWork<TActivation>.Instance;
            work.Set(px, py, isFloat: true, batch, shape, filters, pw, psums, ps, pb, 1f, activation);
            Run(work, batch, (long)batch * filters * shape.ColumnRows * shape.Positions);
        }
    }

    private static void Run(IParallelWork work, int batch, long multiplyAdds)
    {
        int parts = multiplyAdds >= ParallelThreshold ? Math.Min(KernelThreads.Parallelism, batch) : 1;
        KernelThreads.Run(work, parts);
    }

    /// <summary>
    /// im2col of one int8 sample straight into the panel layout of <see cref="Int8Gemm"/>: column <c>p</c> (an output
    /// position) and depth <c>k = (c·kh + ky)·kw + kx</c> go to byte <c>((p / 16)·groups + k / 4)·64 + (p % 16)·4 + k % 4</c>,
    /// and every position outside the input (padding), past the last position or past the last depth step is zero.
    /// </summary>
    /// <param name="x">[C, H, W].</param>
    /// <param name="packed"><see cref="Int8Gemm.PackedLength"/>(positions, C·k·k) bytes.</param>
    /// <param name="shape">The convolution's geometry.</param>
    public static void Im2ColPacked(ReadOnlySpan<sbyte> x, Span<sbyte> packed, in ConvolutionShape shape)
    {
        int h = shape.Height, w = shape.Width, kernel = shape.Kernel, stride = shape.Stride;
        int oh = shape.OutHeight, ow = shape.OutWidth, depth = shape.ColumnRows;
        int groups = Int8Gemm.PaddedDepth(depth) / 4;
        Int8Kernels.CheckLengths(shape.Channels * h * w, x.Length, nameof(x));
        Int8Kernels.CheckLengths(Int8Gemm.PackedLength(shape.Positions, depth), packed.Length, nameof(packed));
        packed.Slice(0, Int8Gemm.PackedLength(shape.Positions, depth)).Clear();
        for (int k = 0; k < depth; k++)
        {
            int c = k / (kernel * kernel), ky = k / kernel % kernel, kx = k % kernel;
            var plane = x.Slice(c * h * w, h * w);
            int groupOffset = k / 4 * 64 + k % 4;
            for (int oy = 0; oy < oh; oy++)
            {
                int iy = oy * stride + ky - shape.PadTop;
                if ((uint)iy >= (uint)h) continue;
                var row = plane.Slice(iy * w, w);
                for (int ox = 0; ox < ow; ox++)
                {
                    int ix = ox * stride + kx - shape.PadLeft;
                    if ((uint)ix >= (uint)w) continue;
                    int p = oy * ow + ox;
                    packed[(p >> 4) * groups * 64 + groupOffset + (p & 15) * 4] = row[ix];
                }
            }
        }
    }

    private static void CheckConvolution(int xLength, int yLength, int batch, in ConvolutionShape shape, int filters, int weightLength, int sumsLength,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> bias)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must not be negative.");
        Int8Kernels.CheckLengths(batch * shape.Channels * shape.Height * shape.Width, xLength, "x");
        Int8Kernels.CheckLengths(batch * filters * shape.Positions, yLength, "y");
        Int8Kernels.CheckLengths(filters * Int8Gemm.PaddedDepth(shape.ColumnRows), weightLength, "weightRows");
        Int8Kernels.CheckLengths(filters, sumsLength, "weightSums");
        Int8Epilogue.CheckChannels(scale, bias, filters);
    }

    /// <summary>A span over the calling thread's scratch array, grown to at least <paramref name="length"/> elements.</summary>
    private static Span<T> Scratch<T>(ref T[]? array, int length)
    {
        if (array is null || array.Length < length) array = new T[Math.Max(length, 256)];
        return array.AsSpan(0, length);
    }

    /// <summary>The samples of one convolution, split into parts; one per activation type and thread, reused so that a call allocates nothing.</summary>
    private sealed unsafe class ConvolutionWork<TActivation> : IParallelWork where TActivation : struct, IActivationOperator
    {
        [ThreadStatic] private static ConvolutionWork<TActivation>? s_instance;

        public static ConvolutionWork<TActivation> Instance => s_instance ??= new ConvolutionWork<TActivation>();

        private sbyte* _x;
        private void* _y;
        private bool _isFloat;
        private int _batch, _filters;
        private ConvolutionShape _shape;
        private sbyte* _weights;
        private int* _sums;
        private float* _scale, _bias;
        private float _inverseOutputScale;
        private TActivation _activation;

        public void Set(sbyte* x, void* y, bool isFloat, int batch, in ConvolutionShape shape, int filters, sbyte* weights, int* sums,
            float* scale, float* bias, float inverseOutputScale, TActivation activation)
        {
            _x = x;
            _y = y;
            _isFloat = isFloat;
            (_batch, _shape, _filters) = (batch, shape, filters);
            _weights = weights;
            _sums = sums;
            _scale = scale;
            _bias = bias;
            (_inverseOutputScale, _activation) = (inverseOutputScale, activation);
        }

        public void Execute(int part, int parts)
        {
            int first = _batch * part / parts, last = _batch * (part + 1) / parts;
            if (first == last) return;
            int depth = _shape.ColumnRows, positions = _shape.Positions;
            int inputSize = _shape.Channels * _shape.Height * _shape.Width, outputSize = _filters * positions;
            int padded = Int8Gemm.PaddedColumns(positions);
            var columns = Scratch(ref s_columns, Int8Gemm.PackedLength(positions, depth));
            var sums = Scratch(ref s_sums, _filters * padded);
            var weights = new ReadOnlySpan<sbyte>(_weights, _filters * Int8Gemm.PaddedDepth(depth));
            var weightSums = new ReadOnlySpan<int>(_sums, _filters);
            fixed (int* acc = sums)
            {
                for (int b = first; b < last; b++)
                {
                    Im2ColPacked(new ReadOnlySpan<sbyte>(_x + (long)b * inputSize, inputSize), columns, _shape);
                    // Sums over every padded position (ldc = padded): the product stores whole panels, the epilogue reads P of them.
                    Int8Gemm.MultiplyWeightsByActivations(weights, weightSums, _filters, depth, columns, padded, sums);
                    if (_isFloat)
                        Int8Epilogue.PerRow(acc, padded, _filters, positions, _scale, _bias, _activation, new FloatStore((float*)_y + (long)b * outputSize));
                    else
                        Int8Epilogue.PerRow(acc, padded, _filters, positions, _scale, _bias, _activation, new Int8Store((sbyte*)_y + (long)b * outputSize, _inverseOutputScale));
                }
            }
        }
    }
}
