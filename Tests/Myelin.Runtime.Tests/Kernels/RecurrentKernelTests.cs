using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>
/// The recurrent kernels against double-precision references. The cell forwards are PyTorch's formulas written out in
/// double; the cell backwards are checked against central differences (h = 1e-6) of that double forward under the loss
/// <c>L = Σ dh·h (+ Σ dc·c)</c>, so a sign, a gate order or a missing term fails independently of the formulas the
/// kernels use. Hidden sizes 1, 8, 13 and 19 cover the 8-lane SIMD loop, its scalar tail and a scalar-only row.
/// Tolerance: 1e-5 relative for the forward values, 1e-4 (of 1 + |expected|) for the gradients.
/// </summary>
public sealed class RecurrentKernelTests
{
    private const int Batch = 3;
    private const double Step = 1e-6;

    public static TheoryData<int> HiddenSizes => new() { 1, 8, 13, 19 };

    [Theory]
    [MemberData(nameof(HiddenSizes))]
    public void The_LSTM_cell_forward_applies_gates_i_f_g_o_as_PyTorch(int hidden)
    {
        var random = new SeededRandom(hidden);
        var z = KernelTesting.RandomArray(Batch * 4 * hidden, ref random, 3f);
        var cellPrevious = KernelTesting.RandomArray(Batch * hidden, ref random, 2f);
        var (gates, cell, cellTanh, state) = RunLstmForward(z, cellPrevious, hidden);

        for (int b = 0; b < Batch; b++)
        {
            var (hExpected, cExpected) = LstmReference(Doubles(z, b * 4 * hidden, 4 * hidden), Doubles(cellPrevious, b * hidden, hidden), hidden);
            for (int j = 0; j < hidden; j++)
            {
                int s = b * hidden + j, g = b * 4 * hidden + j;
                Near(Sigmoid(z[g]), gates[g], 1e-5, $"i[{b},{j}]");
                Near(Sigmoid(z[g + hidden]), gates[g + hidden], 1e-5, $"f[{b},{j}]");
                Near(Math.Tanh(z[g + 2 * hidden]), gates[g + 2 * hidden], 1e-5, $"g[{b},{j}]");
                Near(Sigmoid(z[g + 3 * hidden]), gates[g + 3 * hidden], 1e-5, $"o[{b},{j}]");
                Near(cExpected[j], cell[s], 1e-5, $"c[{b},{j}]");
                Near(Math.Tanh(cExpected[j]), cellTanh[s], 1e-5, $"tanh(c)[{b},{j}]");
                Near(hExpected[j], state[s], 1e-5, $"h[{b},{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(HiddenSizes))]
    public void The_LSTM_cell_backward_equals_central_differences_of_the_double_forward(int hidden)
    {
        var random = new SeededRandom(100 + hidden);
        var z = KernelTesting.RandomArray(Batch * 4 * hidden, ref random, 3f);
        var cellPrevious = KernelTesting.RandomArray(Batch * hidden, ref random, 2f);
        var dh = KernelTesting.RandomArray(Batch * hidden, ref random);
        var dcNext = KernelTesting.RandomArray(Batch * hidden, ref random);
        var (gates, _, cellTanh, _) = RunLstmForward(z, cellPrevious, hidden);
        var cellGradient = (float[])dcNext.Clone();

        RecurrentKernels.LstmCellBackward(gates, cellPrevious, cellTanh, dh, cellGradient, Batch, hidden);

        for (int b = 0; b < Batch; b++)
        {
            var zRow = Doubles(z, b * 4 * hidden, 4 * hidden);
            var cpRow = Doubles(cellPrevious, b * hidden, hidden);
            var dhRow = Doubles(dh, b * hidden, hidden);
            var dcRow = Doubles(dcNext, b * hidden, hidden);
            double Loss()
            {
                var (h, c) = LstmReference(zRow, cpRow, hidden);
                return Dot(dhRow, h) + Dot(dcRow, c);
            }
            for (int k = 0; k < 4 * hidden; k++)
                Near(CentralDifference(zRow, k, Loss), gates[b * 4 * hidden + k], 1e-4, $"dLoss/dz[{b},{k}]");
            for (int j = 0; j < hidden; j++)
                Near(CentralDifference(cpRow, j, Loss), cellGradient[b * hidden + j], 1e-4, $"dLoss/dc_prev[{b},{j}]");
        }
    }

    [Theory]
    [MemberData(nameof(HiddenSizes))]
    public void The_GRU_cell_forward_keeps_b_hn_inside_the_reset_gate(int hidden)
    {
        var random = new SeededRandom(200 + hidden);
        var (inputs, products, biasHn, previous) = GruOperands(ref random, hidden);
        var (gates, hiddenProducts, state) = RunGruForward(inputs, products, biasHn, previous, hidden);

        for (int b = 0; b < Batch; b++)
        {
            var expected = GruReference(Doubles(inputs, b * 3 * hidden, 3 * hidden), Doubles(products, b * 3 * hidden, 3 * hidden),
                Doubles(biasHn, 0, hidden), Doubles(previous, b * hidden, hidden), hidden);
            for (int j = 0; j < hidden; j++)
            {
                int g = b * 3 * hidden + j;
                double r = Sigmoid((double)inputs[g] + products[g]);
                Near(r, gates[g], 1e-5, $"r[{b},{j}]");
                Near(Sigmoid((double)inputs[g + hidden] + products[g + hidden]), gates[g + hidden], 1e-5, $"z[{b},{j}]");
                Near(Math.Tanh(inputs[g + 2 * hidden] + r * ((double)products[g + 2 * hidden] + biasHn[j])), gates[g + 2 * hidden], 1e-5, $"n[{b},{j}]");
                Near((double)products[g + 2 * hidden] + biasHn[j], hiddenProducts[b * hidden + j], 1e-5, $"W_hn h + b_hn[{b},{j}]");
                Near(expected[j], state[b * hidden + j], 1e-5, $"h[{b},{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(HiddenSizes))]
    public void The_GRU_cell_backward_equals_central_differences_of_the_double_forward(int hidden)
    {
        var random = new SeededRandom(300 + hidden);
        var (inputs, products, biasHn, previous) = GruOperands(ref random, hidden);
        var dh = KernelTesting.RandomArray(Batch * hidden, ref random);
        var (gates, hiddenProducts, _) = RunGruForward(inputs, products, biasHn, previous, hidden);
        var hiddenGradient = (float[])dh.Clone();
        var hiddenGateGradients = new float[Batch * 3 * hidden];

        RecurrentKernels.GruCellBackward(gates, hiddenProducts, previous, hiddenGradient, hiddenGateGradients, Batch, hidden);

        for (int b = 0; b < Batch; b++)
        {
            var x = Doubles(inputs, b * 3 * hidden, 3 * hidden);
            var p = Doubles(products, b * 3 * hidden, 3 * hidden);
            var bn = Doubles(biasHn, 0, hidden);
            var hp = Doubles(previous, b * hidden, hidden);
            var dhRow = Doubles(dh, b * hidden, hidden);
            double Loss() => Dot(dhRow, GruReference(x, p, bn, hp, hidden));
            for (int k = 0; k < 3 * hidden; k++)
            {
                Near(CentralDifference(x, k, Loss), gates[b * 3 * hidden + k], 1e-4, $"dLoss/d(input projection)[{b},{k}]");
                // The products enter without bias, b_hn right next to W_hn h: both have dLoss/d(h W_hh^T + b_hh).
                Near(CentralDifference(p, k, Loss), hiddenGateGradients[b * 3 * hidden + k], 1e-4, $"dLoss/d(h W_hh^T + b_hh)[{b},{k}]");
            }
            // With the products held fixed, h_prev reaches h only through z * h_prev: the direct part of dLoss/dh_prev.
            for (int j = 0; j < hidden; j++)
                Near(CentralDifference(hp, j, Loss), hiddenGradient[b * hidden + j], 1e-4, $"direct dLoss/dh_prev[{b},{j}]");
        }
    }

    [Fact]
    public void Time_major_reordering_round_trips_and_writes_one_direction_into_its_columns()
    {
        const int batch = 2, steps = 3, features = 4, width = 10, offset = 5;
        var random = new SeededRandom(7);
        var batchMajor = KernelTesting.RandomArray(batch * steps * features, ref random);
        var timeMajor = new float[batch * steps * features];
        RecurrentKernels.ToTimeMajor(batchMajor, timeMajor, batch, steps, features);
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                for (int f = 0; f < features; f++)
                    Assert.Equal(batchMajor[(b * steps + t) * features + f], timeMajor[(t * batch + b) * features + f]);
            }
        }

        var wide = KernelTesting.RandomArray(batch * steps * width, ref random);
        var before = (float[])wide.Clone();
        RecurrentKernels.FromTimeMajor(timeMajor, wide, batch, steps, features, width, offset, accumulate: true);
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                for (int c = 0; c < width; c++)
                {
                    int i = (b * steps + t) * width + c;
                    float added = c >= offset && c < offset + features ? batchMajor[(b * steps + t) * features + c - offset] : 0f;
                    Assert.Equal(before[i] + added, wide[i]);
                }
            }
        }
    }

    [Fact]
    public void AddStep_adds_one_step_of_one_direction_to_the_running_state_gradient()
    {
        const int batch = 2, steps = 3, features = 4, width = 8, offset = 4, step = 1;
        var random = new SeededRandom(8);
        var sequence = KernelTesting.RandomArray(batch * steps * width, ref random);
        var target = KernelTesting.RandomArray(batch * features, ref random);
        var before = (float[])target.Clone();
        RecurrentKernels.AddStep(sequence, target, batch, step, steps, features, width, offset);
        for (int b = 0; b < batch; b++)
        {
            for (int f = 0; f < features; f++)
                Assert.Equal(before[b * features + f] + sequence[(b * steps + step) * width + offset + f], target[b * features + f]);
        }
    }

    [Fact]
    public void AddBiases_adds_the_hidden_bias_only_to_its_leading_columns()
    {
        // The GRU passes b_hr and b_hz only: b_hn stays inside r * (W_hn h + b_hn).
        const int rows = 2, columns = 6;
        var random = new SeededRandom(9);
        var gates = KernelTesting.RandomArray(rows * columns, ref random);
        var biasIh = KernelTesting.RandomArray(columns, ref random);
        var biasHh = KernelTesting.RandomArray(4, ref random);
        var before = (float[])gates.Clone();
        RecurrentKernels.AddBiases(gates, biasIh, biasHh, rows, columns);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
                Assert.Equal(before[r * columns + c] + biasIh[c] + (c < biasHh.Length ? biasHh[c] : 0f), gates[r * columns + c], 1e-6f);
        }
    }

    [Fact]
    public void The_kernels_refuse_spans_too_short_for_their_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            RecurrentKernels.LstmCellForward(new float[4 * 8], new float[8], new float[8], new float[8], new float[7], 1, 8));
        Assert.Contains("LstmCellForward", error.Message);
        Assert.Throws<ArgumentException>(() => RecurrentKernels.ToTimeMajor(new float[5], new float[6], 1, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecurrentKernels.AddStep(new float[12], new float[2], 1, 3, 3, 2, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            RecurrentKernels.FromTimeMajor(new float[6], new float[12], 1, 3, 2, 4, 3, accumulate: false));
    }

    private static (float[] Gates, float[] Cell, float[] CellTanh, float[] Hidden) RunLstmForward(float[] z, float[] cellPrevious, int hidden)
    {
        var gates = (float[])z.Clone();
        var cell = new float[Batch * hidden];
        var cellTanh = new float[Batch * hidden];
        var state = new float[Batch * hidden];
        RecurrentKernels.LstmCellForward(gates, cellPrevious, cell, cellTanh, state, Batch, hidden);
        return (gates, cell, cellTanh, state);
    }

    // A GRU step's operands: the input projection and the hidden products (both [Batch, 3 * hidden]), b_hn, h_prev.
    private static (float[] Inputs, float[] Products, float[] BiasHn, float[] Previous) GruOperands(ref SeededRandom random, int hidden) =>
        (KernelTesting.RandomArray(Batch * 3 * hidden, ref random, 2f), KernelTesting.RandomArray(Batch * 3 * hidden, ref random, 2f),
            KernelTesting.RandomArray(hidden, ref random), KernelTesting.RandomArray(Batch * hidden, ref random));

    private static (float[] Gates, float[] HiddenProducts, float[] Hidden) RunGruForward(float[] inputs, float[] products, float[] biasHn, float[] previous,
        int hidden)
    {
        var gates = (float[])inputs.Clone();
        var hiddenProducts = new float[Batch * hidden];
        var state = new float[Batch * hidden];
        RecurrentKernels.GruCellForward(gates, products, biasHn, previous, hiddenProducts, state, Batch, hidden);
        return (gates, hiddenProducts, state);
    }

    // PyTorch's LSTM cell in double for one sample: z = [z_i, z_f, z_g, z_o], c = σ(z_f) c_prev + σ(z_i) tanh(z_g),
    // h = σ(z_o) tanh(c).
    private static (double[] H, double[] C) LstmReference(double[] z, double[] cellPrevious, int hidden)
    {
        var h = new double[hidden];
        var c = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            c[j] = Sigmoid(z[hidden + j]) * cellPrevious[j] + Sigmoid(z[j]) * Math.Tanh(z[2 * hidden + j]);
            h[j] = Sigmoid(z[3 * hidden + j]) * Math.Tanh(c[j]);
        }
        return (h, c);
    }

    // PyTorch's GRU cell in double for one sample, from the input projection x (b_ir, b_iz already in), the hidden
    // products p = h_prev W_hh^T (no bias) and b_hn: r = σ(x_r + p_r), z = σ(x_z + p_z), n = tanh(x_n + r (p_n + b_hn)),
    // h = (1 - z) n + z h_prev.
    private static double[] GruReference(double[] x, double[] p, double[] biasHn, double[] previous, int hidden)
    {
        var h = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double r = Sigmoid(x[j] + p[j]);
            double z = Sigmoid(x[hidden + j] + p[hidden + j]);
            double n = Math.Tanh(x[2 * hidden + j] + r * (p[2 * hidden + j] + biasHn[j]));
            h[j] = (1 - z) * n + z * previous[j];
        }
        return h;
    }

    private static double CentralDifference(double[] values, int index, Func<double> loss)
    {
        double saved = values[index];
        values[index] = saved + Step;
        double plus = loss();
        values[index] = saved - Step;
        double minus = loss();
        values[index] = saved;
        return (plus - minus) / (2 * Step);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static double[] Doubles(float[] values, int start, int count) => values.Skip(start).Take(count).Select(v => (double)v).ToArray();

    private static void Near(double expected, float actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * (1 + Math.Abs(expected)), $"{what}: {actual}, expected {expected}");
}
