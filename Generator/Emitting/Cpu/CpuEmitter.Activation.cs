using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

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

    /// <summary>
    /// The derivative's factor written in terms of the activation's OUTPUT <paramref name="y"/>, so that no
    /// pre-activation has to be kept: ReLU' = [y &gt; 0], sigmoid' = y(1 - y), tanh' = 1 - y². Null for the identity.
    /// </summary>
    private static string? DerivativeFromOutput(ActivationKind activation, float slope, string y) => activation switch
    {
        ActivationKind.ReLU => $"({y} > 0f ? 1f : 0f)",
        ActivationKind.LeakyReLU => $"({y} > 0f ? 1f : {CodeWriter.Float(slope)})",
        ActivationKind.Sigmoid => $"{y} * (1f - {y})",
        ActivationKind.Tanh => $"(1f - {y} * {y})",
        _ => null,
    };

    private static string DerivativeComment(ActivationKind activation) => activation switch
    {
        ActivationKind.ReLU => "ReLU'(z) = 1 where the output is positive, else 0",
        ActivationKind.LeakyReLU => "LeakyReLU'(z) = 1 where the output is positive, else the slope",
        ActivationKind.Sigmoid => "sigmoid'(z) = y (1 - y)",
        ActivationKind.Tanh => "tanh'(z) = 1 - y^2",
        _ => "",
    };

    /// <summary>Writes <c>dy *= f'(y)</c> over <paramref name="count"/> elements, in place; nothing for the identity.</summary>
    private static void WriteActivationBackwardInPlace(CodeWriter w, ActivationKind activation, float slope, string count)
    {
        string? derivative = DerivativeFromOutput(activation, slope, "y[i]");
        if (derivative is null) return;
        w.Line($"// dz = dy * f'(z), in place in dy: {DerivativeComment(activation)}.");
        if (activation == ActivationKind.ReLU)
            w.Line($"for (int i = 0; i < {count}; i++) if (y[i] <= 0f) dy[i] = 0f;");
        else
            w.Line($"for (int i = 0; i < {count}; i++) dy[i] *= {derivative};");
    }

    private static void WriteActivation(CodeWriter w, NetworkPlan plan, ActivationOp op)
    {
        string size = N.SizeConstant(plan.Buffers[op.Output].Identifier);
        bool softmax = op.Activation == ActivationKind.Softmax;
        string formula = softmax
            ? "y[b, i] = exp(x[b, i] - max_b) / sum_j exp(x[b, j] - max_b)"
            : op.Activation == ActivationKind.None ? "y = x" : "y = " + ActivationExpression(op.Activation, op.NegativeSlope, "x");
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{CodeWriter.Xml(formula)}</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {op.Identifier}Forward({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            if (softmax)
                w.Line($"{N.ActivationKernels}.SoftmaxRows(x, y, batch, {size});");
            else if (op.Activation == ActivationKind.None)
                w.Line($"x.Slice(0, batch * {size}).CopyTo(y);");
            else
                w.Line($"for (int i = 0; i < batch * {size}; i++) y[i] = {ActivationExpression(op.Activation, op.NegativeSlope, "x[i]")};");
        }
        w.Line();
        if (!plan.IsTrainable || op.AbsorbedByLoss) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx = {(softmax ? "y * (dy - sum_j dy_j y_j)" : "dy * f'(x)")}</c>.</summary>");
        using (w.Block($"private void {op.Identifier}Backward({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            if (softmax)
            {
                w.Line("// The softmax Jacobian-vector product, row by row (no loss absorbs this softmax).");
                w.Line($"{N.ActivationKernels}.SoftmaxRowsBackward(y, dy, dx, batch, {size});");
            }
            else if (op.Activation == ActivationKind.None)
            {
                w.Line($"dy.Slice(0, batch * {size}).CopyTo(dx);");
            }
            else
            {
                w.Line($"// {DerivativeComment(op.Activation)}.");
                w.Line($"for (int i = 0; i < batch * {size}; i++) dx[i] = dy[i] * {DerivativeFromOutput(op.Activation, op.NegativeSlope, "y[i]")};");
            }
        }
        w.Line();
    }
}
