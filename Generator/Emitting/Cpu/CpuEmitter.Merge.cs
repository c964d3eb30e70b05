using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// The merge layers: Add (a residual sum, with an activation fused in) and Concat (channels or features side by side).
internal static partial class CpuEmitter
{
    private static void WriteAdd(CodeWriter w, NetworkPlan plan, AddOp op)
    {
        string size = N.SizeConstant(plan.Values[op.Output].Identifier);
        string terms = string.Join(" + ", Enumerable.Range(0, op.Inputs.Count).Select(k => InputName(op, k)));
        string formula = op.Activation == ActivationKind.None ? $"y = {terms}" : $"y = {ActivationFormula(op.Activation, op.NegativeSlope, "z")} with z = {terms}";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{CodeWriter.Xml(formula)}</c>.</summary>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Line($"int count = batch * {size};");
            if (op.Inputs.Count == 2)
            {
                // The sum and the activation in one pass.
                w.Line($"{N.GraphKernels}.Sum({InputName(op, 0)}.Slice(0, count), {InputName(op, 1)}.Slice(0, count), y, {Operator(op.Activation, op.NegativeSlope)});");
            }
            else
            {
                w.Line($"{N.GraphKernels}.Sum({InputName(op, 0)}.Slice(0, count), {InputName(op, 1)}.Slice(0, count), y);");
                for (int k = 2; k < op.Inputs.Count; k++) w.Line($"{N.GraphKernels}.AddTo({InputName(op, k)}.Slice(0, count), y);");
                if (op.Activation != ActivationKind.None)
                {
                    w.Line($"// Epilogue: {op.Activation}");
                    w.Line($"{N.ElementwiseKernels}.Activate(y.Slice(0, count), {Operator(op.Activation, op.NegativeSlope)});");
                }
            }
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        string gradient = op.Activation == ActivationKind.None ? "dy" : "dz";
        bool fused = op.Inputs.Count == 2 && op.Activation != ActivationKind.None;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: every input receives <c>{gradient}</c>{(op.Activation == ActivationKind.None ? "" : " = dy * f'(z)")}, written or added to what another reader wrote.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: op.Activation != ActivationKind.None && !fused)})"))
        {
            w.Line($"int count = batch * {size};");
            if (fused)
            {
                // dz = dy * f'(z) computed once and written (or added) to both inputs' gradients in the same pass.
                string Target(int k) => $"{InputGradientFlag(op, k)} ? d{InputName(op, k)}.Slice(0, count) : default";
                string Add(int k) => op.Inputs[k].Accumulate ? "true" : "false";
                w.Line($"{N.GraphKernels}.SumBackward(y.Slice(0, count), dy.Slice(0, count), {Target(0)}, addFirst: {Add(0)}, {Target(1)}, addSecond: {Add(1)}, {Operator(op.Activation, op.NegativeSlope)});");
            }
            else
            {
                WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "count");
                for (int k = 0; k < op.Inputs.Count; k++)
                {
                    string target = "d" + InputName(op, k);
                    string copy = op.Inputs[k].Accumulate
                        ? $"{N.GraphKernels}.AddTo(dy.Slice(0, count), {target});"
                        : $"dy.Slice(0, count).CopyTo({target});";
                    w.Line($"if ({InputGradientFlag(op, k)}) {copy}{(op.Inputs[k].Accumulate ? " // added: another reader already wrote it" : "")}");
                }
            }
        }
        w.Line();
    }

    private static void WriteConcat(CodeWriter w, NetworkPlan plan, ConcatOp op)
    {
        string size = N.SizeConstant(plan.Values[op.Output].Identifier);
        var parts = op.Inputs.Select(input => input.Shape.Size).ToArray();
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: each output sample is the inputs' samples one after another.</summary>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Line($"const int S = {size}; // floats per output sample: {string.Join(" + ", parts.Select(I))}");
            using (w.Block("for (int b = 0; b < batch; b++)"))
            {
                int at = 0;
                for (int k = 0; k < parts.Length; k++)
                {
                    w.Line($"{InputName(op, k)}.Slice(b * {I(parts[k])}, {I(parts[k])}).CopyTo(y.Slice(b * S + {I(at)}, {I(parts[k])}));");
                    at += parts[k];
                }
            }
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: each input receives its slice of <c>dy</c>, written or added to what another reader wrote.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: false)})"))
        {
            w.Line($"const int S = {size};");
            int at = 0;
            for (int k = 0; k < parts.Length; k++)
            {
                string slice = $"dy.Slice(b * S + {I(at)}, {I(parts[k])})";
                string target = $"d{InputName(op, k)}.Slice(b * {I(parts[k])}, {I(parts[k])})";
                string body = op.Inputs[k].Accumulate ? $"{N.GraphKernels}.AddTo({slice}, {target});" : $"{slice}.CopyTo({target});";
                w.Line($"if ({InputGradientFlag(op, k)})");
                w.Line($"    for (int b = 0; b < batch; b++) {body}{(op.Inputs[k].Accumulate ? " // added: another reader already wrote it" : "")}");
                at += parts[k];
            }
        }
        w.Line();
    }
}
