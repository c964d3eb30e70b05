using System.Text;

namespace Myelin.Generator.Tests.Reference;

/// <summary>The recurrent cells, as the reference knows them.</summary>
internal enum RefCell
{
    SimpleRNN,
    LSTM,
    GRU,
}

/// <summary>
/// <c>[SimpleRNN(units, activation)]</c>, <c>[LSTM(units)]</c> or <c>[GRU(units)]</c>, with <c>ReturnSequences</c> and
/// <c>Bidirectional</c>: PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c>, <c>nn.GRU</c> with <c>batch_first=True</c>, one layer.
/// Reads <c>[steps, features]</c>; writes <c>[steps, directions * units]</c> or <c>[directions * units]</c>.
/// </summary>
internal sealed record RefRecurrent(RefCell Cell, int Units, Activation Activation = Activation.Tanh, bool ReturnSequences = false,
    bool Bidirectional = false, string? Name = null) : RefLayer(Name)
{
    public override string NamePrefix => Cell switch
    {
        RefCell.LSTM => "lstm",
        RefCell.GRU => "gru",
        _ => "rnn",
    };

    /// <summary>Gate blocks stacked in the weights: 1, 4 (i, f, g, o) or 3 (r, z, n).</summary>
    public int Gates => Cell switch
    {
        RefCell.LSTM => 4,
        RefCell.GRU => 3,
        _ => 1,
    };

    public int Directions => Bidirectional ? 2 : 1;

    public override string ToAttribute()
    {
        var text = new StringBuilder(Cell.ToString()).Append('(').Append(RefNetwork.Int(Units));
        if (Cell == RefCell.SimpleRNN && Activation != Activation.Tanh) text.Append(", Activation.").Append(Activation);
        if (ReturnSequences) text.Append(", ReturnSequences = true");
        if (Bidirectional) text.Append(", Bidirectional = true");
        return WithName(text.ToString(), hasArguments: true);
    }

    public override int[] OutputShape(int[] input) =>
        ReturnSequences ? new[] { input[0], Directions * Units } : new[] { Directions * Units };

    /// <summary>PyTorch's <c>named_parameters</c> order: weight_ih, weight_hh, bias_ih, bias_hh, then the <c>_reverse</c> set.</summary>
    public override IEnumerable<RefTensorSpec> Tensors(string name, int layerIndex, int[] input)
    {
        int rows = Gates * Units;
        foreach (string suffix in Bidirectional ? new[] { "_l0", "_l0_reverse" } : new[] { "_l0" })
        {
            yield return new RefTensorSpec(name + ".weight_ih" + suffix, layerIndex, new[] { rows, input[1] }, TensorKind.Parameter);
            yield return new RefTensorSpec(name + ".weight_hh" + suffix, layerIndex, new[] { rows, Units }, TensorKind.Parameter);
            yield return new RefTensorSpec(name + ".bias_ih" + suffix, layerIndex, new[] { rows }, TensorKind.Parameter);
            yield return new RefTensorSpec(name + ".bias_hh" + suffix, layerIndex, new[] { rows }, TensorKind.Parameter);
        }
    }
}

/// <summary>The geometry of a recurrent layer: its cell, steps, input features, hidden size and output layout.</summary>
internal sealed record RecurrentGeometry(RefCell Cell, Activation Activation, int Steps, int Features, int Hidden, bool ReturnSequences, int Directions)
{
    public int Gates => Cell switch
    {
        RefCell.LSTM => 4,
        RefCell.GRU => 3,
        _ => 1,
    };

    /// <summary>The columns of one output row: directions * hidden.</summary>
    public int Width => Directions * Hidden;
}

/// <summary>The weights of one direction, PyTorch's layouts: <c>W_ih [G*H, in]</c>, <c>W_hh [G*H, H]</c>, biases <c>[G*H]</c>.</summary>
internal sealed record RecurrentWeights(double[] WeightIh, double[] WeightHh, double[] BiasIh, double[] BiasHh);

/// <summary>
/// Recurrent layers in plain double loops, sample by sample and step by step, with PyTorch's formulas:
/// <list type="bullet">
/// <item>RNN: <c>h = f(W_ih x + b_ih + W_hh h_prev + b_hh)</c>.</item>
/// <item>LSTM: <c>i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h_prev + b_hh)</c>, <c>c = f c_prev + i g</c>, <c>h = o tanh(c)</c>.</item>
/// <item>GRU: <c>r, z = σ(W_i x + b_i + W_h h_prev + b_h)</c>, <c>n = tanh(W_in x + b_in + r (W_hn h_prev + b_hn))</c>, <c>h = (1 - z) n + z h_prev</c>.</item>
/// </list>
/// The reverse direction runs from the last step to the first; with ReturnSequences its state after step t goes to
/// position t, else its state after step 0 is its output (PyTorch's <c>h_n</c>). Backward is hand-written BPTT.
/// </summary>
internal static class ReferenceRecurrent
{
    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>What one direction's forward pass keeps for backward, per sample and step (in processing order).</summary>
    internal sealed class DirectionCache(int batch, int steps)
    {
        /// <summary>[batch][t]: the state before the step.</summary>
        public double[][][] PreviousH { get; } = Jagged(batch, steps);

