using System.Collections.Generic;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// 2-D convolution as one matrix product per batch: im2col of every sample side by side, W . columns, then an epilogue
// that reorders to NCHW while adding the bias and applying the activation.
internal static partial class CpuEmitter
{
    private static (int K, int P) ProductSizes(Conv2DOp op) =>
        (op.InputShape.Channels * op.KernelSize * op.KernelSize, op.OutputShape.Height * op.OutputShape.Width);

    private static string ColumnsSize(Conv2DOp op) => op.Identifier + "ColumnsSize";

    private static string ProductsSize(Conv2DOp op) => op.Identifier + "ProductsSize";

    private static void WriteConv2DStatics(CodeWriter w, Conv2DOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        int p = ProductSizes(op).P;
        w.Line($"private static readonly global::Myelin.Kernels.ConvolutionShape {N.GeometryField(op.Identifier)} = new(Channels: {I(i.Channels)}, Height: {I(i.Height)}, Width: {I(i.Width)},");
        w.Line($"    Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, PadTop: {I(op.PadTop)}, PadLeft: {I(op.PadLeft)}, OutHeight: {I(o.Height)}, OutWidth: {I(o.Width)});");
        w.Line($"private const int {ColumnsSize(op)} = {I(i.Channels)} * {I(op.KernelSize)} * {I(op.KernelSize)} * {I(p)}; // per sample: K = C*k*k rows of P = OH*OW positions");
        w.Line($"private const int {ProductsSize(op)} = {I(o.Channels)} * {I(p)}; // per sample: F rows of P positions");
    }

    /// <summary>The convolution's batch-wide work arrays: im2col columns, products, and the column gradient if an op below needs dx.</summary>
    private static IEnumerable<BatchArray> Conv2DArrays(NetworkPlan plan, Conv2DOp op, int index)
    {
        var (k, p) = ProductSizes(op);
        string purpose = plan.IsTrainable ? ", kept for the weight gradient" : "";
        yield return new BatchArray(N.ColumnsField(op.Identifier), "float", ColumnsSize(op), $"[{I(k)}, batch * {I(p)}], im2col of {op.Identifier}'s input{purpose}");
        yield return new BatchArray(N.ProductsField(op.Identifier), "float", ProductsSize(op),
            $"[{I(op.OutputShape.Channels)}, batch * {I(p)}], W . columns{(plan.IsTrainable ? "; in backward, dLoss/dz in the same layout" : "")}");
        if (NeedsInputGradient(plan, index))
            yield return new BatchArray(N.ColumnGradientField(op.Identifier), "float", ColumnsSize(op), $"[{I(k)}, batch * {I(p)}], dLoss/dcolumns");
    }

    private static void WriteConv2D(CodeWriter w, NetworkPlan plan, Conv2DOp op, int index)
    {
        var weight = plan.Tensors[op.Weight];
        var bias = op.Bias >= 0 ? plan.Tensors[op.Bias] : null;
        var input = op.InputShape;
        var output = op.OutputShape;
        string constants = Constants(withInputSize: true);
        string Constants(bool withInputSize) =>
            (withInputSize
                ? $"const int C = {I(input.Channels)}, H = {I(input.Height)}, W = {I(input.Width)}; // input\n"
                : $"const int C = {I(input.Channels)}; // input channels\n") +
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
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
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
        if (!plan.IsTrainable) return;

        bool inputGradient = NeedsInputGradient(plan, index);
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <c>dz = dy * f'(z)</c>, reordered to <c>[F, batch*P]</c>; <c>dW[F, K] += dz . columns^T</c>; <c>db[f] += sum of dz[f, :]</c>"
            + (inputGradient ? ";" : "."));
        if (inputGradient) w.Line("/// <c>dcolumns[K, batch*P] = W^T . dz</c>, folded back onto each sample of <c>dx</c> by col2im.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.Span} dy, {N.Span} dx, int batch, bool weightGradients, bool inputGradient)"))
        {
            w.Lines(Constants(withInputSize: inputGradient));
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * F * P");
            w.Line($"{N.Span} dz = new {N.Span}({N.ProductsField(op.Identifier)}, 0, F * positions);");
            w.Line($"{N.ElementwiseKernels}.SamplesToChannels(dy, dz, F, batch, P);");
            using (w.Block("if (weightGradients)"))
            {
                w.Line($"{N.ReadOnlySpan} columns = new {N.ReadOnlySpan}({N.ColumnsField(op.Identifier)}, 0, K * positions);");
                w.Line($"{N.Gemm}.MultiplyTransposedB(dz, columns, {weight.Identifier}Gradient, F, K, positions, accumulate: true);");
                if (bias is not null) w.Line($"{N.ElementwiseKernels}.AddRowSums(dz, F, positions, {bias.Identifier}Gradient);");
            }
            if (inputGradient)
            {
                using (w.Block("if (inputGradient)"))
                {
                    w.Line($"{N.Span} columnGradient = new {N.Span}({N.ColumnGradientField(op.Identifier)}, 0, K * positions);");
                    w.Line($"{N.Gemm}.MultiplyTransposedA({weight.Identifier}, dz, columnGradient, K, positions, F, accumulate: false);");
                    w.Line("dx.Slice(0, batch * C * H * W).Clear();");
                    w.Line("for (int b = 0; b < batch; b++)");
                    w.Line($"    {N.ConvolutionKernels}.Col2Im(columnGradient, dx.Slice(b * C * H * W, C * H * W), {geometry}, columnOffset: b * P, rowStride: positions);");
                }
            }
        }
        w.Line();
    }
}
