using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// 2-D convolution: a whole layer per kernel call, either directly (few taps per output) or as im2col and a matrix
// product a few samples at a time, so that the columns stay in cache; the bias and activation are fused and the output
// is NCHW. Backward redoes im2col chunk by chunk from the input rather than keeping the batch's columns.
internal static partial class CpuEmitter
{
    private static void WriteConv2DStatics(CodeWriter w, Conv2DOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        w.Line($"private static readonly global::Myelin.Kernels.ConvolutionShape {N.GeometryField(op.Identifier)} = new(Channels: {I(i.Channels)}, Height: {I(i.Height)}, Width: {I(i.Width)},");
        w.Line($"    Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, PadTop: {I(op.PadTop)}, PadLeft: {I(op.PadLeft)}, OutHeight: {I(o.Height)}, OutWidth: {I(o.Width)});");
        if (op.Input.Accumulate) w.Line($"private const int {N.InputGradientSize(op.Identifier)} = {I(i.Size)}; // per sample: C*H*W");
    }

    private static void WriteConv2D(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        var weight = plan.Tensors[op.Weight];
        var bias = op.Bias >= 0 ? plan.Tensors[op.Bias] : null;
        var input = op.InputShape;
        var output = op.OutputShape;
        bool direct = op.Algorithm == ConvolutionAlgorithm.Direct, plane = op.Algorithm == ConvolutionAlgorithm.Plane;
        string constants = $"const int F = {I(output.Channels)}, S = F * {I(output.Height)} * {I(output.Width)}; // output channels, floats per output sample";
        string epilogue = (bias is null ? "" : " + bias[f]") + (op.Activation == ActivationKind.None ? "" : ", " + op.Activation);
        string geometry = N.GeometryField(op.Identifier);
        string biasSpan = bias is null ? "default" : bias.Identifier;

        var pool = op.PoolEpilogue ? EpiloguePool(plan, op) : null;
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line(direct || plane
            ? $"/// <c>y[b, f, oy, ox] = sum over c, ky, kx of W[f, c, ky, kx] x[b, c, oy*s + ky - pad, ox*s + kx - pad]{CodeWriter.Xml(epilogue)}</c>, computed directly:"
            : $"/// <c>y[b, f, p] = (W[F, K] . im2col(x_b)[K, P])[f, p]{CodeWriter.Xml(epilogue)}</c>, a few samples at a time:");
        w.Line(direct
            ? $"/// {I(op.ColumnRows)} taps per output are too few for im2col and a packed product to pay."
            : plane
                ? "/// stride 1 over zero-padded flat planes, each tap's inputs loaded straight from the image (no im2col)."
                : "/// each chunk's columns stay in cache, and the output is written in NCHW with the epilogue in the same pass.");
        if (pool is not null)
            w.Line($"/// Then {CodeWriter.Xml(pool.Description)}, in the same pass: only the pooled values{(plan.IsTrainable ? " and where each maximum came from" : "")} reach memory.");
        w.Line("/// </remarks>");
        w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
        w.Line(pool is null
            ? $"/// <param name=\"y\">{BatchShape(output)}</param>"
            : $"/// <param name=\"y\">{BatchShape(pool.OutputShape)}, the output of {pool.Identifier}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Line($"const int F = {I(output.Channels)}; // output channels");
            if (pool is null)
            {
                string kernel = direct ? "DirectForward" : plane ? "PlaneForward" : "Forward";
                w.Line($"{N.ConvolutionKernels}.{kernel}(x, {weight.Identifier}, {biasSpan}, y, {geometry}, F, batch, {Operator(op.Activation, op.NegativeSlope)});");
            }
            else
            {
                string argmax = plan.IsTrainable ? N.ArgmaxField(pool.Identifier) : "default";
                w.Line($"{N.ConvolutionKernels}.{(direct ? "DirectForwardMaxPool" : plane ? "PlaneForwardMaxPool" : "ForwardMaxPool")}(x, {weight.Identifier}, {biasSpan}, y, {argmax}, {geometry}, F, batch,");
                w.Line($"    {N.GeometryField(pool.Identifier)} with {{ Planes = batch * F }}, {Operator(op.Activation, op.NegativeSlope)});");
            }
        }
        w.Line();
        if (op.BatchNormEpilogue) WriteConv2DNormalized(w, plan, op, weight.Identifier, bias?.Identifier, geometry);
        if (!plan.HasBackward(op)) return;

        bool add = op.Input.Accumulate;
        string biasGradient = bias is null ? "default" : bias.Identifier + "Gradient";
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line(op.PoolEpilogue
            ? "/// <c>dz</c> comes from the max pool's backward, which already applied <c>f'(z)</c>; <c>dW[F, K] += dz . im2col(x)^T</c>; <c>db[f] += sum of dz[:, f]</c>;"
            : "/// <c>dz = dy * f'(z)</c> in place; <c>dW[F, K] += dz . im2col(x)^T</c>; <c>db[f] += sum of dz[:, f]</c>;");
        w.Line($"/// <c>dx {(add ? "+=" : "=")} col2im(W^T . dz)</c>{(add ? ", through a buffer of its own, since another reader of x already wrote its gradient" : "")}.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: true)})"))
        {
            w.Line(constants);
            if (!op.PoolEpilogue) WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * S");
            w.Line($"{N.ReadOnlySpan} dz = dy.Slice(0, batch * S);");
            string inputGradient = add ? $"new {N.Span}({N.InputGradientField(op.Identifier)})" : "dx";
            // Which backward kernels run apart: the direct weight gradient; the plane kernels where the plan chose them.
            bool weightsApart = direct || (plane && op.PlaneWeightGradient), inputApart = plane && op.PlaneInputGradient;
            if (!weightsApart && !inputApart)
            {
                // Both from the chunked products, in one pass over the chunks (dz is reordered once for both).
                w.Line($"{N.ConvolutionKernels}.Backward(x, dz, {weight.Identifier}, weightGradients ? {weight.Identifier}Gradient : default,");
                w.Line($"    weightGradients ? {biasGradient} : default, inputGradient ? {inputGradient} : default, {geometry}, F, batch);");
                if (add)
                {
                    w.Line("if (inputGradient)");
                    w.Indent();
                    WriteAddInputGradient(w, op);
                    w.Dedent();
                }
            }
            else
            {
                string weights = direct ? $"DirectWeightGradient(x, dz, {weight.Identifier}Gradient, {biasGradient}, {geometry}, F, batch)"
                    : weightsApart ? $"PlaneWeightGradient(x, dz, {weight.Identifier}Gradient, {biasGradient}, {geometry}, F, batch)"
                    : $"Backward(x, dz, {weight.Identifier}, {weight.Identifier}Gradient, {biasGradient}, default, {geometry}, F, batch)";
                w.Line($"if (weightGradients) {N.ConvolutionKernels}.{weights};");
                using (w.Block("if (inputGradient)"))
                {
                    w.Line(inputApart
                        ? $"{N.ConvolutionKernels}.PlaneInputGradient(dz, {weight.Identifier}, {inputGradient}, {geometry}, F, batch);"
                        : $"{N.ConvolutionKernels}.Backward(x, dz, {weight.Identifier}, default, default, {inputGradient}, {geometry}, F, batch);");
                    if (add) WriteAddInputGradient(w, op);
                }
            }
        }
        w.Line();
    }

    /// <summary>The eval-mode inference pass with the batch norm after the convolution in its epilogue.</summary>
    private static void WriteConv2DNormalized(CodeWriter w, NetworkPlan plan, Conv2DOp op, string weight, string? bias, string geometry)
    {
        var norm = EpilogueBatchNorm(plan, op);
        string Tensor(int index) => plan.Tensors[index].Identifier;
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}, and {CodeWriter.Xml(norm.Description)}, in one pass: eval-mode inference only.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// With the running statistics the batch norm is a per-channel scale and shift of the convolution's sums,");
        w.Line("/// <c>y = f(s z + t)</c> with <c>s = gamma / sqrt(var + eps)</c> and <c>t = beta + (bias - mean) s</c>: the output of the batch norm");
        w.Line("/// comes straight from the convolution's epilogue, and the convolution's own output is not written.");
        w.Line("/// </remarks>");
        w.Line($"/// <param name=\"x\">{BatchShape(op.InputShape)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(norm.OutputShape)}, the output of {norm.Identifier}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}Normalized({ForwardParameters(op)})"))
        {
            w.Line($"const int F = {I(op.OutputShape.Channels)}; // output channels");
            w.Line($"{N.Span} scale = stackalloc float[F], shift = stackalloc float[F];");
            w.Line($"{NormalizationKernelsType}.EvalScaleShift({Tensor(norm.Weight)}, {Tensor(norm.Bias)}, {Tensor(norm.RunningMean)}, {Tensor(norm.RunningVar)}, {CodeWriter.Float(norm.Epsilon)},");
            w.Line($"    {bias ?? "default"}, scale, shift);");
            string kernel = op.Algorithm == ConvolutionAlgorithm.Direct ? "DirectForwardScaled" : "PlaneForwardScaled";
            w.Line($"{N.ConvolutionKernels}.{kernel}(x, {weight}, scale, shift, y, {geometry}, F, batch, {Operator(norm.Activation, norm.NegativeSlope)});");
        }
        w.Line();
    }

    private static void WriteAddInputGradient(CodeWriter w, Conv2DOp op) =>
        w.Line($"{N.GraphKernels}.AddTo(new {N.ReadOnlySpan}({N.InputGradientField(op.Identifier)}, 0, batch * {N.InputGradientSize(op.Identifier)}), dx); // added: another reader already wrote it");
}
