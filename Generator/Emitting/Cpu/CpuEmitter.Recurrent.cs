using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Recurrent layers (SimpleRNN, LSTM, GRU), forward: the op's method copies the input time-major and writes the output
// from the states; one method per direction runs the input projection of all steps as one product, then one product
// and one fused cell kernel per step. RecurrentOp documents the layouts; the backward pass is in CpuEmitter.RecurrentBackward.
internal static partial class CpuEmitter
{
    private static void WriteRecurrentStatics(CodeWriter w, RecurrentOp op)
    {
        int t = op.Steps, h = op.Hidden, g = op.Gates * op.Hidden;
        string id = op.Identifier;
        w.Line($"private const int {N.RecurrentInputsSize(id)} = {I(t * op.Features)}, {N.RecurrentGatesSize(id)} = {I(t * g)}, "
            + $"{N.RecurrentStatesSize(id)} = {I((t + 1) * h)}, {N.RecurrentStepsSize(id)} = {I(t * h)}, {N.RecurrentGateWidth(id)} = {I(g)}, "
            + $"{N.RecurrentHiddenSize(id)} = {I(h)}; // per-sample lengths of {op.Identifier}'s work arrays");
    }

    private static void WriteRecurrent(CodeWriter w, NetworkPlan plan, RecurrentOp op)
    {
        WriteRecurrentForward(w, plan, op);
        foreach (var direction in op.Directions) WriteRecurrentDirectionForward(w, plan, op, direction);
        if (!plan.HasBackward(op)) return;
        WriteRecurrentBackward(w, plan, op);
        foreach (var direction in op.Directions) WriteRecurrentDirectionBackward(w, plan, op, direction);
    }

    /// <summary><c>const int Steps = 28, In = 28, Hidden = 128, Gates = 4 * Hidden;</c>, with the gates and the output width where a method uses them.</summary>
    private static string RecurrentConstants(RecurrentOp op, bool gates, bool width) =>
        $"const int Steps = {I(op.Steps)}, In = {I(op.Features)}, Hidden = {I(op.Hidden)}"
        + (gates ? $", Gates = {GatesExpression(op)}" : "")
        + (width ? $", Width = {I(op.OutputWidth)}" : "")
        + (gates ? $"; // {GateOrder(op)}" : ";");

    private static string GatesExpression(RecurrentOp op) => op.Gates == 1 ? "Hidden" : $"{I(op.Gates)} * Hidden";

    private static string GateOrder(RecurrentOp op) => op.Cell switch
    {
        RecurrentKind.LSTM => "gate blocks i, f, g, o",
        RecurrentKind.GRU => "gate blocks r, z, n",
        _ => $"one block, {op.Activation}",
    };

    /// <summary>The cell's formula for doc comments.</summary>
    private static string CellFormula(RecurrentOp op) => op.Cell switch
    {
        RecurrentKind.LSTM => "i, f, g, o = σ, σ, tanh, σ of x W_ih^T + b_ih + h W_hh^T + b_hh; c = f c_prev + i g; h = o tanh(c)",
        RecurrentKind.GRU => "r, z = σ(x W_i^T + b_i + h W_h^T + b_h); n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)); h = (1 - z) n + z h_prev",
        _ => $"h = {ActivationFormula(op.Activation, 0f, "x W_ih^T + b_ih + h_prev W_hh^T + b_hh")}",
    };

    /// <summary>The states of the step a direction processes at <c>t</c>: the slot it reads, the slot it writes, or both.</summary>
    private static string StepSlots(RecurrentDirection direction, bool previous = true, bool next = true)
    {
        var slots = new System.Collections.Generic.List<string>();
        if (previous) slots.Add(direction.Reverse ? "previous = (t + 1) * state" : "previous = t * state");
        if (next) slots.Add(direction.Reverse ? "next = t * state" : "next = (t + 1) * state");
        return $"int {string.Join(", ", slots)};" + (direction.Reverse && previous ? " // this direction reads the state of step t + 1" : "");
    }

    private static string StepLoop(RecurrentDirection direction, bool backward) => direction.Reverse != backward
        ? "for (int t = Steps - 1; t >= 0; t--)"
        : "for (int t = 0; t < Steps; t++)";

    /// <summary>The slot of a direction's zero initial state: 0 forward, Steps in reverse.</summary>
    private static string ZeroSlot(RecurrentDirection direction) => direction.Reverse ? "Steps * state" : "0";

    /// <summary>The first of the contiguous slots a direction's steps read (0 forward, 1 reverse) and write (1 forward, 0 reverse).</summary>
    private static string ReadSlots(RecurrentDirection direction) => direction.Reverse ? "state" : "0";

