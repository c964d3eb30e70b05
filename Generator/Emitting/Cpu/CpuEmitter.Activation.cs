using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Element-wise activations, fused into other ops' epilogues or run as ops of their own, and softmax.
internal static partial class CpuEmitter
{
    /// <summary>The activation applied to <paramref name="z"/>, as an expression.</summary>
    private static string ActivationExpression(ActivationKind activation, float slope, string z) => activation switch
    {
        ActivationKind.ReLU => $"{z} > 0f ? {z} : 0f",
        ActivationKind.LeakyReLU => $"{z} > 0f ? {z} : {CodeWriter.Float(slope)} * {z}",
        ActivationKind.Sigmoid => $"1f / (1f + {N.MathF}.Exp(-{z}))",
        ActivationKind.Tanh => $"{N.MathF}.Tanh({z})",
        _ => z,
    };

    /// <summary>The activation as maths for doc comments, e.g. <c>1 / (1 + exp(-x))</c>.</summary>
    internal static string ActivationFormula(ActivationKind activation, float slope, string x) => activation switch
    {
        ActivationKind.ReLU => $"max({x}, 0)",
        ActivationKind.LeakyReLU => $"{x} > 0 ? {x} : {slope.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} {x}",
        ActivationKind.Sigmoid => $"1 / (1 + exp(-{x}))",
        ActivationKind.Tanh => $"tanh({x})",
        _ => x,
    };

    private static string DerivativeComment(ActivationKind activation) => activation switch
    {
        ActivationKind.ReLU => "ReLU'(z) = 1 where the output is positive, else 0",
        ActivationKind.LeakyReLU => "LeakyReLU'(z) = 1 where the output is positive, else the slope",
        ActivationKind.Sigmoid => "sigmoid'(z) = y (1 - y)",
        ActivationKind.Tanh => "tanh'(z) = 1 - y^2",
        _ => "",
    };

    /// <summary>The runtime operator struct of an element-wise activation, e.g. <c>new ReLUOperator()</c>.</summary>
    internal static string Operator(ActivationKind activation, float slope) => activation switch
    {
        ActivationKind.ReLU => "new global::Myelin.Kernels.ReLUOperator()",
        ActivationKind.LeakyReLU => $"new global::Myelin.Kernels.LeakyReLUOperator({CodeWriter.Float(slope)})",
        ActivationKind.Sigmoid => "new global::Myelin.Kernels.SigmoidOperator()",
        ActivationKind.Tanh => "new global::Myelin.Kernels.TanhOperator()",
        _ => "new global::Myelin.Kernels.IdentityOperator()",
    };

    /// <summary>Writes <c>dy *= f'(y)</c> over <paramref name="count"/> elements, in place; nothing for the identity.</summary>
    private static void WriteActivationBackwardInPlace(CodeWriter w, ActivationKind activation, float slope, string count)
    {
        if (activation == ActivationKind.None) return;
        w.Line($"// dz = dy * f'(z), in place in dy: {DerivativeComment(activation)}.");
        w.Line($"{N.ElementwiseKernels}.MultiplyByDerivative(y.Slice(0, {count}), dy.Slice(0, {count}), {Operator(activation, slope)});");
    }

    private static void WriteActivation(CodeWriter w, NetworkPlan plan, ActivationOp op)
    {
        string size = N.SizeConstant(plan.Values[op.Output].Identifier);
        bool softmax = op.Activation == ActivationKind.Softmax;
        string formula = softmax
            ? "y[b, i] = exp(x[b, i] - max_b) / sum_j exp(x[b, j] - max_b)"
            : "y = " + ActivationFormula(op.Activation, op.NegativeSlope, "x");
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{CodeWriter.Xml(formula)}</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            if (softmax)
                w.Line($"{N.ActivationKernels}.SoftmaxRows(x, y, batch, {size});");
            else if (op.Activation == ActivationKind.None)
                w.Line($"x.Slice(0, batch * {size}).CopyTo(y);");
            else
                w.Line($"{N.ElementwiseKernels}.Activate(x.Slice(0, batch * {size}), y, {Operator(op.Activation, op.NegativeSlope)});");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        bool add = op.Input.Accumulate;
        string derivative = softmax ? "y * (dy - sum_j dy_j y_j)" : op.Activation == ActivationKind.None ? "dy" : "dy * f'(x)";
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx {Assign(op, 0)} {derivative}</c>{CodeWriter.Xml(AccumulateNote(op, 0))}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: false)})"))
        {
            string count = $"batch * {size}";
            if (softmax)
            {
                w.Line("// The softmax Jacobian-vector product, row by row (no loss absorbs this softmax).");
                w.Line(add
                    ? $"{N.GraphKernels}.SoftmaxRowsBackwardAndAdd(y, dy, dx, batch, {size});"
                    : $"{N.ActivationKernels}.SoftmaxRowsBackward(y, dy, dx, batch, {size});");
            }
            else if (op.Activation == ActivationKind.None)
            {
                w.Line(add ? $"{N.GraphKernels}.AddTo(dy.Slice(0, {count}), dx);" : $"dy.Slice(0, {count}).CopyTo(dx);");
            }
            else
            {
                w.Line($"// {DerivativeComment(op.Activation)}.");
                w.Line(add
                    ? $"{N.GraphKernels}.MultiplyByDerivativeAndAdd(y.Slice(0, {count}), dy.Slice(0, {count}), dx, {Operator(op.Activation, op.NegativeSlope)});"
                    : $"{N.ElementwiseKernels}.MultiplyByDerivative(y.Slice(0, {count}), dy.Slice(0, {count}), dx, {Operator(op.Activation, op.NegativeSlope)});");
            }
        }
        w.Line();
    }
}
