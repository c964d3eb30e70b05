using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Recurrent layers, backward through time: one pass over the steps in reverse per direction, each step's cell backward
// fused into one kernel that overwrites the step's gate activations with their gradients, then every weight gradient as
// one product over all steps and the input gradient as one product per direction.
internal static partial class CpuEmitter
{
    private static void WriteRecurrentBackward(CodeWriter w, NetworkPlan plan, RecurrentOp op)
    {
        string id = op.Identifier;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: backward through time per direction, then <c>dx {Assign(op, 0)} sum over directions of dz . W_ih</c>{CodeWriter.Xml(AccumulateNote(op, 0))}.</summary>");
        w.Line($"/// <param name=\"dy\">{BatchShape(op.OutputShape)}, dLoss/dy</param>");
        w.Line($"/// <param name=\"dx\">{BatchShape(op.InputShape)}, receives dLoss/dx</param>");
        using (w.Block($"private void {N.BackwardMethod(id)}({BackwardParameters(op, dyWritable: false)})"))
        {
            w.Line(RecurrentConstants(op, gates: true, width: false));
            View(w, "inputs", N.RecurrentInputsField(id), "Steps * batch * In", "[Steps, batch, In], the input time-major");
            foreach (var direction in op.Directions)
                w.Line($"{N.BackwardMethod(N.RecurrentDirectionStem(id, direction.Suffix))}(dy, inputs, batch, weightGradients);");
            w.Line("if (!inputGradient) return;");
            w.Line("// dLoss/dinputs of every step, time-major, in one product per direction, over the input copy (no longer needed):");
            for (int d = 0; d < op.Directions.Count; d++)
            {
                var direction = op.Directions[d];
                string weightIh = plan.Tensors[direction.WeightIh].Identifier;
                string gates = $"new {N.ReadOnlySpan}({N.RecurrentGatesField(id, direction.Suffix)}, 0, Steps * batch * Gates)";
                w.Line($"{N.Gemm}.Multiply({gates}, {weightIh}, inputs, Steps * batch, In, Gates, accumulate: {(d == 0 ? "false" : "true")});");
            }
            w.Line($"// then back to [batch, Steps, In]{(op.Input.Accumulate ? ", added to what another reader wrote" : "")}.");
            w.Line($"{N.RecurrentKernels}.FromTimeMajor(inputs, dx, batch, Steps, In, In, 0, accumulate: {(op.Input.Accumulate ? "true" : "false")});");
        }
        w.Line();
    }

