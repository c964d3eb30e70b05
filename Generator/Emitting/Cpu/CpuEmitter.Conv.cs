using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// 2-D convolution as one matrix product per batch: im2col of every sample side by side, W . columns, then an epilogue
// that reorders to NCHW while adding the bias and applying the activation.
internal static partial class CpuEmitter
{
    private static void WriteConv2DStatics(CodeWriter w, Conv2DOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        w.Line($"private static readonly global::Myelin.Kernels.ConvolutionShape {N.GeometryField(op.Identifier)} = new(Channels: {I(i.Channels)}, Height: {I(i.Height)}, Width: {I(i.Width)},");
        w.Line($"    Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, PadTop: {I(op.PadTop)}, PadLeft: {I(op.PadLeft)}, OutHeight: {I(o.Height)}, OutWidth: {I(o.Width)});");
        w.Line($"private const int {N.ColumnsSize(op.Identifier)} = {I(i.Channels)} * {I(op.KernelSize)} * {I(op.KernelSize)} * {I(op.Positions)}; // per sample: K = C*k*k rows of P = OH*OW positions");
        w.Line($"private const int {N.ProductsSize(op.Identifier)} = {I(o.Channels)} * {I(op.Positions)}; // per sample: F rows of P positions");
    }

    private static void WriteConv2D(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        var weight = plan.Tensors[op.Weight];
        var bias = op.Bias >= 0 ? plan.Tensors[op.Bias] : null;
        var input = op.InputShape;
        var output = op.OutputShape;
        string constants =
            $"const int C = {I(input.Channels)}, H = {I(input.Height)}, W = {I(input.Width)}; // input\n" +
            $"const int F = {I(output.Channels)}, OH = {I(output.Height)}, OW = {I(output.Width)}; // output\n" +
            $"const int K = C * {I(op.KernelSize)} * {I(op.KernelSize)}, P = OH * OW; // rows of the columns matrix, positions per sample\n" +
            "int positions = batch * P; // the columns of the whole batch, side by side";
        string epilogue = (bias is null ? "" : " + bias[f]") + (op.Activation == ActivationKind.None ? "" : ", " + op.Activation);
        string geometry = N.GeometryField(op.Identifier);

        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <c>columns[K, batch*P]</c> = im2col of every sample; <c>products[F, batch*P] = W[F, K] . columns</c>; then");
        w.Line($"/// <c>y[b, f, p] = products[f, b*P + p]{CodeWriter.Xml(epilogue)}</c>, reordered to NCHW in the same pass.");
        w.Line("/// </remarks>");
        w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(output)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Lines(constants);
            w.Line($"{N.Span} columns = new {N.Span}({N.ColumnsField(op.Identifier)}, 0, K * positions);");
            w.Line("for (int b = 0; b < batch; b++)");
            w.Line($"    {N.ConvolutionKernels}.Im2Col(x.Slice(b * C * H * W, C * H * W), columns, {geometry}, columnOffset: b * P, rowStride: positions);");
            w.Line($"{N.Span} products = new {N.Span}({N.ProductsField(op.Identifier)}, 0, F * positions);");
            w.Line($"{N.Gemm}.Multiply({weight.Identifier}, columns, products, F, positions, K, accumulate: false);");
            w.Line($"// Epilogue: reorder to [batch, F, P]{epilogue}");
            w.Line($"{N.ElementwiseKernels}.ChannelsToSamples(products, y, {(bias is null ? "default" : bias.Identifier)}, F, batch, P, {Operator(op.Activation, op.NegativeSlope)});");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <c>dz = dy * f'(z)</c>, reordered to <c>[F, batch*P]</c>; <c>dW[F, K] += dz . columns^T</c>; <c>db[f] += sum of dz[f, :]</c>;");
        w.Line("/// then, with the weight gradient done, the columns are free: <c>columns = W^T . dz</c>, folded back onto each sample of");
        w.Line($"/// <c>dx</c> by col2im{(op.Input.Accumulate ? ", which adds to the gradient another reader of x already wrote" : "")}.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: true)})"))
        {
            w.Lines(constants);
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * F * P");
            w.Line($"{N.Span} dz = new {N.Span}({N.ProductsField(op.Identifier)}, 0, F * positions);");
            w.Line($"{N.ElementwiseKernels}.SamplesToChannels(dy, dz, F, batch, P);");
            w.Line($"{N.Span} columns = new {N.Span}({N.ColumnsField(op.Identifier)}, 0, K * positions);");
            using (w.Block("if (weightGradients)"))
            {
                w.Line($"{N.Gemm}.MultiplyTransposedB(dz, columns, {weight.Identifier}Gradient, F, K, positions, accumulate: true);");
                if (bias is not null) w.Line($"{N.ElementwiseKernels}.AddRowSums(dz, F, positions, {bias.Identifier}Gradient);");
            }
            using (w.Block("if (inputGradient)"))
            {
                w.Line("// dcolumns[K, batch*P] = W^T . dz, into the columns array (no longer needed)");
                w.Line($"{N.Gemm}.MultiplyTransposedA({weight.Identifier}, dz, columns, K, positions, F, accumulate: false);");
                if (!op.Input.Accumulate) w.Line("dx.Slice(0, batch * C * H * W).Clear();");
                w.Line("for (int b = 0; b < batch; b++)");
                w.Line($"    {N.ConvolutionKernels}.Col2Im(columns, dx.Slice(b * C * H * W, C * H * W), {geometry}, columnOffset: b * P, rowStride: positions);");
            }
        }
        w.Line();
    }
}
