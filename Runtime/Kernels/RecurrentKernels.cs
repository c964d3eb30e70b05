using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// The kernels of generated recurrent layers (SimpleRNN, LSTM, GRU): the reorderings between the batch-major layout of
/// values (<c>[batch, steps, features]</c>, PyTorch's <c>batch_first</c>) and the time-major layout of the work arrays
/// (<c>[steps, batch, features]</c>, so that one step's rows are one matrix for <see cref="Gemm"/>), the bias epilogue of
/// the input projection, and each cell's gates and state update, forward and backward, fused into one pass over a
/// step's gates. Gates are stacked in PyTorch's order: LSTM i, f, g, o; GRU r, z, n; each block <c>hidden</c> wide.
/// </summary>
/// <remarks>
/// Each kernel is checked against a double-precision reference in <c>RecurrentKernelTests</c>. The cell kernels run
/// the batch's rows on <see cref="KernelThreads"/>, each row in the machine's widest vectors with the activation
/// operators' vector forms (<see cref="SigmoidOperator"/>, <see cref="TanhOperator"/>) and the scalar forms on the tail,
/// and allocate nothing.
/// </remarks>
public static class RecurrentKernels
{
    /// <summary><c>timeMajor[t, b, f] = batchMajor[b, t, f]</c>.</summary>
    public static void ToTimeMajor(ReadOnlySpan<float> batchMajor, Span<float> timeMajor, int batch, int steps, int features)
    {
        Check(batchMajor.Length, timeMajor.Length, batch * steps * features, nameof(ToTimeMajor));
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
                batchMajor.Slice((b * steps + t) * features, features).CopyTo(timeMajor.Slice((t * batch + b) * features, features));
        }
    }

    /// <summary>
    /// <c>batchMajor[b, t, offset + f] = timeMajor[t, b, f]</c> (or <c>+=</c> when <paramref name="accumulate"/>), where a
    /// batch-major row is <paramref name="width"/> wide: writes one direction's states into a (bidirectional) output, or a
    /// time-major gradient back into a value's gradient.
    /// </summary>
    public static void FromTimeMajor(ReadOnlySpan<float> timeMajor, Span<float> batchMajor, int batch, int steps, int features, int width, int offset,
        bool accumulate)
    {
        if (offset < 0 || offset + features > width) throw new ArgumentOutOfRangeException(nameof(offset), $"Columns {offset}..{offset + features} do not fit a row of {width}.");
        Check(timeMajor.Length, batch * steps * features, batch * steps * features, nameof(FromTimeMajor));
        Check(batchMajor.Length, batch * steps * width, batch * steps * width, nameof(FromTimeMajor));
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                var source = timeMajor.Slice((t * batch + b) * features, features);
                var target = batchMajor.Slice((b * steps + t) * width + offset, features);
                if (accumulate) GraphKernels.AddTo(source, target);
                else source.CopyTo(target);
            }
        }
    }

    /// <summary>
    /// <c>target[b, f] += batchMajor[b, step, offset + f]</c> for a batch-major tensor of <paramref name="steps"/> rows of
    /// <paramref name="width"/> per sample: adds one step's output gradient (one direction's columns) to the running
    /// gradient of the hidden state.
    /// </summary>
    public static void AddStep(ReadOnlySpan<float> batchMajor, Span<float> target, int batch, int step, int steps, int features, int width, int offset)
    {
        if (step < 0 || step >= steps) throw new ArgumentOutOfRangeException(nameof(step), step, $"The step must be in [0, {steps}).");
        if (offset < 0 || offset + features > width) throw new ArgumentOutOfRangeException(nameof(offset), $"Columns {offset}..{offset + features} do not fit a row of {width}.");
        Check(batchMajor.Length, batch * steps * width, batch * steps * width, nameof(AddStep));
        Check(target.Length, batch * features, batch * features, nameof(AddStep));
        for (int b = 0; b < batch; b++)
            GraphKernels.AddTo(batchMajor.Slice((b * steps + step) * width + offset, features), target.Slice(b * features, features));
    }

    /// <summary>
    /// The input projection's epilogue: <c>gates[r, c] += biasIh[c] + biasHh[c]</c>, where <paramref name="biasHh"/> covers
    /// only its own length of leading columns (the GRU's r and z blocks: its n block's hidden bias stays inside
    /// <c>r * (W_hn h + b_hn)</c>).
    /// </summary>
    public static void AddBiases(Span<float> gates, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int rows, int columns)
    {
        if (biasIh.Length < columns || biasHh.Length > columns) throw new ArgumentException($"AddBiases needs {columns} input biases and at most {columns} hidden biases.");
        Check(gates.Length, rows * columns, rows * columns, nameof(AddBiases));
        for (int r = 0; r < rows; r++)
        {
            var row = gates.Slice(r * columns, columns);
            GraphKernels.AddTo(biasIh.Slice(0, columns), row);
            GraphKernels.AddTo(biasHh, row);
        }
    }

    /// <summary>
    /// One LSTM step after its products, for <c>[batch, 4 * hidden]</c> gate pre-activations <c>z</c> (the input
    /// projection with both biases plus <c>h_prev · W_hhᵀ</c>): <c>i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)</c>,
    /// <c>c = f * cPrev + i * g</c>, <c>h = o * tanh(c)</c>. The gates are overwritten with i, f, g, o and tanh(c) is kept
    /// for the backward pass.
    /// </summary>
    public static unsafe void LstmCellForward(Span<float> gates, ReadOnlySpan<float> cellPrevious, Span<float> cell, Span<float> cellTanh, Span<float> hidden,
        int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 4 * h, batch * 4 * h, nameof(LstmCellForward));
        CheckAll(state, nameof(LstmCellForward), cellPrevious.Length, cell.Length, cellTanh.Length, hidden.Length);
        fixed (float* z = gates, cp = cellPrevious, c = cell, tc = cellTanh, hr = hidden)
            Rows(new LstmForward(z, cp, c, tc, hr, h), batch, h);
    }

    /// <summary>
    /// One LSTM step backward. In: the step's gate activations i, f, g, o, the previous cell state, tanh(c), <c>dh</c> =
    /// dLoss/dh_t and <c>dc</c> = the part of dLoss/dc_t that flows back from step t + 1. With
    /// <c>dc_t = dc + dh * o * (1 - tanh²(c))</c>: the gates are overwritten with dLoss/dz, <c>dz_i = dc_t g i (1 - i)</c>,
    /// <c>dz_f = dc_t cPrev f (1 - f)</c>, <c>dz_g = dc_t i (1 - g²)</c>, <c>dz_o = dh tanh(c) o (1 - o)</c>, and
    /// <c>dc</c> with <c>dc_t * f</c>, its part of dLoss/dc_{t-1}.
    /// </summary>
    public static unsafe void LstmCellBackward(Span<float> gates, ReadOnlySpan<float> cellPrevious, ReadOnlySpan<float> cellTanh, ReadOnlySpan<float> hiddenGradient,
        Span<float> cellGradient, int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 4 * h, batch * 4 * h, nameof(LstmCellBackward));
        CheckAll(state, nameof(LstmCellBackward), cellPrevious.Length, cellTanh.Length, hiddenGradient.Length, cellGradient.Length);
        fixed (float* z = gates, cp = cellPrevious, tc = cellTanh, dh = hiddenGradient, dc = cellGradient)
            Rows(new LstmBackward(z, cp, tc, dh, dc, h), batch, h);
    }

    /// <summary>
    /// One GRU step after its products, PyTorch's formulation. In: <c>gates</c> <c>[batch, 3 * hidden]</c>, the input
    /// projection <c>x · W_ihᵀ + b_ih</c> with <c>b_hr</c> and <c>b_hz</c> already added; <c>products</c> = <c>h_prev ·
    /// W_hhᵀ</c>, without bias. <c>r = σ(g_r + p_r)</c>, <c>z = σ(g_z + p_z)</c>, <c>hn = p_n + b_hn</c> (kept in
    /// <paramref name="hiddenProducts"/>), <c>n = tanh(g_n + r * hn)</c>, <c>h = (1 - z) * n + z * h_prev</c>. The gates are
    /// overwritten with r, z, n.
    /// </summary>
    public static unsafe void GruCellForward(Span<float> gates, ReadOnlySpan<float> products, ReadOnlySpan<float> biasHn, ReadOnlySpan<float> hiddenPrevious,
        Span<float> hiddenProducts, Span<float> hidden, int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellForward));
        Check(products.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellForward));
        Check(biasHn.Length, h, h, nameof(GruCellForward));
        CheckAll(state, nameof(GruCellForward), hiddenPrevious.Length, hiddenProducts.Length, hidden.Length);
        fixed (float* g = gates, p = products, bn = biasHn, hp = hiddenPrevious, hn = hiddenProducts, hr = hidden)
            Rows(new GruForward(g, p, bn, hp, hn, hr, h), batch, h);
    }

    /// <summary>
    /// One GRU step backward. In: the step's activations r, z, n, <c>hn = W_hn h_prev + b_hn</c>, <c>h_prev</c> and
    /// <paramref name="hiddenGradient"/> = dLoss/dh_t. With <c>dn = dh (1 - z) (1 - n²)</c>: the gates are overwritten
    /// with dLoss/d(input projection), <c>[dr, dz, dn]</c> where <c>dr = dn hn r (1 - r)</c> and
    /// <c>dz = dh (h_prev - n) z (1 - z)</c>; <paramref name="hiddenGateGradients"/> gets dLoss/d(h_prev · W_hhᵀ + b_hh),
    /// <c>[dr, dz, dn * r]</c>; and <paramref name="hiddenGradient"/> is overwritten with <c>dh * z</c>, the direct part of
    /// dLoss/dh_prev (the caller adds <c>hiddenGateGradients · W_hh</c>).
    /// </summary>
    public static unsafe void GruCellBackward(Span<float> gates, ReadOnlySpan<float> hiddenProducts, ReadOnlySpan<float> hiddenPrevious,
        Span<float> hiddenGradient, Span<float> hiddenGateGradients, int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellBackward));
        Check(hiddenGateGradients.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellBackward));
        CheckAll(state, nameof(GruCellBackward), hiddenProducts.Length, hiddenPrevious.Length, hiddenGradient.Length);
        fixed (float* g = gates, dg = hiddenGateGradients, hn = hiddenProducts, hp = hiddenPrevious, dh = hiddenGradient)
            Rows(new GruBackward(g, dg, hn, hp, dh, h), batch, h);
    }

    /// <summary>Multiply-adds' worth of work per hidden unit of a cell (five activations), for the split across threads.</summary>
    private const long CellWork = 64;

    /// <summary>One sample's row of a cell kernel, units <c>first .. end - 1</c> of pass <c>pass</c>, in vectors of <c>TV</c>.</summary>
    private interface ICellRow
    {
        /// <summary>How many element-wise passes the cell makes over a row; the activations run between them.</summary>
        int Passes { get; }

        /// <summary>The activations before pass <paramref name="pass"/> (and after the last, for pass = Passes), in place.</summary>
        void Activate(int row, int pass);

        void Run<TV>(int row, int pass, int first, int end) where TV : struct, ISimdVector<TV>;
    }

    /// <summary>
    /// Runs a cell kernel over the batch's rows on <see cref="KernelThreads"/>. Per row: its passes, each in the widest
    /// vectors and then the units past the last whole vector one at a time, with the activations in between done by
    /// <c>SimdLoops.Map</c> (kept out of the passes: the JIT stops inlining in a loop with several inlined
    /// exponentials). A row's units are computed the same way on any thread.
    /// </summary>
    private static void Rows<TCell>(in TCell cell, int batch, int hidden) where TCell : struct, ICellRow =>
        ParallelRange.Run(new CellRows<TCell>(cell, hidden), batch, hidden * CellWork);

    private readonly struct CellRows<TCell>(TCell cell, int hidden) : IRangeWork where TCell : struct, ICellRow
    {
        public void Run(int start, int end)
        {
            int width = SimdLoops.Width, whole = hidden - hidden % width;
            for (int b = start; b < end; b++)
            {
                for (int pass = 0; pass < cell.Passes; pass++)
                {
                    cell.Activate(b, pass);
                    switch (width)
                    {
                        case 16: cell.Run<Simd512>(b, pass, 0, whole); break;
                        case 8: cell.Run<Simd256>(b, pass, 0, whole); break;
                        case 4: cell.Run<Simd128>(b, pass, 0, whole); break;
                    }
                    cell.Run<Simd1>(b, pass, width > 1 ? whole : 0, hidden);
                }
                cell.Activate(b, cell.Passes);
            }
        }
    }

    /// <summary>
    /// LSTM forward: i, f, o through σ and g through tanh in place; pass 0: <c>c = f · cPrev + i · g</c>; then tanh(c)
    /// into <c>cellTanh</c>; pass 1: <c>h = o · tanh(c)</c>.
    /// </summary>
    private readonly unsafe struct LstmForward(float* gates, float* cellPrevious, float* cell, float* cellTanh, float* hidden, int h) : ICellRow
    {
        public int Passes => 2;

        public void Activate(int row, int pass)
        {
            float* z = gates + (long)row * 4 * h;
            if (pass == 0)
            {
                SimdLoops.Map(z, z, 2 * h, new SigmoidOperator());
                SimdLoops.Map(z + 2 * h, z + 2 * h, h, new TanhOperator());
                SimdLoops.Map(z + 3 * h, z + 3 * h, h, new SigmoidOperator());
            }
            else if (pass == 1)
            {
                SimdLoops.Map(cell + (long)row * h, cellTanh + (long)row * h, h, new TanhOperator());
            }
        }

        public void Run<TV>(int row, int pass, int first, int end) where TV : struct, ISimdVector<TV>
        {
            float* z = gates + (long)row * 4 * h, c = cell + (long)row * h;
            if (pass == 0)
            {
                float* cp = cellPrevious + (long)row * h;
                for (int j = first; j < end; j += TV.Count)
                    TV.Store(TV.Load(z + h + j) * TV.Load(cp + j) + TV.Load(z + j) * TV.Load(z + 2 * h + j), c + j);
                return;
            }
            float* tc = cellTanh + (long)row * h, hr = hidden + (long)row * h;
            for (int j = first; j < end; j += TV.Count) TV.Store(TV.Load(z + 3 * h + j) * TV.Load(tc + j), hr + j);
        }
    }

    private readonly unsafe struct LstmBackward(float* gates, float* cellPrevious, float* cellTanh, float* hiddenGradient, float* cellGradient, int h) : ICellRow
    {
        public int Passes => 1;

        public void Activate(int row, int pass)
        {
        }

        public void Run<TV>(int row, int pass, int first, int end) where TV : struct, ISimdVector<TV>
        {
            float* z = gates + (long)row * 4 * h, cp = cellPrevious + (long)row * h, tc = cellTanh + (long)row * h;
            float* dh = hiddenGradient + (long)row * h, dc = cellGradient + (long)row * h;
            var one = TV.Broadcast(1f);
            for (int j = first; j < end; j += TV.Count)
            {
                var i = TV.Load(z + j);
                var f = TV.Load(z + h + j);
                var g = TV.Load(z + 2 * h + j);
                var o = TV.Load(z + 3 * h + j);
                var t = TV.Load(tc + j);
                var dhv = TV.Load(dh + j);
                var dct = TV.Load(dc + j) + dhv * o * (one - t * t);
                TV.Store(dct * g * i * (one - i), z + j);
                TV.Store(dct * TV.Load(cp + j) * f * (one - f), z + h + j);
                TV.Store(dct * i * (one - g * g), z + 2 * h + j);
                TV.Store(dhv * t * o * (one - o), z + 3 * h + j);
                TV.Store(dct * f, dc + j);
            }
        }
    }

    /// <summary>
    /// GRU forward: pass 0 adds the products to the r and z pre-activations, which then go through σ in place; pass 1:
    /// <c>hn = p_n + b_hn</c> and the n pre-activation <c>g_n + r · hn</c>, then tanh in place; pass 2:
    /// <c>h = n + z · (h_prev - n)</c>.
    /// </summary>
    private readonly unsafe struct GruForward(float* gates, float* products, float* biasHn, float* hiddenPrevious, float* hiddenProducts, float* hidden, int h)
        : ICellRow
    {
        public int Passes => 3;

        public void Activate(int row, int pass)
        {
            float* g = gates + (long)row * 3 * h;
            if (pass == 1) SimdLoops.Map(g, g, 2 * h, new SigmoidOperator());
            else if (pass == 2) SimdLoops.Map(g + 2 * h, g + 2 * h, h, new TanhOperator());
        }

        public void Run<TV>(int row, int pass, int first, int end) where TV : struct, ISimdVector<TV>
        {
            float* g = gates + (long)row * 3 * h, p = products + (long)row * 3 * h;
            if (pass == 0)
            {
                for (int j = first; j < end; j += TV.Count)
                {
                    TV.Store(TV.Load(g + j) + TV.Load(p + j), g + j);
                    TV.Store(TV.Load(g + h + j) + TV.Load(p + h + j), g + h + j);
                }
                return;
            }
            if (pass == 1)
            {
                float* hn = hiddenProducts + (long)row * h;
                for (int j = first; j < end; j += TV.Count)
                {
                    var hnv = TV.Load(p + 2 * h + j) + TV.Load(biasHn + j);
                    TV.Store(hnv, hn + j);
                    TV.Store(TV.Load(g + 2 * h + j) + TV.Load(g + j) * hnv, g + 2 * h + j);
                }
                return;
            }
            float* hp = hiddenPrevious + (long)row * h, hr = hidden + (long)row * h;
            for (int j = first; j < end; j += TV.Count)
            {
                var n = TV.Load(g + 2 * h + j);
                TV.Store(n + TV.Load(g + h + j) * (TV.Load(hp + j) - n), hr + j);
            }
        }
    }

    private readonly unsafe struct GruBackward(float* gates, float* gateGradients, float* hiddenProducts, float* hiddenPrevious, float* hiddenGradient, int h)
        : ICellRow
    {
        public int Passes => 1;

        public void Activate(int row, int pass)
        {
        }

        public void Run<TV>(int row, int pass, int first, int end) where TV : struct, ISimdVector<TV>
        {
            float* g = gates + (long)row * 3 * h, dg = gateGradients + (long)row * 3 * h, hn = hiddenProducts + (long)row * h;
            float* hp = hiddenPrevious + (long)row * h, dh = hiddenGradient + (long)row * h;
            var one = TV.Broadcast(1f);
            for (int j = first; j < end; j += TV.Count)
            {
                var r = TV.Load(g + j);
                var z = TV.Load(g + h + j);
                var n = TV.Load(g + 2 * h + j);
                var dhv = TV.Load(dh + j);
                var dn = dhv * (one - z) * (one - n * n);
                var dr = dn * TV.Load(hn + j) * r * (one - r);
                var dz = dhv * (TV.Load(hp + j) - n) * z * (one - z);
                TV.Store(dr, g + j);
                TV.Store(dz, g + h + j);
                TV.Store(dn, g + 2 * h + j);
                TV.Store(dr, dg + j);
                TV.Store(dz, dg + h + j);
                TV.Store(dn * r, dg + 2 * h + j);
                TV.Store(dhv * z, dh + j);
            }
        }
    }

    private static void Check(int length, int lengthOther, int needed, string kernel)
    {
        if (length < needed || lengthOther < needed)
            throw new ArgumentException($"{kernel} needs spans of at least {needed} floats, but got {Math.Min(length, lengthOther)}.");
    }

    private static void CheckAll(int needed, string kernel, params ReadOnlySpan<int> lengths)
    {
        foreach (int length in lengths)
        {
            if (length < needed) throw new ArgumentException($"{kernel} needs state spans of at least {needed} floats, but got {length}.");
        }
    }
}