    private static string WrittenSlots(RecurrentDirection direction) => direction.Reverse ? "0" : "state";

    /// <summary>A direction's tensors by role, as the generated spans' names.</summary>
    private static (string WeightIh, string WeightHh, string BiasIh, string BiasHh) Tensors(NetworkPlan plan, RecurrentDirection direction) =>
        (plan.Tensors[direction.WeightIh].Identifier, plan.Tensors[direction.WeightHh].Identifier,
            plan.Tensors[direction.BiasIh].Identifier, plan.Tensors[direction.BiasHh].Identifier);

    /// <summary>A typed view of a work array: <c>Span&lt;float&gt; gates = new(_lstm1GatesL0, 0, Steps * batch * Gates); // comment</c>.</summary>
    private static void View(CodeWriter w, string name, string field, string length, string comment, bool readOnly = false) =>
        w.Line($"{(readOnly ? N.ReadOnlySpan : N.Span)} {name} = new({field}, 0, {length}); // {comment}");

    private static void WriteRecurrentForward(CodeWriter w, NetworkPlan plan, RecurrentOp op)
    {
        string id = op.Identifier;
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{CodeWriter.Xml(CellFormula(op))}</c>, from zero states.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}{(op.Directions.Count > 1 ? ", the forward direction's Hidden columns, then the reverse direction's" : "")}</param>");
        using (w.Block($"private void {N.ForwardMethod(id)}({ForwardParameters(op)})"))
        {
            w.Line(RecurrentConstants(op, gates: false, width: true));
            w.Line("int state = batch * Hidden;");
            w.Line("// x[batch, Steps, In] -> [Steps, batch, In]: each step's rows become one matrix for the products.");
            View(w, "inputs", N.RecurrentInputsField(id), "Steps * batch * In", "[Steps, batch, In]");
            w.Line($"{N.RecurrentKernels}.ToTimeMajor(x.Slice(0, batch * Steps * In), inputs, batch, Steps, In);");
            foreach (var direction in op.Directions)
                w.Line($"{N.ForwardMethod(N.RecurrentDirectionStem(id, direction.Suffix))}(inputs, batch);");
            for (int d = 0; d < op.Directions.Count; d++)
            {
                var direction = op.Directions[d];
                string states = N.RecurrentStatesField(id, direction.Suffix);
                string columns = op.Directions.Count == 1 ? "y" : $"y[b, {(d == 0 ? "0..Hidden" : "Hidden..")}]";
                if (op.ReturnSequences)
                {
                    string target = op.Directions.Count == 1 ? "y[b, t, :]" : $"y[b, t, {(d == 0 ? "0..Hidden" : "Hidden..")}]";
                    w.Line($"// {target} = the {(direction.Reverse ? "reverse" : "forward")} state after step t (slot {(direction.Reverse ? "t" : "t + 1")})");
                    w.Line($"{N.RecurrentKernels}.FromTimeMajor(new {N.ReadOnlySpan}({states}, {WrittenSlots(direction)}, Steps * state), y, batch, Steps, Hidden, Width, {(d == 0 ? "0" : "Hidden")}, accumulate: false);");
                }
                else
                {
                    string slot = direction.Reverse ? "0" : "Steps * state";
                    w.Line($"// {columns} = the {(direction.Reverse ? "reverse direction's state after step 0" : "state after the last step")} (slot {(direction.Reverse ? "0" : "Steps")})");
                    w.Line($"{N.RecurrentKernels}.FromTimeMajor(new {N.ReadOnlySpan}({states}, {slot}, state), y, batch, 1, Hidden, Width, {(d == 0 ? "0" : "Hidden")}, accumulate: false);");
                }
            }
        }
        w.Line();
    }

