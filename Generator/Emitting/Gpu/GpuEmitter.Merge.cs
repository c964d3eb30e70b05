using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// The merge layers. Add sums its inputs in the CPU's order (the first two, then each further one) with the activation
// applied by the last kernel; Concat copies each input into its slice of every sample. Backward, each input that needs
// a gradient gets dy (through the activation's derivative) or its slice of dy, written or added as the plan marks it.
internal static partial class GpuEmitter
{
    private static void AddAddKernels(List<Kernel> kernels, NetworkPlan plan, AddOp op)
    {
        string activated = Activate(op.Activation, op.NegativeSlope, "z");
        kernels.Add(Elementwise(N.ForwardMethod(op.Identifier),
            $"{op.Description}: y = x0 + x1{(op.Activation == ActivationKind.None ? "" : ", then the activation when these are the only inputs")}.",
            new[] { Floats("x0"), Floats("x1"), Floats("y"), Int("activate") },
            "float z = x0[i] + x1[i];",
            $"y[i] = activate != 0 ? {activated} : z;"));
        if (op.Inputs.Count > 2)
        {
            kernels.Add(Elementwise(op.Identifier + "AddInput",
                $"{op.Description}: y += one more input, then the activation after the last.",
                new[] { Floats("x"), Floats("y"), Int("activate") },
                "float z = y[i] + x[i];",
                $"y[i] = activate != 0 ? {activated} : z;"));
        }
        if (!plan.HasBackward(op)) return;
        AddDzHelper(kernels, op);
        var dz = DzParameters(op).ToList();
        foreach (bool accumulate in op.Inputs.Select(input => input.Accumulate).Distinct())
        {
            string assign = accumulate ? "+=" : "=";
            kernels.Add(Elementwise(op.Identifier + (accumulate ? "AddGradient" : "WriteGradient"),
                $"Backward of {op.Description}: dx {assign} dz for one input{(accumulate ? " whose gradient another reader already wrote" : "")}.",
                dz.Append(Floats("dx")).ToList(),
                $"dx[i] {assign} {Dz(op, "i")};"));
        }
    }

    private static void WriteAddHost(CodeWriter w, NetworkPlan plan, AddOp op)
    {
        string count = $"batch * {OutputSize(plan, op)}";
        string y = Value(plan, op.Output);
        int last = op.Inputs.Count - 1;
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}({count}, {Value(plan, op.Inputs[0].Value)}, {Value(plan, op.Inputs[1].Value)}, {y}, {(last == 1 ? 1 : 0)});");
            for (int k = 2; k <= last; k++)
                w.Line($"{N.KernelField(op.Identifier + "AddInput")}({count}, {Value(plan, op.Inputs[k].Value)}, {y}, {(k == last ? 1 : 0)});");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: each input that needs a gradient receives dz.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            for (int k = 0; k <= last; k++)
            {
                var input = op.Inputs[k];
                string kernel = N.KernelField(op.Identifier + (input.Accumulate ? "AddGradient" : "WriteGradient"));
                w.Line($"if ({NeedsGradient(plan, input.Value)}) {kernel}({count}, {DzArguments(plan, op)}, {Gradient(plan, input.Value)});");
            }
        }
        w.Line();
    }

    private static void AddConcatKernels(List<Kernel> kernels, NetworkPlan plan, ConcatOp op)
    {
        string size = I(op.OutputShape.Size);
        kernels.Add(Elementwise(N.ForwardMethod(op.Identifier),
            $"{op.Description}: one input's samples into their slice of the output's, y[b, at + j] = x[b, j].",
            new[] { Floats("x"), Floats("y"), Int("part"), Int("at") },
            $"const int S = {size}; // floats per output sample",
            "y[(i / part) * S + at + i % part] = x[i];"));
        if (!plan.HasBackward(op)) return;
        foreach (bool accumulate in op.Inputs.Select(input => input.Accumulate).Distinct())
        {
            string assign = accumulate ? "+=" : "=";
            kernels.Add(Elementwise(op.Identifier + (accumulate ? "AddGradient" : "WriteGradient"),
                $"Backward of {op.Description}: dx[b, j] {assign} dy[b, at + j] for one input.",
                new[] { Floats("dy"), Floats("dx"), Int("part"), Int("at") },
                $"const int S = {size};",
                $"dx[i] {assign} dy[(i / part) * S + at + i % part];"));
        }
    }

    private static void WriteConcatHost(CodeWriter w, NetworkPlan plan, ConcatOp op)
    {
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            int at = 0;
            foreach (var input in op.Inputs)
            {
                int part = input.Shape.Size;
                w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}(batch * {I(part)}, {Value(plan, input.Value)}, {Value(plan, op.Output)}, {I(part)}, {I(at)});");
                at += part;
            }
        }
        w.Line();
        if (!plan.HasBackward(op)) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: each input that needs a gradient receives its slice of dy.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            int at = 0;
            foreach (var input in op.Inputs)
            {
                int part = input.Shape.Size;
                string kernel = N.KernelField(op.Identifier + (input.Accumulate ? "AddGradient" : "WriteGradient"));
                w.Line($"if ({NeedsGradient(plan, input.Value)}) {kernel}(batch * {I(part)}, {Gradient(plan, op.Output)}, {Gradient(plan, input.Value)}, {I(part)}, {I(at)});");
                at += part;
            }
        }
        w.Line();
    }
}
