using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

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
        if (!op.ConvolutionEpilogue)
        {
            w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>{formula}</c>.</summary>");
            w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
            w.Line($"/// <param name=\"y\">{BatchShape(op.OutputShape)}</param>");
            using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
            {
                if (max) w.Line($"{N.PoolingKernels}.MaxPoolForward(x, y, {(plan.IsTrainable ? N.ArgmaxField(op.Identifier) : "default")}, {shape});");
                else w.Line($"{N.PoolingKernels}.AveragePoolForward(x, y, {shape});");
            }
            w.Line();
        }
        if (!plan.HasBackward(op)) return;
        if (op.ConvolutionEpilogue)
        {
            // The forward pass ran in the convolution's epilogue; backward scatters into its dz, derivative applied.
            w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}, run in the convolution's epilogue: <c>dz[b, c, argmax] = dy[b, c, o] * f'(y[b, c, o])</c>, zero elsewhere.</summary>");
            using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: false)})"))
            {
                w.Line($"{N.PoolingKernels}.MaxPoolBackward(dy, {N.ArgmaxField(op.Identifier)}, y, dx, {shape}, {Operator(op.ProducerActivation, op.ProducerSlope)});");
            }
            w.Line();
            return;
        }

        bool add = op.Input.Accumulate;
        string rule = max ? "each output's gradient goes to the input that was its maximum" : "each output's gradient is shared equally by its window";
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: {rule}{CodeWriter.Xml(AccumulateNote(op, 0))}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: false)})"))
        {
            string kernels = add ? N.GraphKernels : N.PoolingKernels;
            string suffix = add ? "AndAdd" : "";
            if (max) w.Line($"{kernels}.MaxPoolBackward{suffix}(dy, {N.ArgmaxField(op.Identifier)}, dx, {shape});");
            else w.Line($"{kernels}.AveragePoolBackward{suffix}(dy, dx, {shape});");
        }
        w.Line();
    }

    private static void WriteGlobalAveragePool(CodeWriter w, NetworkPlan plan, PoolOp op)
    {
        var input = op.InputShape;
        string constants = $"const int C = {I(input.Channels)}, S = {I(input.Height * input.Width)}; // channels, positions per channel";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}: <c>y[b, c] = mean over h, w of x[b, c, h, w]</c>.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
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
        if (!plan.HasBackward(op)) return;
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: <c>dx[b, c, h, w] {Assign(op, 0)} dy[b, c] / (H W)</c>{CodeWriter.Xml(AccumulateNote(op, 0))}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: false)})"))
        {
            w.Line(constants);
            if (op.Input.Accumulate)
            {
                using (w.Block("for (int plane = 0; plane < batch * C; plane++)"))
                {
                    w.Line("float share = dy[plane] * (1f / S);");
                    w.Line("foreach (ref float value in dx.Slice(plane * S, S)) value += share;");
                }
            }
            else
            {
                w.Line("for (int plane = 0; plane < batch * C; plane++) dx.Slice(plane * S, S).Fill(dy[plane] * (1f / S));");
            }
        }
        w.Line();
    }
}
