using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Dense layers: a matrix product with the bias and the activation fused into one epilogue, and its backward pass.
internal static partial class CpuEmitter
{
    private static void WriteDense(CodeWriter w, NetworkPlan plan, DenseOp op)
    {
        var weight = plan.Tensors[op.Weight];
        var bias = op.Bias >= 0 ? plan.Tensors[op.Bias] : null;
        int inputs = op.InputShape.Size / op.Steps, outputs = op.OutputShape.Size / op.Steps;
        // On a sequence the product runs over every step of every sample: batch * Steps rows of In.
        bool sequence = op.Steps > 1;
        string rows = sequence ? "batch * Steps" : "batch";
        string row = sequence ? "b, t" : "b";
        string sum = $"sum_i x[{row}, i] W[o, i]{(bias is null ? "" : " + bias[o]")}";
        string formula = op.Activation == ActivationKind.None
            ? $"y[{row}, o] = {sum}"
            : $"y[{row}, o] = {ActivationFormula(op.Activation, op.NegativeSlope, "z")} with z = {sum}";
        string constants = sequence ? $"const int Steps = {I(op.Steps)}, In = {I(inputs)}, Out = {I(outputs)};" : $"const int In = {I(inputs)}, Out = {I(outputs)};";

        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{CodeWriter.Xml(formula)}</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Line(constants);
            w.Line($"// y[{rows}, Out] = x[{rows}, In] . W^T, with W = {weight.Name} [Out, In]{(sequence ? ": every step of every sample in one product" : "")}");
            w.Line($"{N.Gemm}.MultiplyTransposedB(x, {weight.Identifier}, y, {rows}, Out, In, accumulate: false);");
            if (bias is not null)
            {
                w.Line($"// Epilogue, one pass over y: + bias{(op.Activation == ActivationKind.None ? "" : ", " + op.Activation)}");
                w.Line($"{N.ElementwiseKernels}.AddColumnBiasAndActivate(y.Slice(0, {rows} * Out), {bias.Identifier}, {rows}, Out, {Operator(op.Activation, op.NegativeSlope)});");
            }
            else if (op.Activation != ActivationKind.None)
            {
                w.Line($"// Epilogue: {op.Activation}");
                w.Line($"{N.ElementwiseKernels}.Activate(y.Slice(0, {rows} * Out), {Operator(op.Activation, op.NegativeSlope)});");
            }
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dz = dy * f'(z); dW += dz^T . x{(bias is null ? "" : "; db += sum_b dz")}; dx {Assign(op, 0)} dz . W</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}, the forward input</param>");
        if (op.BackwardReadsOutput) w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}, the forward output</param>");
        w.Line($"/// <param name=\"dy\">{BatchShape(op.OutputShape)}, dLoss/dy; overwritten with dLoss/dz</param>");
        w.Line($"/// <param name=\"dx\">{BatchShape(op.InputShape)}, receives dLoss/dx{AccumulateNote(op, 0)}</param>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: true)})"))
        {
            w.Line(constants);
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, $"{rows} * Out");
            using (w.Block("if (weightGradients)"))
            {
                w.Line($"// dW[Out, In] += dz^T[Out, {rows}] . x[{rows}, In]");
                w.Line($"{N.Gemm}.MultiplyTransposedA(dy, x, {weight.Identifier}Gradient, Out, In, {rows}, accumulate: true);");
                if (bias is not null)
                {
                    w.Line($"// db[Out] += sum over the {(sequence ? "batch and steps" : "batch")} of dz[{row}, :]");
                    w.Line($"{N.ElementwiseKernels}.AddColumnSums(dy, {rows}, Out, {bias.Identifier}Gradient);");
                }
            }
            using (w.Block("if (inputGradient)"))
            {
                w.Line($"// dx[{rows}, In] {Assign(op, 0)} dz[{rows}, Out] . W[Out, In]");
                w.Line($"{N.Gemm}.Multiply(dy, {weight.Identifier}, dx, {rows}, In, Out, accumulate: {(op.Input.Accumulate ? "true" : "false")});");
            }
        }
        w.Line();
    }
}
