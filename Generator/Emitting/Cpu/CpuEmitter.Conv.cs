using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// 2-D convolution as im2col plus a matrix product per sample, with bias and activation fused into the epilogue.
internal static partial class CpuEmitter
{
    private static string ColumnsField(Conv2DOp op) => N.Field(op.Identifier) + "Columns";

    private static string ColumnGradientField(Conv2DOp op) => N.Field(op.Identifier) + "ColumnGradient";

    private static string ShapeField(Conv2DOp op) => "s_" + char.ToLowerInvariant(op.Identifier[0]) + op.Identifier.Substring(1) + "Shape";

    private static void WriteConv2DFields(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        w.Line($"private static readonly global::Myelin.Kernels.ConvolutionShape {ShapeField(op)} = new(Channels: {I(i.Channels)}, Height: {I(i.Height)}, Width: {I(i.Width)}, Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, PadTop: {I(op.PadTop)}, PadLeft: {I(op.PadLeft)}, OutHeight: {I(o.Height)}, OutWidth: {I(o.Width)});");
        int k = op.InputShape.Channels * op.KernelSize * op.KernelSize;
        int p = op.OutputShape.Height * op.OutputShape.Width;
        w.Line($"private float[] {ColumnsField(op)} = {N.Array}.Empty<float>(); // [batch, {I(k)}, {I(p)}], im2col of {op.Identifier}'s input, kept for the weight gradient");
        if (plan.IsTrainable)
            w.Line($"private readonly float[] {ColumnGradientField(op)} = new float[{I(k * p)}]; // [{I(k)}, {I(p)}], one sample's column gradient");
    }

    private static void WriteConv2DAllocation(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        int k = op.InputShape.Channels * op.KernelSize * op.KernelSize;
        int p = op.OutputShape.Height * op.OutputShape.Width;
        w.Line($"{ColumnsField(op)} = new float[batchSize * {I(k * p)}];");
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
            $"const int K = C * {I(op.KernelSize)} * {I(op.KernelSize)}, P = OH * OW; // the product's inner size and positions per sample";

        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// Per sample: <c>col[K, P] = im2col(x)</c>, then <c>y[F, P] = W[F, K] . col[K, P]</c>" + (bias is null ? "" : " + bias[f]") + (op.Activation == ActivationKind.None ? "" : $", then {op.Activation}") + ".");
        w.Line("/// </remarks>");
        w.Line($"/// <param name=\"x\">{BatchShape(input)}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(output)}</param>");
        using (w.Block($"private void {op.Identifier}Forward({N.ReadOnlySpan} x, {N.Span} y, int batch)"))
        {
            w.Lines(constants);
            if (bias is not null) w.Line($"{N.ReadOnlySpan} bias = {bias.Identifier};");
            using (w.Block("for (int b = 0; b < batch; b++)"))
            {
                w.Line($"{N.Span} columns = new {N.Span}({ColumnsField(op)}, b * K * P, K * P);");
                w.Line($"{N.ConvolutionKernels}.Im2Col(x.Slice(b * C * H * W, C * H * W), columns, {ShapeField(op)});");
                w.Line($"{N.Span} sample = y.Slice(b * F * P, F * P);");
                w.Line($"{N.Gemm}.Multiply({weight.Identifier}, columns, sample, F, P, K, accumulate: false);");
                if (bias is not null || op.Activation != ActivationKind.None)
                {
                    w.Line($"// Epilogue, one pass over the sample:{(bias is null ? "" : " + bias[f]")}{(op.Activation == ActivationKind.None ? "" : ", " + op.Activation)}");
                    w.Line($"{N.ElementwiseKernels}.AddRowBiasAndActivate(sample, {(bias is null ? "default" : "bias")}, F, P, {Operator(op.Activation, op.NegativeSlope)});");
                }
            }
        }
        w.Line();
        if (!plan.IsTrainable) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// Per sample: <c>dz = dy * f'(z)</c>; <c>dW[F, K] += dz[F, P] . col[K, P]^T</c>; <c>db[f] += sum_p dz[f, p]</c>;");
        w.Line("/// <c>dcol[K, P] = W^T[K, F] . dz[F, P]</c>, folded back onto <c>dx</c> by col2im.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {op.Identifier}Backward({N.ReadOnlySpan} x, {N.ReadOnlySpan} y, {N.Span} dy, {N.Span} dx, int batch, bool weightGradients, bool inputGradient)"))
        {
            w.Lines(constants);
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * F * P");
            if (bias is not null) w.Line($"{N.Span} db = {bias.Identifier}Gradient;");
            w.Line($"{N.Span} columnGradient = {ColumnGradientField(op)};");
            using (w.Block("for (int b = 0; b < batch; b++)"))
            {
                w.Line($"{N.ReadOnlySpan} dz = dy.Slice(b * F * P, F * P);");
                using (w.Block("if (weightGradients)"))
                {
                    w.Line($"{N.ReadOnlySpan} columns = new {N.ReadOnlySpan}({ColumnsField(op)}, b * K * P, K * P);");
                    w.Line($"{N.Gemm}.MultiplyTransposedB(dz, columns, {weight.Identifier}Gradient, F, K, P, accumulate: true);");
                    if (bias is not null) w.Line($"{N.ElementwiseKernels}.AddRowSums(dz, F, P, db);");
                }
                using (w.Block("if (inputGradient)"))
                {
                    w.Line($"{N.Gemm}.MultiplyTransposedA({weight.Identifier}, dz, columnGradient, K, P, F, accumulate: false);");
                    w.Line($"{N.Span} sampleGradient = dx.Slice(b * C * H * W, C * H * W);");
                    w.Line("sampleGradient.Clear();");
                    w.Line($"{N.ConvolutionKernels}.Col2Im(columnGradient, sampleGradient, {ShapeField(op)});");
                }
            }
        }
        w.Line();
    }
}
