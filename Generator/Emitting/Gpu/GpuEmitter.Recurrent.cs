using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Recurrent layers (SimpleRNN, LSTM, GRU), forward, as RecurrentOp plans them and the CPU network runs them: the input
// copied time-major by one kernel; per direction the input projection of every step as one tiled product with both
// biases in its epilogue, then per step one launch, a tiled product h_prev . W_hh^T with the cell (gates, cell and state
// update) in its epilogue; the output gathered from the states. The kernels are the op's, shared by its directions (each
// launch passes the direction's weights and arrays); the steps are launched one after the other, as each needs the last
// one's state. Backward is in GpuEmitter.RecurrentBackward.
internal static partial class GpuEmitter
{
    /// <summary>
    /// The shape constants of a recurrent op's kernels and host methods: <c>Gates</c> is every gate block, <c>Width</c>
    /// an output step's width (both directions), <c>Outputs</c> the output steps per sample (1 for the last state only).
    /// </summary>
    private static string RecurrentConstants(RecurrentOp op) =>
        $"const int Steps = {I(op.Steps)}, In = {I(op.Features)}, Hidden = {I(op.Hidden)}, Gates = {I(op.Gates * op.Hidden)}, "
        + $"Width = {I(op.OutputWidth)}, Outputs = {I(op.ReturnSequences ? op.Steps : 1)};";

    /// <summary>The element-wise index split into a hidden unit and the start of its sample's gate row: <c>j</c> and <c>at</c>.</summary>
    private const string GateIndex = "int j = i % Hidden, at = i / Hidden * Gates + j; // unit j of sample i / Hidden; its gate blocks at at + g * Hidden";

    /// <summary>A direction's tensors by role: the device views of W_ih, W_hh, b_ih, b_hh.</summary>
    private static (string WeightIh, string WeightHh, string BiasIh, string BiasHh) DirectionTensors(NetworkPlan plan, RecurrentDirection direction) =>
        (Tensor(plan.Tensors[direction.WeightIh]), Tensor(plan.Tensors[direction.WeightHh]),
            Tensor(plan.Tensors[direction.BiasIh]), Tensor(plan.Tensors[direction.BiasHh]));

    /// <summary>The kernel of a recurrent op called <paramref name="role"/>, as its loaded field: <c>_lstm1CellKernel</c>.</summary>
    private static string RecurrentKernel(RecurrentOp op, string role) => N.KernelField(op.Identifier + role);

    private static void AddRecurrentKernels(List<Kernel> kernels, NetworkPlan plan, RecurrentOp op)
    {
        string id = op.Identifier, constants = RecurrentConstants(op);
        kernels.Add(Elementwise(id + "ToTimeMajor", $"{op.Description}: inputs[Steps, batch, In] = x[batch, Steps, In], one thread per element.",
            new[] { Floats("x"), Floats("inputs"), Int("batch") },
            constants,
            "int f = i % In, row = i / In, b = row % batch, t = row / batch;",
            "inputs[i] = x[(b * Steps + t) * In + f];"));

        // The GRU's b_hn stays out of the projection: it is inside r * (W_hn h + b_hn).
        string HiddenBias(string n) => op.Cell == RecurrentKind.GRU ? $"({n} < 2 * Hidden ? biasHh[{n}] : 0f)" : $"biasHh[{n}]";
        kernels.Add(ProductKernel(id + "Projection",
            $"{op.Description}: gates[Steps * batch, Gates] = inputs . W_ih^T + b_ih + b_hh{(op.Cell == RecurrentKind.GRU ? " (b_hh of r and z only)" : "")}, every step's input projection in one tiled product.",
            new[] { Floats("inputs"), Floats("weightIh"), Floats("biasIh"), Floats("biasHh"), Floats("gates"), Int("batch") }, constants,
            new Product("Steps * batch", "Gates", "In",
                (m, k) => $"inputs[{m} * In + {k}]", AAlongDepth: true,
                (k, n) => $"weightIh[{n} * In + {k}]", BAlongColumns: false,
                (m, n, sum) => $"gates[{m} * Gates + {n}] = {sum} + biasIh[{n}] + {HiddenBias(n)};")));

        AddStepKernels(kernels, op, constants);

        kernels.Add(Elementwise(id + "Output",
            $"{op.Description}: y[b, t, offset + j] = the state after step t{(op.ReturnSequences ? "" : " (the last one of the direction)")}, one thread per element of the time-major states.",
            new[] { Floats("states"), Floats("y"), Int("batch"), Int("offset") },
            constants,
            "int j = i % Hidden, row = i / Hidden, b = row % batch, t = row / batch;",
            "y[(b * Outputs + t) * Width + offset + j] = states[i];"));
        if (plan.HasBackward(op)) AddRecurrentBackwardKernels(kernels, op, constants);
    }

