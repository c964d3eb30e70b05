using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Max, average and global average pooling as plain loops over constant windows.
internal static partial class CpuEmitter
{
    private static string ArgmaxField(PoolOp op) => N.Field(op.Identifier) + "Argmax";

    private static void WritePoolFields(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        if (op.Pool == PoolKind.Max && plan.IsTrainable)
            w.Line($"private int[] {ArgmaxField(op)} = {N.Array}.Empty<int>(); // {BatchShape(op.OutputShape)}, where in its input plane each maximum came from");
    }

    private static void WritePoolAllocation(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        if (op.Pool == PoolKind.Max && plan.IsTrainable)
            w.Line($"{ArgmaxField(op)} = new int[batchSize * {I(op.OutputShape.Size)}];");
    }

    private static void WritePool(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        var input = op.InputShape;
        if (op.Pool == PoolKind.GlobalAverage)
        {
            WriteGlobalAveragePool(w, plan, op);
            return;
        }
        bool max = op.Pool == PoolKind.Max;
        string constants =
            $"const int C = {I(input.Channels)}, H = {I(input.Height)}, W = {I(input.Width)}; // input\n" +
            $"const int OH = {I(op.OutputShape.Height)}, OW = {I(op.OutputShape.Width)}, Kernel = {I(op.KernelSize)}, Stride = {I(op.Stride)};";
        string formula = max
            ? "y[b, c, oy, ox] = max over the window of x[b, c, oy*Stride + ky, ox*Stride + kx]"
            : "y[b, c, oy, ox] = mean over the window of x[b, c, oy*Stride + ky, ox*Stride + kx]";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{formula}</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {op.Identifier}Forward({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            w.Lines(constants);
            if (max && plan.IsTrainable) w.Line($"int[] argmax = {ArgmaxField(op)};");
            using (w.Block("for (int plane = 0; plane < batch * C; plane++)"))
            {
                w.Line($"{N.ReadOnlySpan} source = x.Slice(plane * H * W, H * W);");
                w.Line("int target = plane * OH * OW;");
                using (w.Block("for (int oy = 0; oy < OH; oy++)"))
                using (w.Block("for (int ox = 0; ox < OW; ox++)"))
                {
                    w.Line("int origin = oy * Stride * W + ox * Stride;");
                    if (max)
                    {
                        w.Line("int best = origin;");
                        w.Line("float value = source[origin];");
                        using (w.Block("for (int ky = 0; ky < Kernel; ky++)"))
                        using (w.Block("for (int kx = 0; kx < Kernel; kx++)"))
                        {
                            w.Line("int at = origin + ky * W + kx;");
                            w.Line("// Strictly greater: ties keep the first position, as PyTorch does.");
                            w.Line("if (source[at] > value) { value = source[at]; best = at; }");
                        }
                        w.Line("y[target + oy * OW + ox] = value;");
                        if (plan.IsTrainable) w.Line("argmax[target + oy * OW + ox] = best;");
                    }
                    else
                    {
                        w.Line("float sum = 0f;");
                        w.Line("for (int ky = 0; ky < Kernel; ky++)");
                        w.Line("for (int kx = 0; kx < Kernel; kx++)");
                        w.Line("    sum += source[origin + ky * W + kx];");
                        w.Line("y[target + oy * OW + ox] = sum * (1f / (Kernel * Kernel));");
                    }
                }
            }
        }
        w.Line();
        if (!plan.IsTrainable) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: {(max ? "each output's gradient goes to the input that was its maximum" : "each output's gradient is shared equally by its window")}.</summary>");
        using (w.Block($"private void {op.Identifier}Backward({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            w.Lines(max
                ? $"const int C = {I(input.Channels)}, H = {I(input.Height)}, W = {I(input.Width)}, OH = {I(op.OutputShape.Height)}, OW = {I(op.OutputShape.Width)};"
                : constants);
            w.Line("dx.Slice(0, batch * C * H * W).Clear();");
            if (max) w.Line($"int[] argmax = {ArgmaxField(op)};");
            using (w.Block("for (int plane = 0; plane < batch * C; plane++)"))
            {
                w.Line($"{N.Span} target = dx.Slice(plane * H * W, H * W);");
                w.Line("int source = plane * OH * OW;");
                if (max)
                {
                    w.Line("for (int o = 0; o < OH * OW; o++) target[argmax[source + o]] += dy[source + o];");
                }
                else
                {
                    using (w.Block("for (int oy = 0; oy < OH; oy++)"))
                    using (w.Block("for (int ox = 0; ox < OW; ox++)"))
                    {
                        w.Line("float share = dy[source + oy * OW + ox] * (1f / (Kernel * Kernel));");
                        w.Line("int origin = oy * Stride * W + ox * Stride;");
                        w.Line("for (int ky = 0; ky < Kernel; ky++)");
                        w.Line("for (int kx = 0; kx < Kernel; kx++)");
                        w.Line("    target[origin + ky * W + kx] += share;");
                    }
                }
            }
        }
        w.Line();
    }

    private static void WriteGlobalAveragePool(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        var input = op.InputShape;
        string constants = $"const int C = {I(input.Channels)}, S = {I(input.Height * input.Width)}; // channels, positions per channel";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>y[b, c] = mean over h, w of x[b, c, h, w]</c>.</summary>");
        using (w.Block($"private void {op.Identifier}Forward({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            w.Line(constants);
            using (w.Block("for (int plane = 0; plane < batch * C; plane++)"))
            {
                w.Line("float sum = 0f;");
                w.Line("foreach (float value in x.Slice(plane * S, S)) sum += value;");
                w.Line("y[plane] = sum * (1f / S);");
            }
        }
        w.Line();
        if (!plan.IsTrainable) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx[b, c, h, w] = dy[b, c] / (H W)</c>.</summary>");
        using (w.Block($"private void {op.Identifier}Backward({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            w.Line(constants);
            w.Line("for (int plane = 0; plane < batch * C; plane++) dx.Slice(plane * S, S).Fill(dy[plane] * (1f / S));");
        }
        w.Line();
    }
}
