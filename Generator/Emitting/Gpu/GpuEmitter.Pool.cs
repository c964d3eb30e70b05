using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Pooling: one thread per output forward; backward, one thread per input gathers the outputs whose window covers it,
// so overlapping windows need no atomics and the sums run in the CPU's order.
internal static partial class GpuEmitter
{
    private static string PoolConstants(PoolOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        return $"const int H = {I(i.Height)}, W = {I(i.Width)}, OH = {I(o.Height)}, OW = {I(o.Width)}, Kernel = {I(op.KernelSize)}, Stride = {I(op.Stride)};";
    }

    /// <summary>
    /// A gather over the outputs whose window covers input <c>i</c> = (plane, h, w): <paramref name="statement"/> runs
    /// for each, with <c>o</c> the output's index, adding to <c>sum</c>.
    /// </summary>
    private static string CoveringOutputs(string statement) => $$"""
        int h = (i / W) % H, w = i % W, plane = i / (H * W);
        // Windows start every Stride; those covering h start in (h - Kernel, h].
        int firstY = h < Kernel ? 0 : (h - Kernel + Stride) / Stride, lastY = global::System.Math.Min(h / Stride, OH - 1);
        int firstX = w < Kernel ? 0 : (w - Kernel + Stride) / Stride, lastX = global::System.Math.Min(w / Stride, OW - 1);
        float sum = 0f;
        for (int oy = firstY; oy <= lastY; oy++)
        {
            for (int ox = firstX; ox <= lastX; ox++)
            {
                int o = (plane * OH + oy) * OW + ox;
                {{statement}}
            }
        }
        """;

    private static void AddPoolKernels(List<Kernel> kernels, NetworkPlan plan, PoolOp op)
    {
        string forward = N.ForwardMethod(op.Identifier), backward = N.BackwardMethod(op.Identifier);
        string assign = plan.HasBackward(op) ? Assign(op, 0) : "=";
        if (op.Pool == PoolKind.GlobalAverage)
        {
            string spatial = I(op.InputShape.Height * op.InputShape.Width);
            kernels.Add(Elementwise(forward, $"{op.Description}: one thread per (sample, channel), y = mean over the plane.",
                new[] { Floats("x"), Floats("y") },
                $"const int S = {spatial};",
                "float sum = 0f;",
                "for (int s = 0; s < S; s++) sum += x[i * S + s];",
                "y[i] = sum * (1f / S);"));
            if (plan.HasBackward(op))
                kernels.Add(Elementwise(backward, $"Backward of {op.Description}: dx {assign} dy / (H W).",
                    new[] { Floats("dy"), Floats("dx") }, $"const int S = {spatial};", $"dx[i] {assign} dy[i / S] * (1f / S);"));
            return;
        }

        string constants = PoolConstants(op);
        if (op.Pool == PoolKind.Max)
        {
            bool record = plan.IsTrainable;
            var parameters = new List<Parameter> { Floats("x"), Floats("y") };
            if (record) parameters.Add(Ints("argmax"));
            kernels.Add(Elementwise(forward,
                $"{op.Description}: one thread per output, the window's maximum{(record ? " and where in the plane it came from" : "")} (the first on ties, NaN wins, as the CPU).",
                parameters,
                constants,
                "int ox = i % OW, oy = (i / OW) % OH, plane = i / (OH * OW), origin = oy * Stride * W + ox * Stride;",
                "int best = origin;",
                "float value = x[plane * H * W + origin];",
                """
                for (int ky = 0; ky < Kernel; ky++)
                {
                    for (int kx = 0; kx < Kernel; kx++)
                    {
                        int at = origin + ky * W + kx;
                        float candidate = x[plane * H * W + at];
                        if (candidate > value || float.IsNaN(candidate))
                        {
                            value = candidate;
                            best = at;
                        }
                    }
                }
                """,
                "y[i] = value;",
                record ? "argmax[i] = best;" : "// no backward pass: the maximum's position is not kept"));
            if (plan.HasBackward(op))
                kernels.Add(Elementwise(backward, $"Backward of {op.Description}: dx {assign} the gradients of the outputs whose maximum this input was.",
                    new[] { Floats("dy"), Ints("argmax"), Floats("dx") },
                    constants,
                    CoveringOutputs("if (argmax[o] == h * W + w) sum += dy[o];"),
                    $"dx[i] {assign} sum;"));
            return;
        }

        kernels.Add(Elementwise(forward, $"{op.Description}: one thread per output, the window's mean.",
            new[] { Floats("x"), Floats("y") },
            constants,
            "int ox = i % OW, oy = (i / OW) % OH, plane = i / (OH * OW), origin = plane * H * W + oy * Stride * W + ox * Stride;",
            "float sum = 0f;",
            "for (int ky = 0; ky < Kernel; ky++) for (int kx = 0; kx < Kernel; kx++) sum += x[origin + ky * W + kx];",
            "y[i] = sum * (1f / (Kernel * Kernel));"));
        if (plan.HasBackward(op))
            kernels.Add(Elementwise(backward, $"Backward of {op.Description}: dx {assign} the shares, dy / (Kernel^2), of the windows covering this input.",
                new[] { Floats("dy"), Floats("dx") },
                constants,
                CoveringOutputs("sum += dy[o] * (1f / (Kernel * Kernel));"),
                $"dx[i] {assign} sum;"));
    }

    private static void WritePoolHost(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        string outputs = $"batch * {I(op.OutputShape.Size)}";
        string argmax = op.Pool == PoolKind.Max && plan.IsTrainable ? ", " + N.ArgmaxField(op.Identifier) : "";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}({outputs}, {Value(plan, op.Input.Value)}, {Value(plan, op.Output)}{argmax});");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            w.Line($"{N.KernelField(N.BackwardMethod(op.Identifier))}(batch * {I(op.InputShape.Size)}, {Gradient(plan, op.Output)}{argmax}, {Gradient(plan, op.Input.Value)});");
        }
        w.Line();
    }
}
