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
/// eight lanes at a time with the activation operators' vector forms (<see cref="SigmoidOperator"/>,
/// <see cref="TanhOperator"/>) and the scalar forms on the tail, and allocate nothing.
/// </remarks>
public static class RecurrentKernels
{
    private static bool Vectorized => Vector256.IsHardwareAccelerated;

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
    public static void LstmCellForward(Span<float> gates, ReadOnlySpan<float> cellPrevious, Span<float> cell, Span<float> cellTanh, Span<float> hidden,
        int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 4 * h, batch * 4 * h, nameof(LstmCellForward));
        CheckAll(state, nameof(LstmCellForward), cellPrevious.Length, cell.Length, cellTanh.Length, hidden.Length);
        var sigmoid = new SigmoidOperator();
        var tanh = new TanhOperator();
        for (int b = 0; b < batch; b++)
        {
            ref float z = ref MemoryMarshal.GetReference(gates.Slice(b * 4 * h, 4 * h));
            ref float cp = ref MemoryMarshal.GetReference(cellPrevious.Slice(b * h, h));
            ref float c = ref MemoryMarshal.GetReference(cell.Slice(b * h, h));
            ref float tc = ref MemoryMarshal.GetReference(cellTanh.Slice(b * h, h));
            ref float hr = ref MemoryMarshal.GetReference(hidden.Slice(b * h, h));
            int j = 0;
            if (Vectorized)
            {
                for (; j + 8 <= h; j += 8)
                {
                    var i = sigmoid.Apply(Load(ref z, j));
                    var f = sigmoid.Apply(Load(ref z, h + j));
                    var g = tanh.Apply(Load(ref z, 2 * h + j));
                    var o = sigmoid.Apply(Load(ref z, 3 * h + j));
                    var cv = f * Load(ref cp, j) + i * g;
                    var t = tanh.Apply(cv);
                    Store(i, ref z, j);
                    Store(f, ref z, h + j);
                    Store(g, ref z, 2 * h + j);
                    Store(o, ref z, 3 * h + j);
                    Store(cv, ref c, j);
                    Store(t, ref tc, j);
                    Store(o * t, ref hr, j);
                }
            }
            for (; j < h; j++)
            {
                float i = sigmoid.Apply(At(ref z, j));
                float f = sigmoid.Apply(At(ref z, h + j));
                float g = tanh.Apply(At(ref z, 2 * h + j));
                float o = sigmoid.Apply(At(ref z, 3 * h + j));
                float cv = f * At(ref cp, j) + i * g;
                float t = tanh.Apply(cv);
                At(ref z, j) = i;
                At(ref z, h + j) = f;
                At(ref z, 2 * h + j) = g;
                At(ref z, 3 * h + j) = o;
                At(ref c, j) = cv;
                At(ref tc, j) = t;
                At(ref hr, j) = o * t;
            }
        }
    }

    /// <summary>
    /// One LSTM step backward. In: the step's gate activations i, f, g, o, the previous cell state, tanh(c), <c>dh</c> =
    /// dLoss/dh_t and <c>dc</c> = the part of dLoss/dc_t that flows back from step t + 1. With
    /// <c>dc_t = dc + dh * o * (1 - tanh²(c))</c>: the gates are overwritten with dLoss/dz, <c>dz_i = dc_t g i (1 - i)</c>,
    /// <c>dz_f = dc_t cPrev f (1 - f)</c>, <c>dz_g = dc_t i (1 - g²)</c>, <c>dz_o = dh tanh(c) o (1 - o)</c>, and
    /// <c>dc</c> with <c>dc_t * f</c>, its part of dLoss/dc_{t-1}.
    /// </summary>
    public static void LstmCellBackward(Span<float> gates, ReadOnlySpan<float> cellPrevious, ReadOnlySpan<float> cellTanh, ReadOnlySpan<float> hiddenGradient,
        Span<float> cellGradient, int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 4 * h, batch * 4 * h, nameof(LstmCellBackward));
        CheckAll(state, nameof(LstmCellBackward), cellPrevious.Length, cellTanh.Length, hiddenGradient.Length, cellGradient.Length);
        for (int b = 0; b < batch; b++)
        {
            ref float z = ref MemoryMarshal.GetReference(gates.Slice(b * 4 * h, 4 * h));
            ref float cp = ref MemoryMarshal.GetReference(cellPrevious.Slice(b * h, h));
            ref float tc = ref MemoryMarshal.GetReference(cellTanh.Slice(b * h, h));
            ref float dh = ref MemoryMarshal.GetReference(hiddenGradient.Slice(b * h, h));
            ref float dc = ref MemoryMarshal.GetReference(cellGradient.Slice(b * h, h));
            int j = 0;
            if (Vectorized)
            {
                var one = Vector256<float>.One;
                for (; j + 8 <= h; j += 8)
                {
                    var i = Load(ref z, j);
                    var f = Load(ref z, h + j);
                    var g = Load(ref z, 2 * h + j);
                    var o = Load(ref z, 3 * h + j);
                    var t = Load(ref tc, j);
                    var dhv = Load(ref dh, j);
                    var dct = Load(ref dc, j) + dhv * o * (one - t * t);
                    Store(dct * g * i * (one - i), ref z, j);
                    Store(dct * Load(ref cp, j) * f * (one - f), ref z, h + j);
                    Store(dct * i * (one - g * g), ref z, 2 * h + j);
                    Store(dhv * t * o * (one - o), ref z, 3 * h + j);
                    Store(dct * f, ref dc, j);
                }
            }
            for (; j < h; j++)
            {
                float i = At(ref z, j), f = At(ref z, h + j), g = At(ref z, 2 * h + j), o = At(ref z, 3 * h + j);
                float t = At(ref tc, j), dhv = At(ref dh, j);
                float dct = At(ref dc, j) + dhv * o * (1f - t * t);
                At(ref z, j) = dct * g * i * (1f - i);
                At(ref z, h + j) = dct * At(ref cp, j) * f * (1f - f);
                At(ref z, 2 * h + j) = dct * i * (1f - g * g);
                At(ref z, 3 * h + j) = dhv * t * o * (1f - o);
                At(ref dc, j) = dct * f;
            }
        }
    }

    /// <summary>
    /// One GRU step after its products, PyTorch's formulation. In: <c>gates</c> <c>[batch, 3 * hidden]</c>, the input
    /// projection <c>x · W_ihᵀ + b_ih</c> with <c>b_hr</c> and <c>b_hz</c> already added; <c>products</c> = <c>h_prev ·
    /// W_hhᵀ</c>, without bias. <c>r = σ(g_r + p_r)</c>, <c>z = σ(g_z + p_z)</c>, <c>hn = p_n + b_hn</c> (kept in
    /// <paramref name="hiddenProducts"/>), <c>n = tanh(g_n + r * hn)</c>, <c>h = (1 - z) * n + z * h_prev</c>. The gates are
    /// overwritten with r, z, n.
    /// </summary>
    public static void GruCellForward(Span<float> gates, ReadOnlySpan<float> products, ReadOnlySpan<float> biasHn, ReadOnlySpan<float> hiddenPrevious,
        Span<float> hiddenProducts, Span<float> hidden, int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellForward));
        Check(products.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellForward));
        Check(biasHn.Length, h, h, nameof(GruCellForward));
        CheckAll(state, nameof(GruCellForward), hiddenPrevious.Length, hiddenProducts.Length, hidden.Length);
        var sigmoid = new SigmoidOperator();
        var tanh = new TanhOperator();
        ref float bn = ref MemoryMarshal.GetReference(biasHn);
        for (int b = 0; b < batch; b++)
        {
            ref float g = ref MemoryMarshal.GetReference(gates.Slice(b * 3 * h, 3 * h));
            ref float p = ref MemoryMarshal.GetReference(products.Slice(b * 3 * h, 3 * h));
            ref float hp = ref MemoryMarshal.GetReference(hiddenPrevious.Slice(b * h, h));
            ref float hn = ref MemoryMarshal.GetReference(hiddenProducts.Slice(b * h, h));
            ref float hr = ref MemoryMarshal.GetReference(hidden.Slice(b * h, h));
            int j = 0;
            if (Vectorized)
            {
                for (; j + 8 <= h; j += 8)
                {
                    var r = sigmoid.Apply(Load(ref g, j) + Load(ref p, j));
                    var z = sigmoid.Apply(Load(ref g, h + j) + Load(ref p, h + j));
                    var hnv = Load(ref p, 2 * h + j) + Load(ref bn, j);
                    var n = tanh.Apply(Load(ref g, 2 * h + j) + r * hnv);
                    var previous = Load(ref hp, j);
                    Store(r, ref g, j);
                    Store(z, ref g, h + j);
                    Store(n, ref g, 2 * h + j);
                    Store(hnv, ref hn, j);
                    Store(n + z * (previous - n), ref hr, j);
                }
            }
            for (; j < h; j++)
            {
                float r = sigmoid.Apply(At(ref g, j) + At(ref p, j));
                float z = sigmoid.Apply(At(ref g, h + j) + At(ref p, h + j));
                float hnv = At(ref p, 2 * h + j) + At(ref bn, j);
                float n = tanh.Apply(At(ref g, 2 * h + j) + r * hnv);
                float previous = At(ref hp, j);
                At(ref g, j) = r;
                At(ref g, h + j) = z;
                At(ref g, 2 * h + j) = n;
                At(ref hn, j) = hnv;
                At(ref hr, j) = n + z * (previous - n);
            }
        }
    }

    /// <summary>
    /// One GRU step backward. In: the step's activations r, z, n, <c>hn = W_hn h_prev + b_hn</c>, <c>h_prev</c> and
    /// <paramref name="hiddenGradient"/> = dLoss/dh_t. With <c>dn = dh (1 - z) (1 - n²)</c>: the gates are overwritten
    /// with dLoss/d(input projection), <c>[dr, dz, dn]</c> where <c>dr = dn hn r (1 - r)</c> and
    /// <c>dz = dh (h_prev - n) z (1 - z)</c>; <paramref name="hiddenGateGradients"/> gets dLoss/d(h_prev · W_hhᵀ + b_hh),
    /// <c>[dr, dz, dn * r]</c>; and <paramref name="hiddenGradient"/> is overwritten with <c>dh * z</c>, the direct part of
    /// dLoss/dh_prev (the caller adds <c>hiddenGateGradients · W_hh</c>).
    /// </summary>
    public static void GruCellBackward(Span<float> gates, ReadOnlySpan<float> hiddenProducts, ReadOnlySpan<float> hiddenPrevious,
        Span<float> hiddenGradient, Span<float> hiddenGateGradients, int batch, int hiddenSize)
    {
        int h = hiddenSize, state = batch * h;
        Check(gates.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellBackward));
        Check(hiddenGateGradients.Length, batch * 3 * h, batch * 3 * h, nameof(GruCellBackward));
        CheckAll(state, nameof(GruCellBackward), hiddenProducts.Length, hiddenPrevious.Length, hiddenGradient.Length);
        for (int b = 0; b < batch; b++)
        {
            ref float g = ref MemoryMarshal.GetReference(gates.Slice(b * 3 * h, 3 * h));
            ref float dg = ref MemoryMarshal.GetReference(hiddenGateGradients.Slice(b * 3 * h, 3 * h));
            ref float hn = ref MemoryMarshal.GetReference(hiddenProducts.Slice(b * h, h));
            ref float hp = ref MemoryMarshal.GetReference(hiddenPrevious.Slice(b * h, h));
            ref float dh = ref MemoryMarshal.GetReference(hiddenGradient.Slice(b * h, h));
            int j = 0;
            if (Vectorized)
            {
                var one = Vector256<float>.One;
                for (; j + 8 <= h; j += 8)
                {
                    var r = Load(ref g, j);
                    var z = Load(ref g, h + j);
                    var n = Load(ref g, 2 * h + j);
                    var dhv = Load(ref dh, j);
                    var dn = dhv * (one - z) * (one - n * n);
                    var dr = dn * Load(ref hn, j) * r * (one - r);
                    var dz = dhv * (Load(ref hp, j) - n) * z * (one - z);
                    Store(dr, ref g, j);
                    Store(dz, ref g, h + j);
                    Store(dn, ref g, 2 * h + j);
                    Store(dr, ref dg, j);
                    Store(dz, ref dg, h + j);
                    Store(dn * r, ref dg, 2 * h + j);
                    Store(dhv * z, ref dh, j);
                }
            }
            for (; j < h; j++)
            {
                float r = At(ref g, j), z = At(ref g, h + j), n = At(ref g, 2 * h + j), dhv = At(ref dh, j);
                float dn = dhv * (1f - z) * (1f - n * n);
                float dr = dn * At(ref hn, j) * r * (1f - r);
                float dz = dhv * (At(ref hp, j) - n) * z * (1f - z);
                At(ref g, j) = dr;
                At(ref g, h + j) = dz;
                At(ref g, 2 * h + j) = dn;
                At(ref dg, j) = dr;
                At(ref dg, h + j) = dz;
                At(ref dg, 2 * h + j) = dn * r;
                At(ref dh, j) = dhv * z;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ref float origin, int offset) => Vector256.LoadUnsafe(ref origin, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> value, ref float origin, int offset) => value.StoreUnsafe(ref origin, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float At(ref float origin, int offset) => ref Unsafe.Add(ref origin, offset);

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