    /// <summary>
    /// One step forward, one launch: the tiled product <c>h_prev[batch, Hidden] . W_hh^T</c> whose epilogue is the cell.
    /// The SimpleRNN's epilogue is element-wise (z = gates + sum, kept; h = f(z)). For the LSTM and the GRU the product's
    /// columns are the gates interleaved per hidden unit, <c>v = 4 * unit + gate</c> (the GRU's fourth column is zero), so
    /// that a tile holds every gate of its units; the tile's sums go through shared memory and one thread per (sample,
    /// unit) applies the gates and updates the cell and the state, keeping the activations over the pre-activations.
    /// </summary>
    private static void AddStepKernels(List<Kernel> kernels, RecurrentOp op, string constants)
    {
        string id = op.Identifier, name = id + "Step";
        string loadA(string m, string k) => $"previous[{m} * Hidden + {k}]";
        if (op.Cell == RecurrentKind.SimpleRNN)
        {
            string store = id + "StepStore";
            kernels.Add(ProductKernel(name,
                $"One step of {op.Description}: z = step + h_prev . W_hh^T kept in step, h = {op.Activation}(z) in the epilogue, tiled (rows: samples, columns: hidden units, depth: hidden units).",
                new[] { Floats("previous"), Floats("weightHh"), Floats("step"), Floats("next"), Int("batch") }, constants,
                new Product("batch", "Gates", "Hidden",
                    loadA, AAlongDepth: true,
                    (k, n) => $"weightHh[{n} * Hidden + {k}]", BAlongColumns: false,
                    (m, n, sum) => $"{store}(step, next, {m}, {n}, {sum});")));
            kernels.Add(new Kernel(store, $"{id}'s step epilogue: z = step[b, o] + sum, kept for backward; h[b, o] = {op.Activation}(z).", grouped: false,
                new[] { Floats("step"), Floats("next"), Int("b"), Int("o"), new Parameter("float", "sum") }, w =>
                {
                    w.Line(constants);
                    w.Line("float z = step[b * Gates + o] + sum;");
                    w.Line("step[b * Gates + o] = z;");
                    w.Line($"next[b * Hidden + o] = {Activate(op.Activation, 0f, "z")};");
                }, returnType: "void"));
            return;
        }

        bool lstm = op.Cell == RecurrentKind.LSTM;
        string sigmoid(string z) => Activate(ActivationKind.Sigmoid, 0f, z);
        string tanh(string z) => Activate(ActivationKind.Tanh, 0f, z);
        // Virtual column v is gate v % 4 of unit v / 4: row (gate * Hidden + unit) of W_hh.
        string loadB(string k, string n) => lstm
            ? $"weightHh[(({n} % 4) * Hidden + {n} / 4) * Hidden + {k}]"
            : $"({n} % 4 < 3 ? weightHh[(({n} % 4) * Hidden + {n} / 4) * Hidden + {k}] : 0f)";
        var cell = lstm
            ? new[]
            {
                "float zi = step[at] + tileC[sums], zf = step[at + Hidden] + tileC[sums + 1], zg = step[at + 2 * Hidden] + tileC[sums + 2], zo = step[at + 3 * Hidden] + tileC[sums + 3];",
                $"float input = {sigmoid("zi")}, forget = {sigmoid("zf")}, candidate = {tanh("zg")}, output = {sigmoid("zo")};",
                "float c = forget * cellPrevious[i] + input * candidate;",
                $"float tc = {tanh("c")};",
                "step[at] = input;",
                "step[at + Hidden] = forget;",
                "step[at + 2 * Hidden] = candidate;",
                "step[at + 3 * Hidden] = output;",
                "cell[i] = c;",
                "cellTanh[i] = tc;",
                "hidden[i] = output * tc;",
            }
            : new[]
            {
                "float zr = step[at] + tileC[sums], zz = step[at + Hidden] + tileC[sums + 1];",
                $"float reset = {sigmoid("zr")}, update = {sigmoid("zz")};",
                "float hn = tileC[sums + 2] + biasHh[2 * Hidden + u];",
                "float zn = step[at + 2 * Hidden] + reset * hn;",
                $"float candidate = {tanh("zn")};",
                "step[at] = reset;",
                "step[at + Hidden] = update;",
                "step[at + 2 * Hidden] = candidate;",
                "hiddenProducts[i] = hn;",
                "hidden[i] = candidate + update * (previous[i] - candidate);",
            };
        var parameters = lstm
            ? new[] { Floats("previous"), Floats("weightHh"), Floats("step"), Floats("cellPrevious"), Floats("cell"), Floats("cellTanh"), Floats("hidden"), Int("batch") }
            : new[] { Floats("previous"), Floats("weightHh"), Floats("step"), Floats("biasHh"), Floats("hiddenProducts"), Floats("hidden"), Int("batch") };
        string summary = lstm
            ? "i, f, g, o = σ, σ, tanh, σ of gates + h_prev . W_hh^T (kept over the gates), c = f c_prev + i g, h = o tanh(c)"
            : "r, z = σ(gates + h_prev . W_h^T), hn = h_prev . W_hn^T + b_hn, n = tanh(gates_n + r hn), h = (1 - z) n + z h_prev; r, z, n kept over the gates";
        kernels.Add(ProductKernel(name,
            $"One step of {op.Description}: {summary}; a tiled product over the gates interleaved per unit (rows: samples, columns: 4 per hidden unit, depth: hidden units) with the cell in its epilogue.",
            parameters, constants,
            new Product("batch", "4 * Hidden", "Hidden", loadA, AAlongDepth: true, loadB, BAlongColumns: false, Store: null)
            {
                TileEpilogue = w =>
                {
                    w.Line("// The cell: one thread per (sample, unit) of the tile, its gate sums at tileC[mm, 4 * uu + gate].");
                    using (w.Block("for (int l = thread; l < tileRows * (tileColumns / 4); l += threads)"))
                    {
                        w.Line("int mm = l / (tileColumns / 4), uu = l % (tileColumns / 4);");
                        w.Line("int m = row0 + mm, u = column0 / 4 + uu;");
                        w.Line("if (m >= rows || u >= Hidden) continue;");
                        w.Line("int i = m * Hidden + u, at = m * Gates + u, sums = mm * Side + 4 * uu; // the state, the gate row, the sums");
                        foreach (string line in cell) w.Line(line);
                    }
                },
            }));
    }

