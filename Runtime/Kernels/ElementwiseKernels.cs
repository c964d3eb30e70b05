using System;

namespace Myelin.Kernels;

/// <summary>
/// Element-wise drivers for the epilogues and backward passes of generated layers: bias plus activation in one pass,
/// activation derivatives, bias-gradient sums and the reorderings around batched convolutions. Each runs the
/// machine's widest SIMD width (512, 256 or 128 bits, see <see cref="IActivationOperator"/>) with the activation as a
/// struct operator, and splits large calls by rows, planes or chunks across <see cref="KernelThreads"/>; every element
/// is computed the same way whichever thread computes it, so results are bit-identical for any thread count.
/// </summary>
public static unsafe class ElementwiseKernels
{
    /// <summary>Floats per item of the chunked kernels: a multiple of every vector width.</summary>
    internal const int Chunk = 1024;

    /// <summary><c>values[i] = f(values[i])</c>.</summary>
    public static void Activate<TActivation>(Span<float> values, TActivation activation) where TActivation : struct, IActivationOperator =>
        Activate(values, values, activation);

    /// <summary><c>y[i] = f(x[i])</c>.</summary>
    public static void Activate<TActivation>(ReadOnlySpan<float> x, Span<float> y, TActivation activation) where TActivation : struct, IActivationOperator
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException($"y has {y.Length} floats, but x has {n}.", nameof(y));
        fixed (float* px = x, py = y)
            ParallelRange.Run(new ActivateWork<TActivation>(px, py, n, activation), Chunks(n), Chunk);
    }

    /// <summary>
    /// The dense epilogue: <c>m[r, c] = f(m[r, c] + bias[c])</c> for a <c>[rows, columns]</c> matrix, one bias per column.
    /// </summary>
    public static void AddColumnBiasAndActivate<TActivation>(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckMatrix(matrix.Length, rows, columns);
        if (bias.Length < columns) throw new ArgumentException($"bias has {bias.Length} floats, but the matrix has {columns} columns.", nameof(bias));
        fixed (float* pm = matrix, pb = bias)
            ParallelRange.Run(new ColumnBiasWork<TActivation>(pm, pb, columns, activation), rows, columns);
    }

    /// <summary>
    /// The convolution epilogue: <c>m[r, c] = f(m[r, c] + bias[r])</c> for a <c>[rows, columns]</c> matrix, one bias per
    /// row (a channel's plane). An empty <paramref name="bias"/> means no bias.
    /// </summary>
    public static void AddRowBiasAndActivate<TActivation>(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckMatrix(matrix.Length, rows, columns);
        fixed (float* pm = matrix, pb = bias)
            ParallelRange.Run(new RowBiasWork<TActivation>(pm, pm, bias.IsEmpty ? null : pb, columns, 1, activation), rows, columns);
    }

    /// <summary><c>dy[i] *= f'(z_i)</c>, from the outputs <c>y</c>, in place: turns dLoss/dy into dLoss/dz.</summary>
    public static void MultiplyByDerivative<TActivation>(ReadOnlySpan<float> y, Span<float> dy, TActivation activation)
        where TActivation : struct, IActivationOperator =>
        MultiplyByDerivative(y, dy, dy, activation);

    /// <summary><c>dx[i] = dy[i] · f'(z_i)</c>, from the outputs <c>y</c>.</summary>
    public static void MultiplyByDerivative<TActivation>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        int n = dy.Length;
        if (y.Length < n || dx.Length < n) throw new ArgumentException($"y has {y.Length} floats and dx {dx.Length}, but dy has {n}.", nameof(dx));
        fixed (float* py = y, pdy = dy, pdx = dx)
            ParallelRange.Run(new DerivativeWork<TActivation>(py, pdy, pdx, n, activation), Chunks(n), Chunk);
    }

    /// <summary><c>sums[c] += Σ_r m[r, c]</c>: a dense bias gradient over the batch, added row after row.</summary>
    public static void AddColumnSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        CheckMatrix(matrix.Length, rows, columns);
        if (sums.Length < columns) throw new ArgumentException($"sums has {sums.Length} floats, but the matrix has {columns} columns.", nameof(sums));
        fixed (float* pm = matrix, ps = sums)
            ParallelRange.Run(new ColumnSumWork(pm, ps, rows, columns), Chunks(columns), (long)rows * Math.Min(columns, Chunk));
    }

    /// <summary><c>sums[r] += Σ_c m[r, c]</c>: a convolution bias gradient over a channel's positions.</summary>
    public static void AddRowSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        CheckMatrix(matrix.Length, rows, columns);
        if (sums.Length < rows) throw new ArgumentException($"sums has {sums.Length} floats, but the matrix has {rows} rows.", nameof(sums));
        fixed (float* pm = matrix, ps = sums)
            ParallelRange.Run(new RowSumWork(pm, ps, columns), rows, columns);
    }

    /// <summary>
    /// The batched-convolution epilogue: reorders the product <c>[channels, batch·P]</c> to NCHW <c>[batch, channels, P]</c>
    /// while adding the channel's bias and applying the activation, in one pass. An empty <paramref name="bias"/> means none.
    /// </summary>
    public static void ChannelsToSamples<TActivation>(ReadOnlySpan<float> products, Span<float> output, ReadOnlySpan<float> bias,
        int channels, int batch, int positions, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckMatrix(products.Length, channels, batch * positions);
        CheckMatrix(output.Length, batch * channels, positions);
        fixed (float* pp = products, po = output, pb = bias)
        {
            // Item i is plane (f, b) = (i / batch, i % batch) of the product, read in order.
            var work = new RowBiasWork<TActivation>(pp, po, bias.IsEmpty ? null : pb, positions, batch, activation)
            {
                Channels = channels,
            };
            ParallelRange.Run(work, channels * batch, positions);
        }
    }

    /// <summary>The reverse reordering: NCHW <c>[batch, channels, P]</c> to <c>[channels, batch·P]</c>, for the backward products.</summary>
    public static void SamplesToChannels(ReadOnlySpan<float> input, Span<float> channelsMajor, int channels, int batch, int positions)
    {
        CheckMatrix(input.Length, batch * channels, positions);
        CheckMatrix(channelsMajor.Length, channels, batch * positions);
        fixed (float* pi = input, pc = channelsMajor)
            ParallelRange.Run(new ReorderWork(pi, pc, channels, batch, positions), batch * channels, positions);
    }

    internal static int Chunks(int n) => (n + Chunk - 1) / Chunk;

    private static void CheckMatrix(int length, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || length < (long)rows * columns)
            throw new ArgumentException($"The matrix has {length} floats, but a {rows}x{columns} matrix needs {(long)rows * columns}.");
    }

    private readonly struct ActivateWork<T>(float* x, float* y, int n, T activation) : IRangeWork where T : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int from = start * Chunk, to = Math.Min(n, end * Chunk);
            SimdLoops.Map(x + from, y + from, to - from, activation);
        }
    }

    private readonly struct DerivativeWork<T>(float* y, float* dy, float* dx, int n, T activation) : IRangeWork where T : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int from = start * Chunk, to = Math.Min(n, end * Chunk);
            SimdLoops.MultiplyByDerivative(y + from, dy + from, dx + from, to - from, activation);
        }
    }

    private readonly struct ColumnBiasWork<T>(float* matrix, float* bias, int columns, T activation) : IRangeWork where T : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++) SimdLoops.MapWithBias(matrix + (long)r * columns, bias, columns, activation);
        }
    }

    /// <summary>
    /// Row i of <paramref name="source"/> (<paramref name="length"/> floats) plus the bias of its channel, activated, to
    /// row i of the target; with <see cref="Channels"/> set, the target row is the NCHW plane of (channel, sample) =
    /// (i / batch, i % batch), and the channel of row i is i / <paramref name="batch"/>.
    /// </summary>
    private readonly struct RowBiasWork<T>(float* source, float* target, float* bias, int length, int batch, T activation) : IRangeWork
        where T : struct, IActivationOperator
    {
        public int Channels { get; init; }

        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                int channel = i / batch;
                long targetRow = Channels == 0 ? i : (long)(i % batch) * Channels + channel;
                float shift = bias is null ? 0f : bias[channel];
                SimdLoops.Map(source + (long)i * length, target + targetRow * length, length, new Shifted<T>(activation, shift));
            }
        }
    }

    private readonly struct ColumnSumWork(float* matrix, float* sums, int rows, int columns) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int from = start * Chunk, to = Math.Min(columns, end * Chunk);
            for (int r = 0; r < rows; r++) SimdLoops.Add(sums + from, matrix + (long)r * columns + from, to - from);
        }
    }

    private readonly struct RowSumWork(float* matrix, float* sums, int columns) : IRangeWork
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++) sums[r] += SimdLoops.Sum(matrix + (long)r * columns, columns);
        }
    }

    private readonly struct ReorderWork(float* input, float* channelsMajor, int channels, int batch, int positions) : IRangeWork
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                int b = i / channels, f = i % channels;
                new ReadOnlySpan<float>(input + (long)i * positions, positions)
                    .CopyTo(new Span<float>(channelsMajor + ((long)f * batch + b) * positions, positions));
            }
        }
    }
}
