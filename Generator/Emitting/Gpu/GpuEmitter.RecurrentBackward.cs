using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Recurrent layers, backward through time, as the CPU network runs it: per direction the steps in reverse, each an
// element-wise cell kernel that overwrites the step's gate activations with dLoss/dz (adding the step's output gradient
// when every step is an output) and a tiled product dh = dz . W_hh carried to the step before; then every weight
// gradient as one tiled product over all steps, the bias gradients as group reductions, and the input gradient as one
// product per direction whose epilogue writes straight into the batch-major dx.
internal static partial class GpuEmitter
{
    /// <summary>dLoss/dh of the unit at <c>i</c> at step <c>t</c>: the gradient carried back, plus the step's output gradient when every step is an output.</summary>
    private static string StateGradientIn(RecurrentOp op) =>
        op.ReturnSequences ? "float dhv = dh[i] + dy[(i / Hidden * Steps + t) * Width + offset + i % Hidden];" : "float dhv = dh[i];";

    /// <summary>The parameters <see cref="StateGradientIn"/> reads besides <c>dh</c>: the output gradient, the step and the direction's columns.</summary>
    private static IEnumerable<Parameter> OutputGradientParameters(RecurrentOp op)
    {
        if (!op.ReturnSequences) yield break;
        yield return Floats("dy");
        yield return Int("t");
        yield return Int("offset");
    }

    private static void AddRecurrentBackwardKernels(List<Kernel> kernels, RecurrentOp op, string constants)
    {
        string id = op.Identifier;
        bool lstm = op.Cell == RecurrentKind.LSTM;
        var start = new List<Parameter>();
        if (!op.ReturnSequences) start.Add(Floats("dy"));
        start.Add(Floats("dh"));
        if (lstm) start.Add(Floats("dc"));
        if (!op.ReturnSequences) start.Add(Int("offset"));
        var startBody = new List<string>
        {
            constants,
            op.ReturnSequences ? "dh[i] = 0f;" : "dh[i] = dy[i / Hidden * Width + offset + i % Hidden];",
        };
        if (lstm) startBody.Add("dc[i] = 0f;");
        kernels.Add(Elementwise(id + "BackwardStart",
            $"Backward of {op.Description}: dh = {(op.ReturnSequences ? "0 (each step adds its output gradient)" : "dLoss/dy of the last state")}{(lstm ? ", dc = 0" : "")}.",
            start, startBody.ToArray()));

        AddCellBackwardKernel(kernels, op, constants);

        kernels.Add(ProductKernel(id + "StateGradient",
            $"Backward of one step of {op.Description}: dh[batch, Hidden] {(op.Cell == RecurrentKind.GRU ? "+=" : "=")} dz . W_hh, dLoss/dh_prev, tiled (rows: samples, columns: hidden units, depth: gates).",
            new[] { Floats("step"), Floats("weightHh"), Floats("dh"), Int("batch") }, constants,
            new Product("batch", "Hidden", "Gates",
                (m, k) => $"step[{m} * Gates + {k}]", AAlongDepth: true,
                (k, n) => $"weightHh[{k} * Hidden + {n}]", BAlongColumns: true,
                (m, n, sum) => $"dh[{m} * Hidden + {n}] {(op.Cell == RecurrentKind.GRU ? "+=" : "=")} {sum};")));

        kernels.Add(RecurrentWeightGradient(id + "WeightIhGradient", $"Backward of {op.Description}: dW_ih[Gates, In] += dz^T . inputs over every step",
            "In", "inputs", constants));
        kernels.Add(RecurrentWeightGradient(id + "WeightHhGradient", $"Backward of {op.Description}: dW_hh[Gates, Hidden] += dz_h^T . h_prev over every step",
            "Hidden", "states", constants));
        kernels.Add(GroupSumKernel(id + "BiasGradient",
            $"Backward of {op.Description}: db[o] += sum over every step and sample of dz[row, o], one group per gate row, a group reduction.",
            new[] { Floats("gates"), Floats("dBias"), Int("batch") }, constants,
            output: $"int o = {N.Grid}.IdxX", count: "Steps * batch", term: "gates[n * Gates + o]", target: "dBias[o]"));

        string store = id + "InputGradientStore";
        kernels.Add(ProductKernel(id + "InputGradient",
            $"Backward of {op.Description}: dx[b, t, :] (+)= dz[t, b, :] . W_ih for one direction, tiled (rows: steps of samples, time-major; columns: inputs; depth: gates).",
            new[] { Floats("gates"), Floats("weightIh"), Floats("dx"), Int("batch"), Int("accumulate") }, constants,
            new Product("Steps * batch", "In", "Gates",
                (m, k) => $"gates[{m} * Gates + {k}]", AAlongDepth: true,
                (k, n) => $"weightIh[{k} * In + {n}]", BAlongColumns: true,
                (m, n, sum) => $"{store}(dx, {m}, {n}, {sum}, batch, accumulate);")));
        kernels.Add(new Kernel(store, $"{id}'s input-gradient epilogue: time-major row m = t * batch + b goes to dx[b, t, n], written or added.", grouped: false,
            new[] { Floats("dx"), Int("m"), Int("n"), new Parameter("float", "sum"), Int("batch"), Int("accumulate") }, w =>
            {
                w.Line(constants);
                w.Line("int at = (m % batch * Steps + m / batch) * In + n;");
                w.Line("dx[at] = accumulate != 0 ? dx[at] + sum : sum;");
            }, returnType: "void"));
    }

