using System.Collections.Generic;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Inverted dropout with the CPU network's mask stream: the CPU draws a layer's mask sequentially from
// SeededRandom(seed, stream + step * golden); SplitMix64's i-th draw depends only on the starting state and i, so each
// thread draws its own element and the masks are bit for bit the CPU's.
internal static partial class GpuEmitter
{
    private static string DropoutConstants(DropoutOp op) => $"const float Rate = {F(op.Rate)}, Keep = 1f / (1f - Rate);";

    private static void AddDropoutKernels(List<Kernel> kernels, NetworkPlan plan, DropoutOp op)
    {
        kernels.Add(Elementwise(N.ForwardMethod(op.Identifier),
            $"{op.Description}: in training y = x * mask, mask = 0 where draw i of the step's stream is below p, else 1/(1 - p); in eval y = x.",
            new[] { Floats("x"), Floats("y"), Floats("mask"), new Parameter("ulong", "state"), Int("active") },
            DropoutConstants(op),
            """
            if (active == 0)
            {
                y[i] = x[i];
                return;
            }
            """,
            $"float keep = {N.DeviceRandom}.Uniform(state, i) < Rate ? 0f : Keep;",
            "mask[i] = keep;",
            "y[i] = x[i] * keep;"));
        if (!plan.HasBackward(op)) return;
        string assign = Assign(op, 0);
        kernels.Add(Elementwise(N.BackwardMethod(op.Identifier),
            $"Backward of {op.Description}: dx {assign} dy * mask (dy when nothing was dropped).",
            new[] { Floats("dy"), Floats("mask"), Floats("dx"), Int("active") },
            $"dx[i] {assign} active != 0 ? dy[i] * mask[i] : dy[i];"));
    }

    private static void WriteDropoutHost(CodeWriter w, NetworkPlan plan, DropoutOp op)
    {
        string active = N.ActiveField(op.Identifier);
        string count = $"batch * {OutputSize(plan, op)}";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: the mask stream of step Step, as the CPU network draws it.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            w.Line($"{active} = IsTraining && {F(op.Rate)} > 0f;");
            w.Line($"ulong state = {active} ? {N.DeviceRandom}.DropoutState(Seed, {N.StreamConstant(op.Identifier)}, Step) : 0UL;");
            w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}({count}, {Value(plan, op.Input.Value)}, {Value(plan, op.Output)}, {N.MaskField(op.Identifier)}, state, {active} ? 1 : 0);");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            w.Line($"{N.KernelField(N.BackwardMethod(op.Identifier))}({count}, {Gradient(plan, op.Output)}, {N.MaskField(op.Identifier)}, {Gradient(plan, op.Input.Value)}, {active} ? 1 : 0);");
        }
        w.Line();
    }
}
