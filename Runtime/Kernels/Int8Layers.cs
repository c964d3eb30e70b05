using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System;

namespace Myelin.Kernels;

/// <summary>
/// Int8 dense and convolution layers for a batch: the int8 product with int32 sums (<see cref="Int8Gemm"/>) and its
/// epilogue, <c>y = f(acc · scale[ch] + bias[ch])</c>, requantised to the output's scale or written as floats. The
/// generated int8 networks call these once per layer.
/// </summary>
/// <remarks>
/// A convolution runs sample by sample: im2col of one sample straight into the packed panel layout
/// (<see cref="Im2ColPacked(ReadOnlySpan{sbyte}, Span{sbyte}, in ConvolutionShape)"/>), one product <c>W[F, K] · columns[K, P]</c>, and the epilogue writes the sample's
/// <c>[F, P]</c> output, already NCHW. Samples are split across cores when the batch is large enough; each core has its
/// own scratch, so results do not depend on the number of cores. Scratch arrays are per thread and grow on first use only.
/// </remarks>
public static partial class Int8Layers
{
    /// <summary>Multiply-adds of a batch from which a convolution's samples are split across cores.</summary>
    private const long ParallelThreshold = 1L << 21;

    [ThreadStatic] private static int[]? s_sums;
    [ThreadStatic] private static sbyte[]? s_columns;

    /// <summary>
    /// The epilogue of a convolution on a register tile's sums: row = output channel, so <c>z = acc · scale[row] + bias[row]</c>,
    /// the activation, and the store. Column <c>c</c> is position <c>c % positions</c> of sample <c>c / positions</c> of the
    /// product's samples, the first of which starts at element <paramref name="sample"/> of the batch's NCHW output.
    /// </summary>
    private readonly unsafe struct ConvolutionSink<TActivation, TStore>(float* scale, float* bias, TActivation activation, TStore store, int positions, int filters, int sample)
        : ITileSink where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(int row, int column, Vector256<int> low, Vector256<int> high, int count)
        {
            if (count <= 0) return;
            var s = Vector256.Create(scale[row]);
            var b = Vector256.Create(bias is null ? 0f : bias[row]);
            var zLow = activation.Apply(Vector256.ConvertToSingle(low) * s + b);
            var zHigh = activation.Apply(Vector256.ConvertToSingle(high) * s + b);
            if (positions >= Int8Gemm.PanelWidth)
            {
                // One sample per product: the tile is one run of its output row.
                int index = sample + row * positions + column;
                if (count >= Int8Gemm.PanelWidth)
                {
                    store.Store(zLow, zHigh, index);
                    return;
                }
                // The last panel of a row: only its first positions are real, and a whole store would reach the next row.
                for (int i = 0; i < count; i++) store.Store(i < 8 ? Vector256.GetElement(zLow, i) : Vector256.GetElement(zHigh, i - 8), index + i);
                return;
            }
            // Several samples per panel: element by element, each to its sample's plane.
            int n = column / positions, p = column - n * positions;
            for (int i = 0; i < Math.Min(count, Int8Gemm.PanelWidth); i++)
            {
                store.Store(i < 8 ? Vector256.GetElement(zLow, i) : Vector256.GetElement(zHigh, i - 8), sample + (n * filters + row) * positions + p);
                if (++p == positions) (n, p) = (n + 1, 0);
            }
        }