    private static void WriteRecurrentDirectionForward(CodeWriter w, NetworkPlan plan, RecurrentOp op, RecurrentDirection direction)
    {
        string id = op.Identifier, s = direction.Suffix;
        var (weightIh, weightHh, biasIh, biasHh) = Tensors(plan, direction);
        string which = direction.Reverse ? "reverse direction (steps Steps-1 down to 0)" : "forward direction";
        w.Line($"/// <summary>{CodeWriter.Xml(plan.Layers[op.OwnerLayer].Name)}, {which}: the input projection of every step in one product, then per step <c>h_prev · W_hh^T</c> and the {op.Cell} cell in one pass.</summary>");
        w.Line("/// <param name=\"inputs\">[Steps, batch, In], the input time-major</param>");
        using (w.Block($"private void {N.ForwardMethod(N.RecurrentDirectionStem(id, s))}({N.ReadOnlySpan} inputs, int batch)"))
        {
            w.Line(RecurrentConstants(op, gates: true, width: false));
            w.Line("int state = batch * Hidden;");
            View(w, "gates", N.RecurrentGatesField(id, s), "Steps * batch * Gates", "[Steps, batch, Gates]");
            View(w, "states", N.RecurrentStatesField(id, s), "(Steps + 1) * state", $"[Steps + 1, batch, Hidden], the zero state in slot {(direction.Reverse ? "Steps" : "0")}");
            if (op.Cell == RecurrentKind.LSTM)
            {
                View(w, "cells", N.RecurrentCellsField(id, s), "(Steps + 1) * state", "[Steps + 1, batch, Hidden], the cell states in the same slots");
                View(w, "cellTanh", N.RecurrentCellTanhField(id, s), "Steps * state", "[Steps, batch, Hidden], tanh(c) of each step");
            }
            if (op.Cell == RecurrentKind.GRU)
            {
                View(w, "hiddenProducts", N.RecurrentHiddenProductsField(id, s), "Steps * state", "[Steps, batch, Hidden], W_hn h_prev + b_hn of each step");
                View(w, "products", N.RecurrentStepProductsField(id), "batch * Gates", "[batch, Gates], h_prev . W_hh^T of the current step");
            }
            w.Line($"// gates[Steps * batch, Gates] = inputs . W_ih^T with W_ih = {plan.Tensors[direction.WeightIh].Name} [Gates, In]: every step's input projection in one product.");
            w.Line($"{N.Gemm}.MultiplyTransposedB(inputs, {weightIh}, gates, Steps * batch, Gates, In, accumulate: false);");
            if (op.Cell == RecurrentKind.GRU)
            {
                w.Line("// + b_ih, and b_hh of r and z; the n block's b_hn stays inside r * (W_hn h + b_hn).");
                w.Line($"{N.RecurrentKernels}.AddBiases(gates, {biasIh}, {biasHh}.Slice(0, 2 * Hidden), Steps * batch, Gates);");
            }
            else
            {
                w.Line("// + b_ih + b_hh: both biases reach every gate's pre-activation.");
                w.Line($"{N.RecurrentKernels}.AddBiases(gates, {biasIh}, {biasHh}, Steps * batch, Gates);");
            }
            w.Line($"states.Slice({ZeroSlot(direction)}, state).Clear();");
            if (op.Cell == RecurrentKind.LSTM) w.Line($"cells.Slice({ZeroSlot(direction)}, state).Clear();");
            using (w.Block(StepLoop(direction, backward: false)))
            {
                w.Line(StepSlots(direction));
                w.Line($"{N.Span} step = gates.Slice(t * batch * Gates, batch * Gates);");
                switch (op.Cell)
                {
                    case RecurrentKind.LSTM:
                        w.Line("// z += h_prev . W_hh^T, then i, f, g, o, c = f c_prev + i g and h = o tanh(c) in one pass.");
                        w.Line($"{N.Gemm}.MultiplyTransposedB(states.Slice(previous, state), {weightHh}, step, batch, Gates, Hidden, accumulate: true);");
                        w.Line($"{N.RecurrentKernels}.LstmCellForward(step, cells.Slice(previous, state), cells.Slice(next, state), cellTanh.Slice(t * state, state), states.Slice(next, state), batch, Hidden);");
                        break;
                    case RecurrentKind.GRU:
                        w.Line("// products = h_prev . W_hh^T, then r, z, n and h = (1 - z) n + z h_prev in one pass.");
                        w.Line($"{N.Gemm}.MultiplyTransposedB(states.Slice(previous, state), {weightHh}, products, batch, Gates, Hidden, accumulate: false);");
                        w.Line($"{N.RecurrentKernels}.GruCellForward(step, products, {biasHh}.Slice(2 * Hidden, Hidden), states.Slice(previous, state), hiddenProducts.Slice(t * state, state), states.Slice(next, state), batch, Hidden);");
                        break;
                    default:
                        w.Line($"// z += h_prev . W_hh^T, then h = {ActivationFormula(op.Activation, 0f, "z")}.");
                        w.Line($"{N.Gemm}.MultiplyTransposedB(states.Slice(previous, state), {weightHh}, step, batch, Gates, Hidden, accumulate: true);");
                        w.Line($"{N.ElementwiseKernels}.Activate(step, states.Slice(next, state), {Operator(op.Activation, 0f)});");
                        break;
                }
            }
        }
        w.Line();
    }

    /// <summary>Whether any op of the plan is recurrent (its size constants go with the op statics).</summary>
    private static bool HasRecurrent(NetworkPlan plan) => plan.Ops.Any(op => op is RecurrentOp);
}
