using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Element-wise activations as kernel expressions (the epilogues of products and the prologues of their backward
// passes), and the stand-alone activation ops, softmax among them.
internal static partial class GpuEmitter
{
    private const string MathF = "global::System.MathF";

    /// <summary><c>f(z)</c> as an expression; <paramref name="z"/> must be a plain name (it may be read twice).</summary>
    private static string Activate(ActivationKind activation, float slope, string z) => activation switch
    {
        ActivationKind.ReLU => $"({z} > 0f ? {z} : 0f)",
        ActivationKind.LeakyReLU => $"({z} > 0f ? {z} : {F(slope)} * {z})",
        ActivationKind.Sigmoid => $"(1f / (1f + {MathF}.Exp(-{z})))",
        ActivationKind.Tanh => $"{MathF}.Tanh({z})",
        _ => z,
    };

    /// <summary><c>f'(z)</c> from the output <paramref name="y"/>, as the CPU operators' <c>DerivativeFromOutput</c>.</summary>
    private static string Derivative(ActivationKind activation, float slope, string y) => activation switch
    {
        ActivationKind.ReLU => $"({y} > 0f ? 1f : 0f)",
        ActivationKind.LeakyReLU => $"({y} > 0f ? 1f : {F(slope)})",
        ActivationKind.Sigmoid => $"({y} * (1f - {y}))",
        ActivationKind.Tanh => $"(1f - {y} * {y})",
        _ => "1f",
    };

    /// <summary>The name of an op's prologue helper, <c>dz = dy * f'(y)</c> at one index.</summary>
    private static string DzHelper(PlannedOp op) => op.Identifier + "Dz";

    /// <summary>
    /// The expression for <c>dLoss/dz</c> at index <paramref name="at"/> of an op's output: <c>dy[at]</c>, or the
    /// activation's derivative applied on the fly (the prologue of every backward kernel of the op).
    /// </summary>
    private static string Dz(PlannedOp op, string at) =>
        op.Activation == ActivationKind.None ? $"dy[{at}]" : $"{DzHelper(op)}(dy, y, {at})";

    /// <summary>The parameters a backward kernel takes for <see cref="Dz"/>: <c>dy</c>, and <c>y</c> when the op has an activation.</summary>
    private static IEnumerable<Parameter> DzParameters(PlannedOp op)
    {
        yield return Floats("dy");
        if (op.Activation != ActivationKind.None) yield return Floats("y");
    }

    /// <summary>The host arguments matching <see cref="DzParameters"/>.</summary>
    private static string DzArguments(NetworkPlan plan, PlannedOp op) =>
        op.Activation == ActivationKind.None ? Gradient(plan, op.Output) : $"{Gradient(plan, op.Output)}, {Value(plan, op.Output)}";

    /// <summary>Adds the prologue helper of an op with an activation.</summary>
    private static void AddDzHelper(List<Kernel> kernels, PlannedOp op)
    {
        if (op.Activation == ActivationKind.None) return;
        kernels.Add(new Kernel(DzHelper(op), $"{op.Identifier}'s prologue: dz = dy * {op.Activation}'(z), from the output y.", grouped: false,
            new[] { Floats("dy"), Floats("y"), Int("at") },
            w => w.Line($"return dy[at] * {Derivative(op.Activation, op.NegativeSlope, "y[at]")};"), returnType: "float"));
    }

    private static void AddActivationKernels(List<Kernel> kernels, NetworkPlan plan, ActivationOp op)
    {
        string size = I(op.OutputShape.Size);
        bool softmax = op.Activation == ActivationKind.Softmax;
        if (softmax)
        {
            kernels.Add(Elementwise(N.ForwardMethod(op.Identifier), $"{op.Description}: one thread per row, y = exp(x - max) / sum exp(x - max).",
                new[] { Floats("x"), Floats("y") },
                $$"""
                const int Columns = {{size}};
                int at = i * Columns;
                float max = x[at];
                for (int c = 1; c < Columns; c++) max = {{MathF}}.Max(max, x[at + c]);
                float sum = 0f;
                for (int c = 0; c < Columns; c++)
                {
                    float e = {{MathF}}.Exp(x[at + c] - max);
                    y[at + c] = e;
                    sum += e;
                }
                float inverse = 1f / sum;
                for (int c = 0; c < Columns; c++) y[at + c] *= inverse;
                """));
        }
        else
        {
            string body = op.Activation == ActivationKind.None ? "y[i] = x[i];" : $"float z = x[i];\ny[i] = {Activate(op.Activation, op.NegativeSlope, "z")};";
            kernels.Add(Elementwise(N.ForwardMethod(op.Identifier), $"{op.Description}: element-wise.", new[] { Floats("x"), Floats("y") }, body));
        }
        if (!plan.HasBackward(op)) return;

        string assign = Assign(op, 0);
        if (softmax)
        {
            kernels.Add(Elementwise(N.BackwardMethod(op.Identifier), $"Backward of {op.Description}: one thread per row, dx {assign} y (dy - sum_j dy_j y_j).",
                new[] { Floats("y"), Floats("dy"), Floats("dx") },
                $$"""
                const int Columns = {{size}};
                int at = i * Columns;
                float dot = 0f;
                for (int c = 0; c < Columns; c++) dot += dy[at + c] * y[at + c];
                for (int c = 0; c < Columns; c++) dx[at + c] {{assign}} y[at + c] * (dy[at + c] - dot);
                """));
        }
        else
        {
            var parameters = new List<Parameter> { Floats("dy") };
            if (op.Activation != ActivationKind.None) parameters.Add(Floats("y"));
            parameters.Add(Floats("dx"));
            string value = op.Activation == ActivationKind.None ? "dy[i]" : $"dy[i] * {Derivative(op.Activation, op.NegativeSlope, "y[i]")}";
            kernels.Add(Elementwise(N.BackwardMethod(op.Identifier), $"Backward of {op.Description}: dx {assign} dy * f'(y).", parameters, $"dx[i] {assign} {value};"));
        }
    }

    private static void WriteActivationHost(CodeWriter w, NetworkPlan plan, ActivationOp op)
    {
        bool softmax = op.Activation == ActivationKind.Softmax;
        string extent = softmax ? "batch" : $"batch * {OutputSize(plan, op)}";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}({extent}, {Value(plan, op.Input.Value)}, {Value(plan, op.Output)});");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            string arguments = softmax
                ? $"{Value(plan, op.Output)}, {Gradient(plan, op.Output)}"
                : op.Activation == ActivationKind.None ? Gradient(plan, op.Output) : $"{Gradient(plan, op.Output)}, {Value(plan, op.Output)}";
            w.Line($"{N.KernelField(N.BackwardMethod(op.Identifier))}({extent}, {arguments}, {Gradient(plan, op.Input.Value)});");
        }
        w.Line();
    }
}