        public void Store(int row, int column, int sum)
        {
            int n = column / positions, p = column % positions;
            store.Store(Int8Epilogue.Apply(activation, (float)sum * scale[row] + (bias is null ? 0f : bias[row])), sample + (n * filters + row) * positions + p);
        }
    }

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
    /// <param name="weightRows">W[F, C·k·k] in padded rows from <see cref="PackConvolutionWeights"/>.</param>
    /// <param name="weightSums">The sums <see cref="PackConvolutionWeights"/> wrote.</param>
    /// <param name="scale">[F]: the input's scale times each filter's weight scale.</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="inverseOutputScale">One over the output's scale.</param>
    /// <param name="activation">The activation applied before requantising.</param>
    public static void Convolution<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, in ConvolutionShape shape, int filters,
        ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float inverseOutputScale, TActivation activation)
        where TActivation : struct, IActivationOperator =>
        Convolution(x, y, batch, shape, filters, weightRows, weightSums, scale, bias, inverseOutputScale, activation, Int8Gemm.InstructionSet);

    /// <summary>As the public overload, on the instruction set given (tests force each one).</summary>
    internal static unsafe void Convolution<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, in ConvolutionShape shape, int filters,
        ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float inverseOutputScale, TActivation activation, Int8InstructionSet set)
        where TActivation : struct, IActivationOperator
    {
        if (!Int8Gemm.IsSupported(set)) throw new PlatformNotSupportedException($"This CPU has no {set} instructions.");
        CheckConvolution(x.Length, y.Length, batch, shape, filters, weightRows.Length, weightSums.Length, scale, bias);
        fixed (sbyte* px = x, py = y, pw = weightRows)
        fixed (int* psums = weightSums)
        fixed (float* ps = scale, pb = bias)
        {
            var work = ConvolutionWork<TActivation, Int8Store>.Instance;
            work.Layer = new ConvolutionOperands<TActivation>(px, batch, shape, filters, pw, psums, ps, pb, activation, set);
            work.Store = new Int8Store(py, inverseOutputScale);
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
            var work = ConvolutionWork<TActivation, FloatStore>.Instance;
            work.Layer = new ConvolutionOperands<TActivation>(px, batch, shape, filters, pw, psums, ps, pb, activation, Int8Gemm.InstructionSet);
            work.Store = new FloatStore(py);
            Run(work, batch, (long)batch * filters * shape.ColumnRows * shape.Positions);
        }
    }

    private static void Run(IParallelWork work, int batch, long multiplyAdds)
    {
        int parts = multiplyAdds >= ParallelThreshold ? Math.Min(KernelThreads.Parallelism, batch) : 1;
        KernelThreads.Run(work, parts);
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

    /// <summary>
    /// What every convolution's work reads: the batch's input, the geometry, the packed weights and their sums (from
    /// <see cref="PackConvolutionWeights"/>), the epilogue's per-filter scales and biases, the activation and the instructions.
    /// </summary>
    private readonly unsafe struct ConvolutionOperands<TActivation>(sbyte* x, int batch, in ConvolutionShape shape, int filters, sbyte* weights, int* sums,
        float* scale, float* bias, TActivation activation, Int8InstructionSet set) where TActivation : struct, IActivationOperator
    {
        public readonly sbyte* X = x;
        public readonly int Batch = batch, Filters = filters;
        public readonly ConvolutionShape Shape = shape;
        public readonly float* Scale = scale, Bias = bias;
        public readonly TActivation Activation = activation;
        public readonly Int8InstructionSet Set = set;
        private readonly sbyte* _weights = weights;
        private readonly int* _sums = sums;

        /// <summary>Elements of one input sample: C·H·W.</summary>
        public int InputSize => Shape.Channels * Shape.Height * Shape.Width;

        /// <summary>W[F, PaddedDepth(C·k·k)].</summary>
        public ReadOnlySpan<sbyte> Weights => new(_weights, Filters * Int8Gemm.PaddedDepth(Shape.ColumnRows));

        /// <summary>Σ_k W[f, k], one per filter.</summary>
        public ReadOnlySpan<int> Sums => new(_sums, Filters);

        /// <summary>Samples <c>b</c> from <c>First</c> to <c>Last - 1</c> of the batch split into <paramref name="parts"/>.</summary>
        public (int First, int Last) Samples(int part, int parts) => (Batch * part / parts, Batch * (part + 1) / parts);

        /// <summary><paramref name="samples"/> input samples from sample <paramref name="first"/>.</summary>
        public ReadOnlySpan<sbyte> Input(int first, int samples) => new(X + (long)first * InputSize, samples * InputSize);
    }

    /// <summary>The samples of one convolution, split into parts; one per activation type and thread, reused so that a call allocates nothing.</summary>
    private sealed class ConvolutionWork<TActivation, TStore> : IParallelWork
        where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        [ThreadStatic] private static ConvolutionWork<TActivation, TStore>? s_instance;

        public static ConvolutionWork<TActivation, TStore> Instance => s_instance ??= new ConvolutionWork<TActivation, TStore>();

        public ConvolutionOperands<TActivation> Layer;
        public TStore Store;

        public unsafe void Execute(int part, int parts)
        {
            var (first, last) = Layer.Samples(part, parts);
            int depth = Layer.Shape.ColumnRows, positions = Layer.Shape.Positions, outputSize = Layer.Filters * positions;
            // A convolution with fewer positions than a panel's 16 columns (3x3 outputs: 9) puts several samples side by
            // side, as many as fill whole panels (16 for 9 positions), instead of computing mostly padding.
            int group = positions >= Int8Gemm.PanelWidth ? 1 : Int8Gemm.PanelWidth / GreatestCommonDivisor(positions, Int8Gemm.PanelWidth);
            var columns = Scratch(ref s_columns, Int8Gemm.PackedLength(group * positions, depth));
            for (int b = first; b < last; b += group)
            {
                int samples = Math.Min(group, last - b);
                Pack(Layer.Input(b, samples), samples, columns.Slice(0, Int8Gemm.PackedLength(samples * positions, depth)), Layer.Shape, default, windows: false);
                // The epilogue runs on each tile's sums in registers: no int32 matrix is written.
                Int8Gemm.MultiplyWeightsByActivations(Layer.Weights, Layer.Sums, Layer.Filters, depth, columns, samples * positions,
                    new ConvolutionSink<TActivation, TStore>(Layer.Scale, Layer.Bias, Layer.Activation, Store, positions, Layer.Filters, b * outputSize), Layer.Set);
            }
        }
    }

    private static int GreatestCommonDivisor(int a, int b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);
}