        public double[][][] PreviousC { get; } = Jagged(batch, steps);

        /// <summary>[batch][t]: gate activations (LSTM i, f, g, o; GRU r, z, n; RNN the pre-activation).</summary>
        public double[][][] Gates { get; } = Jagged(batch, steps);

        /// <summary>[batch][t]: the cell state (LSTM) or W_hn h_prev + b_hn (GRU).</summary>
        public double[][][] Extra { get; } = Jagged(batch, steps);

        private static double[][][] Jagged(int batch, int steps) =>
            Enumerable.Range(0, batch).Select(_ => new double[steps][]).ToArray();
    }

    /// <summary>The step a direction processes at position <paramref name="k"/> of its order.</summary>
    private static int StepAt(int k, int steps, bool reverse) => reverse ? steps - 1 - k : k;

    /// <summary>y = the layer on x [batch, steps, features]; returns one cache per direction.</summary>
    public static DirectionCache[] Forward(double[] x, IReadOnlyList<RecurrentWeights> weights, double[] y, int batch, RecurrentGeometry g)
    {
        var caches = new DirectionCache[g.Directions];
        for (int d = 0; d < g.Directions; d++)
        {
            var cache = caches[d] = new DirectionCache(batch, g.Steps);
            var w = weights[d];
            for (int b = 0; b < batch; b++)
            {
                var h = new double[g.Hidden];
                var c = new double[g.Hidden];
                for (int k = 0; k < g.Steps; k++)
                {
                    int t = StepAt(k, g.Steps, d == 1);
                    cache.PreviousH[b][k] = (double[])h.Clone();
                    cache.PreviousC[b][k] = (double[])c.Clone();
                    var a = Affine(w.WeightIh, w.BiasIh, x, (b * g.Steps + t) * g.Features, g.Features, g.Gates * g.Hidden);
                    var r = Affine(w.WeightHh, w.BiasHh, h, 0, g.Hidden, g.Gates * g.Hidden);
                    (h, c, cache.Gates[b][k], cache.Extra[b][k]) = Cell(g, a, r, h, c);
                    if (g.ReturnSequences)
                        Array.Copy(h, 0, y, (b * g.Steps + t) * g.Width + d * g.Hidden, g.Hidden);
                }
                if (!g.ReturnSequences) Array.Copy(h, 0, y, b * g.Width + d * g.Hidden, g.Hidden);
            }
        }
        return caches;
    }