    private static void WriteRecurrentDirectionBackward(CodeWriter w, NetworkPlan plan, RecurrentOp op, RecurrentDirection direction)
    {
        string id = op.Identifier, s = direction.Suffix;
        var (weightIh, weightHh, biasIh, biasHh) = Tensors(plan, direction);
        int d = direction.Reverse ? 1 : 0;
        string offset = d == 0 ? "0" : "Hidden";
        string which = direction.Reverse ? "reverse direction" : "forward direction";
        w.Line($"/// <summary>Backward through time of {CodeWriter.Xml(plan.Layers[op.OwnerLayer].Name)}'s {which}: the steps in the opposite order of the forward pass, each step's gates overwritten with dLoss/dz; then the weight gradients of all steps, each in one product.</summary>");
        w.Line($"/// <param name=\"dy\">{BatchShape(op.OutputShape)}, dLoss/dy; this direction's columns start at {(d == 0 ? "0" : "Hidden")}</param>");
        w.Line("/// <param name=\"inputs\">[Steps, batch, In], the input time-major</param>");
        using (w.Block($"private void {N.BackwardMethod(N.RecurrentDirectionStem(id, s))}({N.ReadOnlySpan} dy, {N.ReadOnlySpan} inputs, int batch, bool weightGradients)"))
        {
            w.Line(RecurrentConstants(op, gates: true, width: true));
            w.Line("int state = batch * Hidden;");
            View(w, "gates", N.RecurrentGatesField(id, s), "Steps * batch * Gates", "[Steps, batch, Gates]: activations in, dLoss/dz out");
            View(w, "states", N.RecurrentStatesField(id, s), "(Steps + 1) * state", "[Steps + 1, batch, Hidden]", readOnly: true);
            if (op.Cell == RecurrentKind.LSTM)
            {
                View(w, "cells", N.RecurrentCellsField(id, s), "(Steps + 1) * state", "[Steps + 1, batch, Hidden]", readOnly: true);
                View(w, "cellTanh", N.RecurrentCellTanhField(id, s), "Steps * state", "[Steps, batch, Hidden]", readOnly: true);
                View(w, "dc", N.RecurrentCellGradientField(id), "state", "[batch, Hidden], dLoss/dc flowing back through time");
            }
            if (op.Cell == RecurrentKind.GRU)
            {
                View(w, "hiddenProducts", N.RecurrentHiddenProductsField(id, s), "Steps * state", "[Steps, batch, Hidden], W_hn h_prev + b_hn", readOnly: true);
                View(w, "hiddenGates", N.RecurrentHiddenGateGradientsField(id, s), "Steps * batch * Gates", "[Steps, batch, Gates], dLoss/d(h_prev W_hh^T + b_hh)");
            }
            View(w, "dh", N.RecurrentStateGradientField(id), "state", "[batch, Hidden], dLoss/dh flowing back through time");
            w.Line("dh.Clear();");
            if (op.Cell == RecurrentKind.LSTM) w.Line("dc.Clear();");
            if (!op.ReturnSequences)
            {
                w.Line($"// Only the final state is an output: its gradient starts the pass.");
                w.Line($"{N.RecurrentKernels}.AddStep(dy, dh, batch, 0, 1, Hidden, Width, {offset});");
            }
            string last = direction.Reverse ? "t < Steps - 1" : "t > 0";
            using (w.Block(StepLoop(direction, backward: true)))
            {
                w.Line(op.Cell == RecurrentKind.SimpleRNN ? StepSlots(direction, previous: false) : StepSlots(direction, next: false));
                if (op.ReturnSequences) w.Line($"{N.RecurrentKernels}.AddStep(dy, dh, batch, t, Steps, Hidden, Width, {offset}); // + dLoss/dy of this step");
                w.Line($"{N.Span} step = gates.Slice(t * batch * Gates, batch * Gates);");
                switch (op.Cell)
                {
                    case RecurrentKind.LSTM:
                        w.Line("// step <- dLoss/dz of i, f, g, o; dc <- its part of dLoss/dc_prev.");
                        w.Line($"{N.RecurrentKernels}.LstmCellBackward(step, cells.Slice(previous, state), cellTanh.Slice(t * state, state), dh, dc, batch, Hidden);");
                        w.Line($"// dh <- dLoss/dh_prev = dz . W_hh; the zero state before the {(direction.Reverse ? "last" : "first")} step needs none.");
                        w.Line($"if ({last}) {N.Gemm}.Multiply(step, {weightHh}, dh, batch, Hidden, Gates, accumulate: false);");
                        break;
                    case RecurrentKind.GRU:
                        w.Line("// step <- dLoss/dz of the input projection, hiddenGates <- of h_prev . W_hh^T + b_hh; dh <- dh * z.");
                        w.Line($"{N.Span} hiddenStep = hiddenGates.Slice(t * batch * Gates, batch * Gates);");
                        w.Line($"{N.RecurrentKernels}.GruCellBackward(step, hiddenProducts.Slice(t * state, state), states.Slice(previous, state), dh, hiddenStep, batch, Hidden);");
                        w.Line($"// dh += hiddenGates . W_hh: dLoss/dh_prev; the zero state before the {(direction.Reverse ? "last" : "first")} step needs none.");
                        w.Line($"if ({last}) {N.Gemm}.Multiply(hiddenStep, {weightHh}, dh, batch, Hidden, Gates, accumulate: true);");
                        break;
                    default:
                        w.Line($"// step <- dz = dh * f'(z), from h: {DerivativeComment(op.Activation)}.");
                        w.Line($"{N.ElementwiseKernels}.MultiplyByDerivative(states.Slice(next, state), dh, step, {Operator(op.Activation, 0f)});");
                        w.Line($"// dh <- dLoss/dh_prev = dz . W_hh; the zero state before the {(direction.Reverse ? "last" : "first")} step needs none.");
                        w.Line($"if ({last}) {N.Gemm}.Multiply(step, {weightHh}, dh, batch, Hidden, Gates, accumulate: false);");
                        break;
                }
            }
            w.Line("if (!weightGradients) return;");
            string hidden = op.Cell == RecurrentKind.GRU ? "hiddenGates" : "gates";
            w.Line($"// Every step at once: dW_ih += dz^T . inputs, dW_hh += dz_h^T . h_prev (slots {(direction.Reverse ? "1..Steps" : "0..Steps-1")}), db_ih += sum of dz, db_hh += sum of dz_h{(op.Cell == RecurrentKind.GRU ? " (dz_h: the hidden-gate gradients)" : " (dz_h = dz)")}.");
            w.Line($"{N.Gemm}.MultiplyTransposedA(gates, inputs, {weightIh}Gradient, Gates, In, Steps * batch, accumulate: true);");
            w.Line($"{N.Gemm}.MultiplyTransposedA({hidden}, states.Slice({ReadSlots(direction)}, Steps * state), {weightHh}Gradient, Gates, Hidden, Steps * batch, accumulate: true);");
            w.Line($"{N.ElementwiseKernels}.AddColumnSums(gates, Steps * batch, Gates, {biasIh}Gradient);");
            w.Line($"{N.ElementwiseKernels}.AddColumnSums({hidden}, Steps * batch, Gates, {biasHh}Gradient);");
        }
        w.Line();
    }
}
