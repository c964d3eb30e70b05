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
        int inputs = op.InputShape.Size, outputs = op.OutputShape.Size;
        string sum = $"sum_i x[b, i] W[o, i]{(bias is null ? "" : " + bias[o]")}";
        string formula = op.Activation == ActivationKind.None
            ? $"y[b, o] = {sum}"
            : $"y[b, o] = {ActivationFormula(op.Activation, op.NegativeSlope, "z")} with z = {sum}";

        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{CodeWriter.Xml(formula)}</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Line($"const int In = {I(inputs)}, Out = {I(outputs)};");
            w.Line($"// y[batch, Out] = x[batch, In] . W^T, with W = {weight.Name} [Out, In]");
            w.Line($"{N.Gemm}.MultiplyTransposedB(x, {weight.Identifier}, y, batch, Out, In, accumulate: false);");
            if (bias is not null)
            {
                w.Line($"// Epilogue, one pass over y: + bias{(op.Activation == ActivationKind.None ? "" : ", " + op.Activation)}");
                w.Line($"{N.ElementwiseKernels}.AddColumnBiasAndActivate(y.Slice(0, batch * Out), {bias.Identifier}, batch, Out, {Operator(op.Activation, op.NegativeSlope)});");
            }
            else if (op.Activation != ActivationKind.None)
            {
                w.Line($"// Epilogue: {op.Activation}");
                w.Line($"{N.ElementwiseKernels}.Activate(y.Slice(0, batch * Out), {Operator(op.Activation, op.NegativeSlope)});");
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
            w.Line($"const int In = {I(inputs)}, Out = {I(outputs)};");
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * Out");
            using (w.Block("if (weightGradients)"))
            {
                w.Line($"// dW[Out, In] += dz^T[Out, batch] . x[batch, In]");
                w.Line($"{N.Gemm}.MultiplyTransposedA(dy, x, {weight.Identifier}Gradient, Out, In, batch, accumulate: true);");
                if (bias is not null)
                {
                    w.Line("// db[Out] += sum over the batch of dz[b, :]");
                    w.Line($"{N.ElementwiseKernels}.AddColumnSums(dy, batch, Out, {bias.Identifier}Gradient);");
                }
            }
            using (w.Block("if (inputGradient)"))
            {
                w.Line($"// dx[batch, In] {Assign(op, 0)} dz[batch, Out] . W[Out, In]");
                w.Line($"{N.Gemm}.Multiply(dy, {weight.Identifier}, dx, batch, In, Out, accumulate: {(op.Input.Accumulate ? "true" : "false")});");
            }
        }
        w.Line();
    }
}