    /// <summary>W v[offset..offset+columns] + bias, W [rows, columns].</summary>
    private static double[] Affine(double[] weight, double[] bias, double[] v, int offset, int columns, int rows)
    {
        var result = new double[rows];
        for (int o = 0; o < rows; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < columns; i++) sum += weight[o * columns + i] * v[offset + i];
            result[o] = sum;
        }
        return result;
    }

    /// <summary>One step: from the input part a and the hidden part r of the pre-activations, the new h and c, the gates and the extra.</summary>
    private static (double[] H, double[] C, double[] Gates, double[] Extra) Cell(RecurrentGeometry g, double[] a, double[] r, double[] hPrev, double[] cPrev)
    {
        int n = g.Hidden;
        var h = new double[n];
        var c = new double[n];
        var gates = new double[g.Gates * n];
        var extra = new double[n];
        for (int j = 0; j < n; j++)
        {
            switch (g.Cell)
            {
                case RefCell.LSTM:
                    double i = Sigmoid(a[j] + r[j]), f = Sigmoid(a[n + j] + r[n + j]);
                    double gg = Math.Tanh(a[2 * n + j] + r[2 * n + j]), o = Sigmoid(a[3 * n + j] + r[3 * n + j]);
                    (gates[j], gates[n + j], gates[2 * n + j], gates[3 * n + j]) = (i, f, gg, o);
                    c[j] = f * cPrev[j] + i * gg;
                    extra[j] = c[j];
                    h[j] = o * Math.Tanh(c[j]);
                    break;
                case RefCell.GRU:
                    double reset = Sigmoid(a[j] + r[j]), update = Sigmoid(a[n + j] + r[n + j]);
                    double candidate = Math.Tanh(a[2 * n + j] + reset * r[2 * n + j]);
                    (gates[j], gates[n + j], gates[2 * n + j]) = (reset, update, candidate);
                    extra[j] = r[2 * n + j];
                    h[j] = (1 - update) * candidate + update * hPrev[j];
                    break;
                default:
                    gates[j] = a[j] + r[j];
                    h[j] = ReferenceLayers.Activate(g.Activation, 0, gates[j]);
                    break;
            }
        }
        return (h, c, gates, extra);
    }

    /// <summary>
    /// Backward through time: writes dx (=) and accumulates the weight gradients (+=) of every direction from dy,
    /// the gradient of the layer's output.
    /// </summary>
    public static void Backward(double[] x, double[] dy, double[] dx, IReadOnlyList<RecurrentWeights> weights, IReadOnlyList<RecurrentWeights> gradients,
        DirectionCache[] caches, int batch, RecurrentGeometry g)
    {
        Array.Clear(dx);
        int n = g.Hidden, rows = g.Gates * n;
        for (int d = 0; d < g.Directions; d++)
        {
            var (w, dw, cache) = (weights[d], gradients[d], caches[d]);
            for (int b = 0; b < batch; b++)
            {
                var dh = new double[n];
                var dc = new double[n];
                if (!g.ReturnSequences)
                    for (int j = 0; j < n; j++) dh[j] = dy[b * g.Width + d * n + j];
                for (int k = g.Steps - 1; k >= 0; k--)
                {
                    int t = StepAt(k, g.Steps, d == 1);
                    if (g.ReturnSequences)
                        for (int j = 0; j < n; j++) dh[j] += dy[(b * g.Steps + t) * g.Width + d * n + j];
                    var (hPrev, cPrev, gates, extra) = (cache.PreviousH[b][k], cache.PreviousC[b][k], cache.Gates[b][k], cache.Extra[b][k]);
                    // dA: dLoss/d(W_ih x + b_ih); dR: dLoss/d(W_hh h_prev + b_hh); dhPrev: the direct path to h_prev.
                    var dA = new double[rows];
                    var dR = new double[rows];
                    var dhPrev = new double[n];
                    for (int j = 0; j < n; j++)
                    {
                        switch (g.Cell)
                        {
                            case RefCell.LSTM:
                                double i = gates[j], f = gates[n + j], gg = gates[2 * n + j], o = gates[3 * n + j];
                                double tc = Math.Tanh(extra[j]);
                                double dcj = dc[j] + dh[j] * o * (1 - tc * tc);
                                dA[j] = dcj * gg * i * (1 - i);
                                dA[n + j] = dcj * cPrev[j] * f * (1 - f);
                                dA[2 * n + j] = dcj * i * (1 - gg * gg);
                                dA[3 * n + j] = dh[j] * tc * o * (1 - o);
                                dc[j] = dcj * f;
                                break;
                            case RefCell.GRU:
                                double reset = gates[j], update = gates[n + j], candidate = gates[2 * n + j];
                                double dn = dh[j] * (1 - update) * (1 - candidate * candidate);
                                dA[j] = dn * extra[j] * reset * (1 - reset);
                                dA[n + j] = dh[j] * (hPrev[j] - candidate) * update * (1 - update);
                                dA[2 * n + j] = dn;
                                dhPrev[j] = dh[j] * update;
                                break;
                            default:
                                dA[j] = dh[j] * ReferenceLayers.Derivative(g.Activation, 0, gates[j]);
                                break;
                        }
                    }
                    Array.Copy(dA, dR, rows);
                    if (g.Cell == RefCell.GRU)
                        for (int j = 0; j < n; j++) dR[2 * n + j] = dA[2 * n + j] * gates[j];
                    int xOffset = (b * g.Steps + t) * g.Features;
                    for (int o = 0; o < rows; o++)
                    {
                        dw.BiasIh[o] += dA[o];
                        dw.BiasHh[o] += dR[o];
                        for (int i = 0; i < g.Features; i++)
                        {
                            dw.WeightIh[o * g.Features + i] += dA[o] * x[xOffset + i];
                            dx[xOffset + i] += dA[o] * w.WeightIh[o * g.Features + i];
                        }
                        for (int i = 0; i < n; i++)
                        {
                            dw.WeightHh[o * n + i] += dR[o] * hPrev[i];
                            dhPrev[i] += dR[o] * w.WeightHh[o * n + i];
                        }
                    }
                    dh = dhPrev;
                }
            }
        }
    }
}
