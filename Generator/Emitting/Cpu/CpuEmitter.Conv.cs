using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// 2-D convolution as one matrix product per batch: im2col of every sample side by side, W . columns, then an epilogue
// that reorders to NCHW while adding the bias and applying the activation.
internal static partial class CpuEmitter
{
    private static string ColumnsField(Conv2DOp op) => N.Field(op.Identifier) + "Columns";

    private static string ProductsField(Conv2DOp op) => N.Field(op.Identifier) + "Products";

    private static string ColumnGradientField(Conv2DOp op) => N.Field(op.Identifier) + "ColumnGradient";

    private static string ShapeField(Conv2DOp op) => "s_" + char.ToLowerInvariant(op.Identifier[0]) + op.Identifier.Substring(1) + "Shape";

    private static (int K, int P) ProductSizes(Conv2DOp op) =>
        (op.InputShape.Channels * op.KernelSize * op.KernelSize, op.OutputShape.Height * op.OutputShape.Width);

    private static void WriteConv2DFields(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        var (k, p) = ProductSizes(op);
        w.Line($"private static readonly global::Myelin.Kernels.ConvolutionShape {ShapeField(op)} = new(Channels: {I(i.Channels)}, Height: {I(i.Height)}, Width: {I(i.Width)}, Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, PadTop: {I(op.PadTop)}, PadLeft: {I(op.PadLeft)}, OutHeight: {I(o.Height)}, OutWidth: {I(o.Width)});");
        w.Line($"private float[] {ColumnsField(op)} = {N.Array}.Empty<float>(); // [{I(k)}, batch * {I(p)}], im2col of {op.Identifier}'s input, kept for the weight gradient");
        w.Line($"private float[] {ProductsField(op)} = {N.Array}.Empty<float>(); // [{I(o.Channels)}, batch * {I(p)}], W . columns; in backward, dLoss/dz in the same layout");
        if (plan.IsTrainable)
            w.Line($"private float[] {ColumnGradientField(op)} = {N.Array}.Empty<float>(); // [{I(k)}, batch * {I(p)}], dLoss/dcolumns");
    }

    private static void WriteConv2DAllocation(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        var (k, p) = ProductSizes(op);
        w.Line($"{ColumnsField(op)} = new float[batchSize * {I(k * p)}];");
        w.Line($"{ProductsField(op)} = new float[batchSize * {I(op.OutputShape.Channels * p)}];");
        if (plan.IsTrainable) w.Line($"{ColumnGradientField(op)} = new float[batchSize * {I(k * p)}];");
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

        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <c>columns[K, batch*P]</c> = im2col of every sample; <c>products[F, batch*P] = W[F, K] . columns</c>; then");
        w.Line($"/// <c>y[b, f, p] = products[f, b*P + p]{CodeWriter.Xml(epilogue)}</c>, reordered to NCHW in the same pass.");
        w.Line("/// </remarks>");
        w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(output)}</param>");
        using (w.Block($"private void {op.Identifier}Forward({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            w.Lines(constants);
            w.Line($"{N.Span} columns = new {N.Span}({ColumnsField(op)}, 0, K * positions);");
            w.Line("for (int b = 0; b < batch; b++)");
            w.Line($"    {N.ConvolutionKernels}.Im2Col(x.Slice(b * C * H * W, C * H * W), columns, {ShapeField(op)}, columnOffset: b * P, rowStride: positions);");
            w.Line($"{N.Span} products = new {N.Span}({ProductsField(op)}, 0, F * positions);");
            w.Line($"{N.Gemm}.Multiply({weight.Identifier}, columns, products, F, positions, K, accumulate: false);");
            w.Line($"// Epilogue: reorder to [batch, F, P]{epilogue}");
            w.Line($"{N.ElementwiseKernels}.ChannelsToSamples(products, y, {(bias is null ? "default" : bias.Identifier)}, F, batch, P, {Operator(op.Activation, op.NegativeSlope)});");
        }
        w.Line();
        if (!plan.IsTrainable) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <c>dz = dy * f'(z)</c>, reordered to <c>[F, batch*P]</c>; <c>dW[F, K] += dz . columns^T</c>; <c>db[f] += sum of dz[f, :]</c>;");
        w.Line("/// <c>dcolumns[K, batch*P] = W^T . dz</c>, folded back onto each sample of <c>dx</c> by col2im.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {op.Identifier}Backward({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.Span} dy, {N.Span} dx, int batch, bool weightGradients, bool inputGradient)"))
        {
            w.Lines(constants);
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * F * P");
            w.Line($"{N.Span} dz = new {N.Span}({ProductsField(op)}, 0, F * positions);");
            w.Line($"{N.ElementwiseKernels}.SamplesToChannels(dy, dz, F, batch, P);");
            using (w.Block("if (weightGradients)"))
            {
                w.Line($"{N.ReadOnlySpan} columns = new {N.ReadOnlySpan}({ColumnsField(op)}, 0, K * positions);");
                w.Line($"{N.Gemm}.MultiplyTransposedB(dz, columns, {weight.Identifier}Gradient, F, K, positions, accumulate: true);");
                if (bias is not null) w.Line($"{N.ElementwiseKernels}.AddRowSums(dz, F, positions, {bias.Identifier}Gradient);");
            }
            using (w.Block("if (inputGradient)"))
            {
                w.Line($"{N.Span} columnGradient = new {N.Span}({ColumnGradientField(op)}, 0, K * positions);");
                w.Line($"{N.Gemm}.MultiplyTransposedA({weight.Identifier}, dz, columnGradient, K, positions, F, accumulate: false);");
                w.Line("dx.Slice(0, batch * C * H * W).Clear();");
                w.Line("for (int b = 0; b < batch; b++)");
                w.Line($"    {N.ConvolutionKernels}.Col2Im(columnGradient, dx.Slice(b * C * H * W, C * H * W), {ShapeField(op)}, columnOffset: b * P, rowStride: positions);");
            }
        }
        w.Line();
    }
}