    /// <summary>A weight gradient over every step: <c>dW[Gates, Columns] += dz^T[Gates, Steps * batch] . source[Steps * batch, Columns]</c>.</summary>
    private static Kernel RecurrentWeightGradient(string name, string summary, string columns, string source, string constants) =>
        ProductKernel(name, summary + ", tiled (rows: gate rows, columns: " + (columns == "In" ? "inputs" : "hidden units") + ", depth: steps of samples).",
            new[] { Floats("gates"), Floats(source), Floats("dWeight"), Int("batch") }, constants,
            new Product("Gates", columns, "Steps * batch",
                (m, k) => $"gates[{k} * Gates + {m}]", AAlongDepth: false,
                (k, n) => $"{source}[{k} * {columns} + {n}]", BAlongColumns: true,
                (m, n, sum) => $"dWeight[{m} * {columns} + {n}] += {sum};"));

    /// <summary>One step backward, one thread per hidden unit: the formulas of the CPU's <c>RecurrentKernels</c> cell backward kernels.</summary>
    private static void AddCellBackwardKernel(List<Kernel> kernels, RecurrentOp op, string constants)
    {
        string name = op.Identifier + "CellBackward";
        var parameters = new List<Parameter>();
        var body = new List<string> { constants };
        string summary;
        switch (op.Cell)
        {
            case RecurrentKind.LSTM:
                summary = "dc_t = dc + dh o (1 - tanh²c); the gates get dz_i = dc_t g i (1 - i), dz_f = dc_t c_prev f (1 - f), dz_g = dc_t i (1 - g²), dz_o = dh tanh(c) o (1 - o); dc = dc_t f";
                parameters.AddRange(new[] { Floats("step"), Floats("cellPrevious"), Floats("cellTanh"), Floats("dh"), Floats("dc") });
                body.AddRange(new[]
                {
                    GateIndex,
                    "float input = step[at], forget = step[at + Hidden], candidate = step[at + 2 * Hidden], output = step[at + 3 * Hidden];",
                    "float tc = cellTanh[i];",
                    StateGradientIn(op),
                    "float dct = dc[i] + dhv * output * (1f - tc * tc);",
                    "step[at] = dct * candidate * input * (1f - input);",
                    "step[at + Hidden] = dct * cellPrevious[i] * forget * (1f - forget);",
                    "step[at + 2 * Hidden] = dct * input * (1f - candidate * candidate);",
                    "step[at + 3 * Hidden] = dhv * tc * output * (1f - output);",
                    "dc[i] = dct * forget;",
                });
                break;
            case RecurrentKind.GRU:
                summary = "dn = dh (1 - z)(1 - n²), dr = dn hn r (1 - r), dz = dh (h_prev - n) z (1 - z); the gates get [dr, dz, dn], hiddenStep [dr, dz, dn r]; dh = dh z";
                parameters.AddRange(new[] { Floats("step"), Floats("hiddenProducts"), Floats("previous"), Floats("dh"), Floats("hiddenStep") });
                body.AddRange(new[]
                {
                    GateIndex,
                    "float reset = step[at], update = step[at + Hidden], candidate = step[at + 2 * Hidden];",
                    StateGradientIn(op),
                    "float dn = dhv * (1f - update) * (1f - candidate * candidate);",
                    "float dr = dn * hiddenProducts[i] * reset * (1f - reset);",
                    "float dz = dhv * (previous[i] - candidate) * update * (1f - update);",
                    "step[at] = dr;",
                    "step[at + Hidden] = dz;",
                    "step[at + 2 * Hidden] = dn;",
                    "hiddenStep[at] = dr;",
                    "hiddenStep[at + Hidden] = dz;",
                    "hiddenStep[at + 2 * Hidden] = dn * reset;",
                    "dh[i] = dhv * update;",
                });
                break;
            default:
                summary = $"step = dz = dh * {op.Activation}'(z), from the state h";
                parameters.AddRange(new[] { Floats("next"), Floats("dh"), Floats("step") });
                body.AddRange(new[]
                {
                    StateGradientIn(op),
                    "float h = next[i];",
                    $"step[i] = dhv * {Derivative(op.Activation, 0f, "h")};",
                });
                break;
        }
        parameters.AddRange(OutputGradientParameters(op));
        kernels.Add(Elementwise(name, $"Backward of one step of {op.Description}{(op.ReturnSequences ? ", dh + the step's output gradient" : "")}: {summary}.", parameters, body.ToArray()));
    }

    private static void WriteRecurrentBackwardHost(CodeWriter w, NetworkPlan plan, RecurrentOp op, string constants)
    {
        string id = op.Identifier;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: through time per direction, then dx {Assign(op, 0)} the sum over directions of dz . W_ih.</summary>");
        using (w.Block($"private void {N.BackwardMethod(id)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line(constants);
                foreach (var direction in op.Directions) w.Line($"{N.BackwardMethod(N.RecurrentDirectionStem(id, direction.Suffix))}(batch);");
                using (w.Block($"if ({NeedsGradient(plan, op.Input.Value)})"))
                {
                    for (int d = 0; d < op.Directions.Count; d++)
                    {
                        var direction = op.Directions[d];
                        bool accumulate = d > 0 || op.Input.Accumulate;
                        w.Line($"{RecurrentKernel(op, "InputGradient")}({TileLaunch("Steps * batch", "In")}, {N.RecurrentGatesField(id, direction.Suffix)}, {Tensor(plan.Tensors[direction.WeightIh])}, {Gradient(plan, op.Input.Value)}, batch, {(accumulate ? "1" : "0")});");
                    }
                }
            });
        }
        w.Line();
        foreach (var direction in op.Directions) WriteRecurrentDirectionBackwardHost(w, plan, op, direction, constants);
    }

    private static void WriteRecurrentDirectionBackwardHost(CodeWriter w, NetworkPlan plan, RecurrentOp op, RecurrentDirection direction, string constants)
    {
        string id = op.Identifier, s = direction.Suffix;
        string weightHh = DirectionTensors(plan, direction).WeightHh;
        string gates = N.RecurrentGatesField(id, s), states = N.RecurrentStatesField(id, s);
        string dh = N.RecurrentStateGradientField(id), dc = N.RecurrentCellGradientField(id), dy = Gradient(plan, op.Output);
        string offset = direction.Reverse ? "Hidden" : "0";
        string outputGradient = op.ReturnSequences ? $", {dy}, t, {offset}" : "";
        string last = direction.Reverse ? "t < Steps - 1" : "t > 0";
        w.Line($"/// <summary>Backward through time of {CodeWriter.Xml(plan.Layers[op.OwnerLayer].Name)}'s {(direction.Reverse ? "reverse" : "forward")} direction: the steps in the opposite order of the forward pass, then its weight gradients over all steps.</summary>");
        using (w.Block($"private void {N.BackwardMethod(N.RecurrentDirectionStem(id, s))}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line(constants);
                w.Line("int state = batch * Hidden;");
                var start = new List<string>();
                if (!op.ReturnSequences) start.Add(dy);
                start.Add(dh);
                if (op.Cell == RecurrentKind.LSTM) start.Add(dc);
                if (!op.ReturnSequences) start.Add(offset);
                w.Line($"{RecurrentKernel(op, "BackwardStart")}(state, {string.Join(", ", start)});");
                string hidden = op.Cell == RecurrentKind.GRU ? N.RecurrentHiddenGateGradientsField(id, s) : gates;
                using (w.Block(Steps(direction, backward: true)))
                {
                    w.Line(Slots(direction, previous: op.Cell != RecurrentKind.SimpleRNN, next: op.Cell == RecurrentKind.SimpleRNN));
                    w.Line($"{N.FloatView} step = {gates}.SubView(t * batch * Gates, batch * Gates);");
                    string carried = "step";
                    switch (op.Cell)
                    {
                        case RecurrentKind.LSTM:
                            w.Line($"{RecurrentKernel(op, "CellBackward")}(state, step, {N.RecurrentCellsField(id, s)}.SubView(previous, state), {N.RecurrentCellTanhField(id, s)}.SubView(t * state, state), {dh}, {dc}{outputGradient});");
                            break;
                        case RecurrentKind.GRU:
                            w.Line($"{N.FloatView} hiddenStep = {hidden}.SubView(t * batch * Gates, batch * Gates);");
                            w.Line($"{RecurrentKernel(op, "CellBackward")}(state, step, {N.RecurrentHiddenProductsField(id, s)}.SubView(t * state, state), {states}.SubView(previous, state), {dh}, hiddenStep{outputGradient});");
                            carried = "hiddenStep";
                            break;
                        default:
                            w.Line($"{RecurrentKernel(op, "CellBackward")}(state, {states}.SubView(next, state), {dh}, step{outputGradient});");
                            break;
                    }
                    w.Line($"// dLoss/dh_prev; the zero state before the {(direction.Reverse ? "last" : "first")} step needs none.");
                    w.Line($"if ({last}) {RecurrentKernel(op, "StateGradient")}({TileLaunch("batch", "Hidden")}, {carried}, {weightHh}, {dh}, batch);");
                }
                w.Line($"if (!{N.Trainable}[{I(op.OwnerLayer)}]) return;");
                w.Line($"// Every step at once; h_prev are slots {(direction.Reverse ? "1..Steps" : "0..Steps-1")}{(op.Cell == RecurrentKind.GRU ? "; W_hh and b_hh take the hidden-gate gradients" : "")}.");
                w.Line($"{RecurrentKernel(op, "WeightIhGradient")}({TileLaunch("Gates", "In")}, {gates}, {N.RecurrentInputsField(id)}, {TensorGradient(plan.Tensors[direction.WeightIh])}, batch);");
                w.Line($"{RecurrentKernel(op, "WeightHhGradient")}({TileLaunch("Gates", "Hidden")}, {hidden}, {states}.SubView({(direction.Reverse ? "state" : "0")}, Steps * state), {TensorGradient(plan.Tensors[direction.WeightHh])}, batch);");
                w.Line($"{RecurrentKernel(op, "BiasGradient")}(GroupLaunch(Gates), {gates}, {TensorGradient(plan.Tensors[direction.BiasIh])}, batch);");
                w.Line($"{RecurrentKernel(op, "BiasGradient")}(GroupLaunch(Gates), {hidden}, {TensorGradient(plan.Tensors[direction.BiasHh])}, batch);");
            });
        }
        w.Line();
    }
}
