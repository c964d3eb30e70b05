using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Inverted dropout with masks drawn from (seed, step, layer), so that every run with the same seed is identical.
internal static partial class CpuEmitter
{
    private static void WriteDropoutStatics(CodeWriter w, NetworkPlan plan, DropoutOp op)
    {
        string name = plan.Layers[op.LayerIndex].Name;
        w.Line($"private const long {N.StreamConstant(op.Identifier)} = {StreamOf(name)}; // FNV-1a of \"{name}\": {name}'s own random stream");
    }

    private static BatchArray DropoutMask(NetworkPlan plan, DropoutOp op) =>
        new(N.MaskField(op.Identifier), "float", N.SizeConstant(plan.Buffers[op.Output].Identifier),
            $"{BatchShape(op.OutputShape)}, 0 or 1/(1 - p) per element of the last training pass");

    private static void WriteDropoutState(CodeWriter w, DropoutOp op) =>
        w.Line($"private bool {N.ActiveField(op.Identifier)}; // whether the last forward pass dropped anything (training mode)");

    private static void WriteDropout(CodeWriter w, NetworkPlan plan, DropoutOp op)
    {
        string size = N.SizeConstant(plan.Buffers[op.Output].Identifier);
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: in training <c>y = x * mask</c> with <c>mask = 0</c> (probability p) or <c>1/(1 - p)</c>; in eval <c>y = x</c>.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            w.Line($"const float Rate = {CodeWriter.Float(op.Rate)}, Keep = 1f / (1f - Rate);");
            w.Line($"int count = batch * {size};");
            w.Line($"{N.ActiveField(op.Identifier)} = {N.IsTraining} && Rate > 0f;");
            using (w.Block($"if (!{N.ActiveField(op.Identifier)})"))
            {
                w.Line("x.Slice(0, count).CopyTo(y);");
                w.Line("return;");
            }
            w.Line("// A fresh stream per training step and layer: the seed and the step decide the mask, so runs repeat exactly.");
            w.Line($"var random = new {N.SeededRandom}({N.Seed}, stream: unchecked({N.StreamConstant(op.Identifier)} + {N.Step} * (long)0x9E3779B97F4A7C15UL));");
            w.Line($"float[] mask = {N.MaskField(op.Identifier)};");
            using (w.Block("for (int i = 0; i < count; i++)"))
            {
                w.Line("mask[i] = random.NextFloat() < Rate ? 0f : Keep;");
                w.Line("y[i] = x[i] * mask[i];");
            }
        }
        w.Line();
        if (!plan.IsTrainable) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx = dy * mask</c> (or <c>dy</c> when nothing was dropped).</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            w.Line($"int count = batch * {size};");
            using (w.Block($"if (!{N.ActiveField(op.Identifier)})"))
            {
                w.Line("dy.Slice(0, count).CopyTo(dx);");
                w.Line("return;");
            }
            w.Line($"float[] mask = {N.MaskField(op.Identifier)};");
            w.Line("for (int i = 0; i < count; i++) dx[i] = dy[i] * mask[i];");
        }
        w.Line();
    }
}