    // ---- Host ----

    /// <summary>The slots of the states a direction's step t reads (<c>previous</c>) and writes (<c>next</c>), as RecurrentOp lays them out.</summary>
    private static string Slots(RecurrentDirection direction, bool previous, bool next)
    {
        var slots = new List<string>();
        if (previous) slots.Add(direction.Reverse ? "previous = (t + 1) * state" : "previous = t * state");
        if (next) slots.Add(direction.Reverse ? "next = t * state" : "next = (t + 1) * state");
        return $"int {string.Join(", ", slots)};";
    }

    /// <summary>The order a direction's steps run in: forward in time, or backward for the reverse direction (and both swapped in the backward pass).</summary>
    private static string Steps(RecurrentDirection direction, bool backward) => direction.Reverse != backward
        ? "for (int t = Steps - 1; t >= 0; t--)"
        : "for (int t = 0; t < Steps; t++)";

    private static void WriteRecurrentHost(CodeWriter w, NetworkPlan plan, RecurrentOp op)
    {
        string id = op.Identifier, constants = RecurrentConstants(op);
        string inputs = N.RecurrentInputsField(id);
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: the input time-major, each direction, then the output from the states.</summary>");
        using (w.Block($"private void {N.ForwardMethod(id)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line(constants);
                w.Line("int state = batch * Hidden;");
                w.Line($"{RecurrentKernel(op, "ToTimeMajor")}(batch * Steps * In, {Value(plan, op.Input.Value)}, {inputs}, batch);");
                foreach (var direction in op.Directions) w.Line($"{N.ForwardMethod(N.RecurrentDirectionStem(id, direction.Suffix))}(batch);");
                for (int d = 0; d < op.Directions.Count; d++)
                {
                    var direction = op.Directions[d];
                    // Every step's state from slot 1 (forward) or 0 (reverse); only the last: slot Steps (forward) or 0 (reverse).
                    string first = direction.Reverse ? "0" : op.ReturnSequences ? "state" : "Steps * state";
                    w.Line($"// y[:, :, {(d == 0 ? "0" : "Hidden")}..] = the {(direction.Reverse ? "reverse" : "forward")} direction's {(op.ReturnSequences ? "states of every step" : "last state")}");
                    w.Line($"{RecurrentKernel(op, "Output")}(Outputs * state, {N.RecurrentStatesField(id, direction.Suffix)}.SubView({first}, Outputs * state), {Value(plan, op.Output)}, batch, {(d == 0 ? "0" : "Hidden")});");
                }
            });
        }
        w.Line();
        foreach (var direction in op.Directions) WriteRecurrentDirectionHost(w, plan, op, direction, constants);
        if (plan.HasBackward(op)) WriteRecurrentBackwardHost(w, plan, op, constants);
    }

    private static void WriteRecurrentDirectionHost(CodeWriter w, NetworkPlan plan, RecurrentOp op, RecurrentDirection direction, string constants)
    {
        string id = op.Identifier, s = direction.Suffix;
        var (weightIh, weightHh, biasIh, biasHh) = DirectionTensors(plan, direction);
        string gates = N.RecurrentGatesField(id, s), states = N.RecurrentStatesField(id, s), cells = N.RecurrentCellsField(id, s);
        string zero = direction.Reverse ? "Steps * state" : "0";
        w.Line($"/// <summary>{CodeWriter.Xml(plan.Layers[op.OwnerLayer].Name)}, {(direction.Reverse ? "reverse direction (steps Steps-1 down to 0)" : "forward direction")}: the input projection of every step, then the steps.</summary>");
        using (w.Block($"private void {N.ForwardMethod(N.RecurrentDirectionStem(id, s))}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line(constants);
                w.Line("int state = batch * Hidden;");
                w.Line($"{RecurrentKernel(op, "Projection")}({TileLaunch("Steps * batch", "Gates")}, {N.RecurrentInputsField(id)}, {weightIh}, {biasIh}, {biasHh}, {gates}, batch);");
                w.Line($"// The zero initial state{(op.Cell == RecurrentKind.LSTM ? " and cell" : "")}, slot {(direction.Reverse ? "Steps" : "0")}.");
                w.Line($"Clear({states}.SubView({zero}, state));");
                if (op.Cell == RecurrentKind.LSTM) w.Line($"Clear({cells}.SubView({zero}, state));");
                using (w.Block(Steps(direction, backward: false)))
                {
                    w.Line(Slots(direction, previous: true, next: true));
                    w.Line($"{N.FloatView} step = {gates}.SubView(t * batch * Gates, batch * Gates);");
                    string launch = $"{RecurrentKernel(op, "Step")}({TileLaunch("batch", op.Cell == RecurrentKind.SimpleRNN ? "Gates" : "4 * Hidden")}, {states}.SubView(previous, state), {weightHh}, step";
                    switch (op.Cell)
                    {
                        case RecurrentKind.LSTM:
                            w.Line($"{launch}, {cells}.SubView(previous, state), {cells}.SubView(next, state), {N.RecurrentCellTanhField(id, s)}.SubView(t * state, state), {states}.SubView(next, state), batch);");
                            break;
                        case RecurrentKind.GRU:
                            w.Line($"{launch}, {biasHh}, {N.RecurrentHiddenProductsField(id, s)}.SubView(t * state, state), {states}.SubView(next, state), batch);");
                            break;
                        default:
                            w.Line($"{launch}, {states}.SubView(next, state), batch);");
                            break;
                    }
                }
            });
        }
        w.Line();
    }
}
