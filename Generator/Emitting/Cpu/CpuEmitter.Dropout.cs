using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Inverted dropout with masks drawn from (seed, step, layer), so that every run with the same seed is identical.
internal static partial class CpuEmitter
{
    private static string MaskField(DropoutOp op) => N.Field(op.Identifier) + "Mask";

    private static string ActiveField(DropoutOp op) => N.Field(op.Identifier) + "WasActive";

    private static void WriteDropoutFields(CodeWriter w, NetworkPlan plan, DropoutOp op)
    {
        w.Line($"private float[] {MaskField(op)} = {N.Array}.Empty<float>(); // {BatchShape(op.OutputShape)}, 0 or 1/(1 - p) per element of the last training pass");
        w.Line($"private bool {ActiveField(op)}; // whether the last forward pass dropped anything (training mode)");
    }

    private static void WriteDropoutAllocation(CodeWriter w, NetworkPlan plan, DropoutOp op) =>
        w.Line($"{MaskField(op)} = new float[batchSize * {I(op.OutputShape.Size)}];");

    private static void WriteDropout(CodeWriter w, NetworkPlan plan, DropoutOp op)
    {
        string name = plan.Layers[op.LayerIndex].Name;
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: in training <c>y = x * mask</c> with <c>mask = 0</c> (probability p) or <c>1/(1 - p)</c>; in eval <c>y = x</c>.</summary>");
        using (w.Block($"private void {op.Identifier}Forward({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            w.Line($"const int Size = {I(op.OutputShape.Size)};");
            w.Line($"const float Rate = {CodeWriter.Float(op.Rate)};");
            w.Line($"{ActiveField(op)} = {N.IsTraining} && Rate > 0f;");
            using (w.Block($"if (!{ActiveField(op)})"))
            {
                w.Line("x.Slice(0, batch * Size).CopyTo(y);");
                w.Line("return;");
            }
            w.Line($"// A fresh stream per training step and layer: (seed, step) decide the mask, so runs repeat exactly.");
            w.Line($"var random = new {N.SeededRandom}({N.Seed}, stream: unchecked({StreamOf(name)} + {N.Step} * (long)0x9E3779B97F4A7C15UL)); // \"{name}\"");
            w.Line($"float[] mask = {MaskField(op)};");
            w.Line("const float Keep = 1f / (1f - Rate);");
            using (w.Block("for (int i = 0; i < batch * Size; i++)"))
            {
                w.Line("mask[i] = random.NextFloat() < Rate ? 0f : Keep;");
                w.Line("y[i] = x[i] * mask[i];");
            }
        }
        w.Line();
        if (!plan.IsTrainable) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx = dy * mask</c> (or <c>dy</c> when nothing was dropped).</summary>");
        using (w.Block($"private void {op.Identifier}Backward({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            w.Line($"const int Size = {I(op.OutputShape.Size)};");
            using (w.Block($"if (!{ActiveField(op)})"))
            {
                w.Line("dy.Slice(0, batch * Size).CopyTo(dx);");
                w.Line("return;");
            }
            w.Line($"float[] mask = {MaskField(op)};");
            w.Line("for (int i = 0; i < batch * Size; i++) dx[i] = dy[i] * mask[i];");
        }
        w.Line();
    }
}
