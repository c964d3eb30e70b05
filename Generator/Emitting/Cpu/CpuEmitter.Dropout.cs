using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Inverted dropout with masks drawn from (seed, step, layer), so that every run with the same seed is identical.
internal static partial class CpuEmitter
{
    private static void WriteDropoutStatics(CodeWriter w, DropoutOp op) =>
        w.Line($"private const long {N.StreamConstant(op.Identifier)} = {StreamLiteral(op.Stream)}; // FNV-1a of the layer's name: its own random stream");

    private static void WriteDropoutState(CodeWriter w, DropoutOp op) =>
        w.Line($"private bool {N.ActiveField(op.Identifier)}; // whether the last forward pass dropped anything (training mode)");

    private static void WriteDropout(CodeWriter w, NetworkPlan plan, DropoutOp op)
    {
        string size = N.SizeConstant(plan.Values[op.Output].Identifier);
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: in training <c>y = x * mask</c> with <c>mask = 0</c> (probability p) or <c>1/(1 - p)</c>; in eval <c>y = x</c>.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
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
        if (!plan.HasBackward(op)) return;
        bool add = op.Input.Accumulate;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx {Assign(op, 0)} dy * mask</c> (or <c>dy</c> when nothing was dropped){CodeWriter.Xml(AccumulateNote(op, 0))}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: false)})"))
        {
            w.Line($"int count = batch * {size};");
            using (w.Block($"if (!{N.ActiveField(op.Identifier)})"))
            {
                w.Line(add ? $"{N.GraphKernels}.AddTo(dy.Slice(0, count), dx);" : "dy.Slice(0, count).CopyTo(dx);");
                w.Line("return;");
            }
            w.Line($"float[] mask = {N.MaskField(op.Identifier)};");
            w.Line($"for (int i = 0; i < count; i++) dx[i] {Assign(op, 0)} dy[i] * mask[i];");
        }
        w.Line();
    }
}
