using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Max, average and global average pooling: the window loops live in PoolingKernels; global pooling is one mean per plane.
internal static partial class CpuEmitter
{
    private static void WritePoolStatics(CodeWriter w, PoolOp op)
    {
        if (op.Pool == PoolKind.GlobalAverage) return;
        var i = op.InputShape;
        var o = op.OutputShape;
        w.Line($"private static readonly {N.PoolShape} {N.GeometryField(op.Identifier)} = new(Planes: {I(i.Channels)}, Height: {I(i.Height)}, Width: {I(i.Width)},");
        w.Line($"    Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, OutHeight: {I(o.Height)}, OutWidth: {I(o.Width)}); // one sample's planes; a batch has batch * {I(i.Channels)}");
    }

    /// <summary>Max pooling keeps, per output, where its maximum came from, for the backward pass.</summary>
    private static IEnumerable<BatchArray> PoolArrays(NetworkPlan plan, PoolOp op)
    {
        if (op.Pool == PoolKind.Max && plan.IsTrainable)
            yield return new BatchArray(N.ArgmaxField(op.Identifier), "int", N.SizeConstant(plan.Buffers[op.Output].Identifier),
                $"{BatchShape(op.OutputShape)}, where in its input plane each maximum came from");
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
        string shape = $"{N.GeometryField(op.Identifier)} with {{ Planes = batch * {I(input.Channels)} }}";
        string formula = max
            ? "y[b, c, oy, ox] = max over the window of x[b, c, oy*stride + ky, ox*stride + kx]"
            : "y[b, c, oy, ox] = mean over the window of x[b, c, oy*stride + ky, ox*stride + kx]";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{formula}</c>.</summary>");
        w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            if (max) w.Line($"{N.PoolingKernels}.MaxPoolForward(x, y, {(plan.IsTrainable ? N.ArgmaxField(op.Identifier) : "default")}, {shape});");
            else w.Line($"{N.PoolingKernels}.AveragePoolForward(x, y, {shape});");
        }
        w.Line();
        if (!plan.IsTrainable) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: {(max ? "each output's gradient goes to the input that was its maximum" : "each output's gradient is shared equally by its window")}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            if (max) w.Line($"{N.PoolingKernels}.MaxPoolBackward(dy, {N.ArgmaxField(op.Identifier)}, dx, {shape});");
            else w.Line($"{N.PoolingKernels}.AveragePoolBackward(dy, dx, {shape});");
        }
        w.Line();
    }

    private static void WriteGlobalAveragePool(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        var input = op.InputShape;
        string constants = $"const int C = {I(input.Channels)}, S = {I(input.Height * input.Width)}; // channels, positions per channel";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>y[b, c] = mean over h, w of x[b, c, h, w]</c>.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
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
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.ReadOnlySpan} dy, {N.Span} dx, int batch)"))
        {
            w.Line(constants);
            w.Line("for (int plane = 0; plane < batch * C; plane++) dx.Slice(plane * S, S).Fill(dy[plane] * (1f / S));");
        }
        w.Line();
    }
}
