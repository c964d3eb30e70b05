using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

// A convolution with its max pool in the epilogue (the plan's Conv2DOp.PoolEpilogue): the im2col orders the columns by
// pooling window (Im2ColPacked with windows), so that the members of a window lie in one register tile, and the tile's
// epilogue keeps each window's maximum. The full-size convolution output is never written, and positions
// that no window reads are never computed.
public static partial class Int8Layers
{
    /// <summary>
    /// A 2-D convolution followed by a max pool over windows that do not overlap:
    /// <c>y[b, f, j] = max over window j of Quantize(f(Σ_k W[f, k] · columns_b[k, p] · scale[f] + bias[f]) · inverseOutputScale)</c>,
    /// bit for bit the int8 convolution followed by <see cref="Int8Kernels.MaxPool"/>.
    /// </summary>
    /// <remarks>
    /// For ReLU and the identity the maximum is taken of the int32 sums, before the epilogue, which then runs once per
    /// window: <c>acc ↦ Quantize(f(acc · scale + bias) · inverse)</c> is monotone (every step is, each rounding included,
    /// and <c>scale</c> is positive), so it commutes with the maximum. Other activations are requantised first.
    /// </remarks>
    /// <param name="x">[batch, C, H, W], int8.</param>
    /// <param name="y">[batch, F, PH, PW], int8 at the output's scale (the pool keeps it).</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The convolution's geometry.</param>
    /// <param name="pool">The pool's geometry: <c>Planes</c> = F, <c>Height</c> x <c>Width</c> = the convolution's output, stride at least the window.</param>
    /// <param name="filters">F, the output channels.</param>
    /// <param name="weightRows">W[F, C·k·k] in padded rows from <see cref="PackConvolutionWeights"/>.</param>
    /// <param name="weightSums">The sums <see cref="PackConvolutionWeights"/> wrote.</param>
    /// <param name="scale">[F]: the input's scale times each filter's weight scale.</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="inverseOutputScale">One over the output's scale.</param>
    /// <param name="activation">The activation applied before requantising.</param>
    public static void ConvolutionMaxPool<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, in ConvolutionShape shape, in PoolShape pool,
        int filters, ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float inverseOutputScale, TActivation activation)
        where TActivation : struct, IActivationOperator =>
        ConvolutionMaxPool(x, y, batch, shape, pool, filters, weightRows, weightSums, scale, bias, inverseOutputScale, activation, Int8Gemm.InstructionSet);

    /// <summary>As the public overload, on the instruction set given (tests force each one).</summary>
    internal static unsafe void ConvolutionMaxPool<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, in ConvolutionShape shape, in PoolShape pool,
        int filters, ReadOnlySpan<sbyte> weightRows, ReadOnlySpan<int> weightSums, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float inverseOutputScale, TActivation activation, Int8InstructionSet set)
        where TActivation : struct, IActivationOperator
    {
        if (!Int8Gemm.IsSupported(set)) throw new PlatformNotSupportedException($"This CPU has no {set} instructions.");
        CheckPool(shape, pool, filters);
        int pooled = pool.OutHeight * pool.OutWidth;
        CheckConvolution(x.Length, y.Length, batch, shape with { OutHeight = pooled, OutWidth = 1 }, filters, weightRows.Length, weightSums.Length, scale, bias);
        fixed (sbyte* px = x, py = y, pw = weightRows)
        fixed (int* psums = weightSums)
        fixed (float* ps = scale, pb = bias)
        {
            var work = PooledConvolutionWork<TActivation>.Instance;
            work.Layer = new ConvolutionOperands<TActivation>(px, batch, shape, filters, pw, psums, ps, pb, activation, set);
            work.Pool = pool;
            work.Y = py;
            work.InverseScale = inverseOutputScale;
            Run(work, batch, (long)batch * filters * shape.ColumnRows * WindowColumns(pool));
        }
    }

    private static void CheckPool(in ConvolutionShape shape, in PoolShape pool, int filters)
    {
        if (pool.Planes != filters || pool.Height != shape.OutHeight || pool.Width != shape.OutWidth)
            throw new ArgumentException($"The pool reads {pool.Planes} planes of {pool.Height}x{pool.Width}, but the convolution writes {filters} of {shape.OutHeight}x{shape.OutWidth}.", nameof(pool));
        if (pool.Kernel < 1 || pool.Stride < pool.Kernel)
            throw new ArgumentException($"A pool in a convolution's epilogue needs windows that do not overlap; this one has a {pool.Kernel}x{pool.Kernel} window and stride {pool.Stride}.", nameof(pool));
        if (pool.OutHeight < 1 || pool.OutWidth < 1 || (pool.OutHeight - 1) * pool.Stride + pool.Kernel > pool.Height || (pool.OutWidth - 1) * pool.Stride + pool.Kernel > pool.Width)
            throw new ArgumentException($"A {pool.OutHeight}x{pool.OutWidth} pooled output does not fit a {pool.Height}x{pool.Width} input with a {pool.Kernel}x{pool.Kernel} window and stride {pool.Stride}.", nameof(pool));
    }

    /// <summary>
    /// The epilogue of a convolution whose columns are pool windows of <c>area</c> members (<see cref="WindowColumns"/>),
    /// member-major within each panel for 2x2 windows: row = output channel; each window's maximum goes to
    /// <c>y[sample + row · outputs + window]</c>, for the first <c>outputs</c> windows (the others are padding).
    /// </summary>
    private readonly unsafe struct PooledSink<TActivation>(float* scale, float* bias, TActivation activation, sbyte* y, float inverseScale, int area, int outputs, int sample)
        : ITileSink where TActivation : struct, IActivationOperator
    {
        /// <summary>Whether the maximum may be taken of the sums, before a monotone epilogue (see <see cref="ConvolutionMaxPool{TActivation}(ReadOnlySpan{sbyte}, Span{sbyte}, int, in ConvolutionShape, in PoolShape, int, ReadOnlySpan{sbyte}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, TActivation)"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool PoolsSums() => typeof(TActivation) == typeof(ReLUOperator) || typeof(TActivation) == typeof(IdentityOperator);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(int row, int column, Vector256<int> low, Vector256<int> high, int count)
        {
            if (area != 4)
            {
                // Windows of other sizes straddle tiles: member by member, in column order.
                for (int i = 0; i < Math.Min(count, Int8Gemm.PanelWidth); i++) Store(row, column + i, i < 8 ? low.GetElement(i) : high.GetElement(i - 8));
                return;
            }
            // Sixteen columns are four 2x2 windows, member-major: member m of window w in lane 4m + w. The maxima of the
            // two halves, then of the two quarters of the result, are the windows' maxima in lanes 0-3.
            int window = column / 4, real = Math.Min(4, outputs - window);
            if (real <= 0) return;
            var s = Vector256.Create(scale[row]);
            var b = Vector256.Create(bias is null ? 0f : bias[row]);
            var inverse = Vector256.Create(inverseScale);
            Vector128<int> q;
            if (PoolsSums())
            {
                var m = Vector256.Max(low, high);
                var sums = Vector128.Max(m.GetLower(), m.GetUpper()).ToVector256Unsafe();
                q = Int8Kernels.Quantize(activation.Apply(Vector256.ConvertToSingle(sums) * s + b) * inverse).GetLower();
            }
            else
            {
                var qLow = Int8Kernels.Quantize(activation.Apply(Vector256.ConvertToSingle(low) * s + b) * inverse);
                var qHigh = Int8Kernels.Quantize(activation.Apply(Vector256.ConvertToSingle(high) * s + b) * inverse);
                var m = Vector256.Max(qLow, qHigh);
                q = Vector128.Max(m.GetLower(), m.GetUpper());
            }
            sbyte* target = y + sample + row * outputs + window;
            if (real == 4)
            {
                var shorts = Vector128.Narrow(q, q);
                Unsafe.WriteUnaligned(target, Vector128.Narrow(shorts, shorts).AsInt32().ToScalar());
                return;
            }
            // The last windows of a row: a whole store would reach the next row.
            for (int i = 0; i < real; i++) target[i] = (sbyte)q.GetElement(i);
        }

        /// <summary>One member of a window: the first one writes its value, the others keep the maximum (columns arrive in order).</summary>
        public void Store(int row, int column, int sum)
        {
            // 2x2 windows are member-major within each panel of 16 columns; larger windows are window-major.
            int window = area == 4 ? column / Int8Gemm.PanelWidth * 4 + column % 4 : column / area;
            int member = area == 4 ? column % Int8Gemm.PanelWidth / 4 : column % area;
            if (window >= outputs) return;
            sbyte q = Int8Kernels.Quantize(Int8Epilogue.Apply(activation, (float)sum * scale[row] + (bias is null ? 0f : bias[row])) * inverseScale);
            sbyte* target = y + sample + row * outputs + window;
            *target = member == 0 ? q : Math.Max(*target, q);
        }
    }

    /// <summary>The samples of one pooled convolution, split into parts; one per activation type and thread, reused so that a call allocates nothing.</summary>
    private sealed unsafe class PooledConvolutionWork<TActivation> : IParallelWork where TActivation : struct, IActivationOperator
    {
        [ThreadStatic] private static PooledConvolutionWork<TActivation>? s_instance;

        public static PooledConvolutionWork<TActivation> Instance => s_instance ??= new PooledConvolutionWork<TActivation>();

        public ConvolutionOperands<TActivation> Layer;
        public PoolShape Pool;
        public sbyte* Y;
        public float InverseScale;

        public void Execute(int part, int parts)
        {
            var (first, last) = Layer.Samples(part, parts);
            int depth = Layer.Shape.ColumnRows, columns = WindowColumns(Pool), outputs = Pool.OutHeight * Pool.OutWidth;
            var packed = Scratch(ref s_columns, Int8Gemm.PackedLength(columns, depth));
            for (int b = first; b < last; b++)
            {
                Pack(Layer.Input(b, 1), 1, packed, Layer.Shape, Pool, windows: true);
                // The padding columns of the last panel are computed too: with 2x2 windows member-major, a real window's
                // members lie in all four quarters of its panel. The sink drops the windows past the last.
                Int8Gemm.MultiplyWeightsByActivations(Layer.Weights, Layer.Sums, Layer.Filters, depth, packed, Int8Gemm.PaddedColumns(columns),
                    new PooledSink<TActivation>(Layer.Scale, Layer.Bias, Layer.Activation, Y, InverseScale, Pool.Kernel * Pool.Kernel, outputs, b * Layer.Filters * outputs), Layer.Set);
            }
        }
    }
}
