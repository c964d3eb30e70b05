using System.Linq;
using Myelin.Generator.Emitting.Cpu;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;
using Q = Myelin.Generator.Model.Int8Names;

namespace Myelin.Generator.Emitting.Int8;

// One forward method per op, its derived fields, and what Prepare derives for it. Dense and convolution layers call the
// int8 layer kernels; every other op is a call or two into Int8Kernels, or a float kernel in the float tail.
internal static partial class Int8Emitter
{
    private static void WriteDerivedFields(CodeWriter w, QuantizationPlan q, QuantizedOp qop)
    {
        var op = q.Network.Ops[qop.Op];
        string id = op.Identifier;
        bool int8Output = !q.Storage(op.Output).IsFloat;
        switch (op)
        {
            case DenseOp dense:
                int inputs = dense.InputShape.Size, outputs = dense.OutputShape.Size;
                w.Line($"private readonly sbyte[] {Q.Packed(id)} = new sbyte[{Q.Int8Gemm}.PackedLength({I(outputs)}, {I(inputs)})]; // {id}: W in panels of 16 outputs");
                w.Line($"private readonly int[] {Q.Sums(id)} = new int[{Q.Int8Gemm}.PaddedColumns({I(outputs)})];");
                w.Line($"private readonly float[] {Q.ChannelScale(id)} = new float[{I(outputs)}];");
                break;
            case Conv2DOp conv:
                int filters = conv.OutputShape.Channels;
                w.Line($"private readonly sbyte[] {Q.Packed(id)} = new sbyte[{I(filters)} * {Q.Int8Gemm}.PaddedDepth({I(conv.ColumnRows)})]; // {id}: W[F, K] in rows padded to whole groups of four");
                w.Line($"private readonly int[] {Q.Sums(id)} = new int[{I(filters)}];");
                w.Line($"private readonly float[] {Q.ChannelScale(id)} = new float[{I(filters)}];");
                break;
            case BatchNormOp norm:
                w.Line($"private readonly float[] {Q.ChannelScale(id)} = new float[{I(norm.Channels)}]; // {id}: input scale x weight / sqrt(running_var + eps)");
                w.Line($"private readonly float[] {Q.ChannelShift(id)} = new float[{I(norm.Channels)}]; // {id}: bias - running_mean x weight / sqrt(running_var + eps)");
                break;
            case ActivationOp activation when UsesTable(q, activation):
                w.Line($"private readonly {Element(q.Storage(op.Output))}[] {Q.Table(id)} = new {Element(q.Storage(op.Output))}[{Q.Int8Kernels}.TableLength]; // {id}: {activation.Activation} of every int8 value");
                break;
            case ConcatOp concat:
                for (int k = 0; k < concat.Inputs.Count; k++) w.Line($"private float {Q.Ratio(id, k)}; // {id}: input {I(k)}'s scale over the output's");
                break;
        }
        if (int8Output && op is DenseOp or Conv2DOp or BatchNormOp or AddOp) w.Line($"private float {Q.InverseOutputScale(id)};");
    }

    /// <summary>Whether a stand-alone activation reads int8 and so runs as a table lookup (a softmax, or one reading floats, does not).</summary>
    private static bool UsesTable(QuantizationPlan q, ActivationOp op) =>
        !q.Storage(op.Input.Value).IsFloat && op.Activation != ActivationKind.Softmax;

    private static void WritePrepare(CodeWriter w, QuantizationPlan q, QuantizedOp qop)
    {
        var op = q.Network.Ops[qop.Op];
        string id = op.Identifier;
        bool int8Output = !q.Storage(op.Output).IsFloat;
        string inputScale = op.Inputs.Count == 1 && !q.Storage(op.Input.Value).IsFloat ? ScaleOf(q, op.Input.Value) : "";
        switch (op)
        {
            case DenseOp dense:
            {
                int inputs = dense.InputShape.Size, outputs = dense.OutputShape.Size;
                w.Line($"// {id}: W into panels; each output's scale is the input's times its weights'");
                w.Line($"{Q.Int8Gemm}.PackWeightColumns({q.Tensors[qop.Weight].Identifier}, {I(outputs)}, {I(inputs)}, {Q.Packed(id)}, {Q.Sums(id)});");
                w.Line($"for (int o = 0; o < {I(outputs)}; o++) {Q.ChannelScale(id)}[o] = {inputScale} * {q.Tensors[qop.WeightScale].Identifier}[o];");
                break;
            }
            case Conv2DOp conv:
            {
                int filters = conv.OutputShape.Channels;
                w.Line($"// {id}: W into padded rows, in the depth order of its im2col; each filter's scale is the input's times its weights'");
                w.Line($"{Q.Int8Layers}.PackConvolutionWeights({q.Tensors[qop.Weight].Identifier}, {Shape(conv)}, {I(filters)}, {Q.Packed(id)}, {Q.Sums(id)});");
                w.Line($"for (int f = 0; f < {I(filters)}; f++) {Q.ChannelScale(id)}[f] = {inputScale} * {q.Tensors[qop.WeightScale].Identifier}[f];");
                break;
            }
            case BatchNormOp norm:
                w.Line($"// {id}: eval-mode batch norm as one affine map per channel, from the input's int8 values");
                using (w.Block($"for (int c = 0; c < {I(norm.Channels)}; c++)"))
                {
                    w.Line($"double gain = {q.Tensors[qop.NormWeight].Identifier}[c] / global::System.Math.Sqrt({q.Tensors[qop.RunningVar].Identifier}[c] + (double){F(norm.Epsilon)});");
                    w.Line($"{Q.ChannelScale(id)}[c] = (float)({inputScale} * gain);");
                    w.Line($"{Q.ChannelShift(id)}[c] = (float)({q.Tensors[qop.Bias].Identifier}[c] - {q.Tensors[qop.RunningMean].Identifier}[c] * gain);");
                }
                break;
            case ActivationOp activation when UsesTable(q, activation):
                string target = int8Output ? $", 1f / {ScaleOf(q, op.Output)}" : "";
                w.Line($"{Q.Int8Kernels}.BuildTable({Q.Table(id)}, {inputScale}{target}, {CpuEmitter.Operator(activation.Activation, activation.NegativeSlope)}); // {id}");
                break;
            case ConcatOp concat:
                for (int k = 0; k < concat.Inputs.Count; k++)
                    w.Line($"{Q.Ratio(id, k)} = {ScaleOf(q, concat.Inputs[k].Value)} / {ScaleOf(q, op.Output)};");
                break;
        }
        if (int8Output && op is DenseOp or Conv2DOp or BatchNormOp or AddOp) w.Line($"{Q.InverseOutputScale(id)} = 1f / {ScaleOf(q, op.Output)};");
    }

    private static void WriteOp(CodeWriter w, QuantizationPlan q, QuantizedOp qop)
    {
        var op = q.Network.Ops[qop.Op];
        int written = Written(q.Network, op);
        var output = q.Storage(written);
        string parameters = string.Join(", ", Enumerable.Range(0, op.Inputs.Count)
            .Select(k => $"global::System.ReadOnlySpan<{Element(q.Storage(op.Inputs[k].Value))}> {InputName(op, k)}")
            .Append($"global::System.Span<{Element(output)}> y").Append("int batch"));
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}, {(output.IsFloat ? "writing floats" : "in int8")}: <c>{CodeWriter.Xml(Formula(q, op))}</c>.</summary>");
        for (int k = 0; k < op.Inputs.Count; k++)
            w.Line($"/// <param name=\"{InputName(op, k)}\">{BatchShape(op.Inputs[k].Shape)}, {Element(q.Storage(op.Inputs[k].Value))}</param>");
        w.Line($"/// <param name=\"y\">{BatchShape(q.Network.Values[written].Shape)}, {Element(output)}</param>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({parameters})"))
        {
            switch (op)
            {
                case DenseOp dense: WriteDense(w, q, qop, dense); break;
                case Conv2DOp conv: WriteConv(w, q, qop, conv); break;
                case PoolOp pool: WritePool(w, pool); break;
                case DropoutOp: WriteCopy(w, q, op); break;
                case ActivationOp activation: WriteActivation(w, q, activation); break;
                case BatchNormOp norm: WriteBatchNorm(w, q, norm); break;
                case AddOp add: WriteAdd(w, q, add); break;
                case ConcatOp concat: WriteConcat(w, concat); break;
            }
        }
        w.Line();
    }

    private static void WriteDense(CodeWriter w, QuantizationPlan q, QuantizedOp qop, DenseOp op)
    {
        string id = op.Identifier;
        w.Line($"const int In = {I(op.InputShape.Size)}, Out = {I(op.OutputShape.Size)};");
        string requantise = q.Storage(op.Output).IsFloat ? "" : $" {Q.InverseOutputScale(id)},";
        w.Line($"{Q.Int8Layers}.Dense(x.Slice(0, batch * In), y.Slice(0, batch * Out), batch, In, Out, {Q.Packed(id)}, {Q.Sums(id)}, {Q.ChannelScale(id)}, "
            + $"{Bias(q, qop)},{requantise} {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
    }

    private static void WriteConv(CodeWriter w, QuantizationPlan q, QuantizedOp qop, Conv2DOp op)
    {
        string id = op.Identifier;
        var i = op.InputShape;
        var o = op.OutputShape;
        w.Line($"const int C = {I(i.Channels)}, H = {I(i.Height)}, W = {I(i.Width)}; // input");
        w.Line($"const int F = {I(o.Channels)}, OH = {I(o.Height)}, OW = {I(o.Width)}; // output");
        w.Line($"var shape = {Shape(op, "C", "H", "W", "OH", "OW")};");
        string requantise = q.Storage(op.Output).IsFloat ? "" : $" {Q.InverseOutputScale(id)},";
        if (op.PoolEpilogue)
        {
            var pool = (PoolOp)q.Network.Ops[q.Network.Values[op.Output].Consumers[0]];
            var p = pool.OutputShape;
            w.Line($"const int PH = {I(p.Height)}, PW = {I(p.Width)}; // output, after the max pool in the epilogue");
            w.Line($"var pool = new {N.PoolShape}(Planes: F, OH, OW, Kernel: {I(pool.KernelSize)}, Stride: {I(pool.Stride)}, OutHeight: PH, OutWidth: PW);");
            w.Line($"{Q.Int8Layers}.ConvolutionMaxPool(x.Slice(0, batch * C * H * W), y.Slice(0, batch * F * PH * PW), batch, shape, pool, F, {Q.Packed(id)}, {Q.Sums(id)}, "
                + $"{Q.ChannelScale(id)}, {Bias(q, qop)},{requantise} {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
            return;
        }
        w.Line($"{Q.Int8Layers}.Convolution(x.Slice(0, batch * C * H * W), y.Slice(0, batch * F * OH * OW), batch, shape, F, {Q.Packed(id)}, {Q.Sums(id)}, "
            + $"{Q.ChannelScale(id)}, {Bias(q, qop)},{requantise} {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
    }

    private static void WritePool(CodeWriter w, PoolOp op)
    {
        var i = op.InputShape;
        w.Line($"const int C = {I(i.Channels)}, H = {I(i.Height)}, W = {I(i.Width)}; // input");
        if (op.Pool == PoolKind.GlobalAverage)
        {
            w.Line($"{Q.Int8Kernels}.GlobalAveragePool(x.Slice(0, batch * C * H * W), y.Slice(0, batch * C), batch * C, H * W);");
            return;
        }
        var o = op.OutputShape;
        w.Line($"const int OH = {I(o.Height)}, OW = {I(o.Width)}; // output");
        w.Line($"var shape = new {N.PoolShape}(Planes: batch * C, H, W, Kernel: {I(op.KernelSize)}, Stride: {I(op.Stride)}, OutHeight: OH, OutWidth: OW);");
        string kernel = op.Pool == PoolKind.Max ? "MaxPool" : "AveragePool";
        w.Line($"{Q.Int8Kernels}.{kernel}(x.Slice(0, batch * C * H * W), y.Slice(0, batch * C * OH * OW), shape);");
    }

    /// <summary>An identity in eval mode (dropout, or an activation of none): a copy, dequantised when the output is float.</summary>
    private static void WriteCopy(CodeWriter w, QuantizationPlan q, PlannedOp op)
    {
        w.Line($"int count = batch * {I(op.OutputShape.Size)};");
        if (q.Storage(op.Input.Value).IsFloat == q.Storage(op.Output).IsFloat)
            w.Line("x.Slice(0, count).CopyTo(y);");
        else
            w.Line($"{Q.Int8Kernels}.Dequantize(x.Slice(0, count), y.Slice(0, count), {ScaleOf(q, op.Input.Value)});");
    }

    private static void WriteActivation(CodeWriter w, QuantizationPlan q, ActivationOp op)
    {
        bool floatInput = q.Storage(op.Input.Value).IsFloat;
        int size = op.OutputShape.Size;
        if (op.Activation == ActivationKind.None)
        {
            WriteCopy(w, q, op);
            return;
        }
        w.Line($"int count = batch * {I(size)};");
        if (op.Activation == ActivationKind.Softmax)
        {
            // The planner allows a softmax only in the float tail: its output is float.
            if (!floatInput)
            {
                w.Line($"{Q.Int8Kernels}.Dequantize(x.Slice(0, count), y.Slice(0, count), {ScaleOf(q, op.Input.Value)});");
                w.Line($"{N.ActivationKernels}.SoftmaxRows(y.Slice(0, count), y.Slice(0, count), batch, {I(size)});");
            }
            else
            {
                w.Line($"{N.ActivationKernels}.SoftmaxRows(x.Slice(0, count), y.Slice(0, count), batch, {I(size)});");
            }
            return;
        }
        if (floatInput)
            w.Line($"{N.ElementwiseKernels}.Activate(x.Slice(0, count), y.Slice(0, count), {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
        else
            w.Line($"{Q.Int8Kernels}.Lookup(x.Slice(0, count), y.Slice(0, count), {Q.Table(op.Identifier)});");
    }

    private static void WriteBatchNorm(CodeWriter w, QuantizationPlan q, BatchNormOp op)
    {
        string id = op.Identifier;
        w.Line($"const int Channels = {I(op.Channels)}, Spatial = {I(op.Spatial)};");
        string requantise = q.Storage(op.Output).IsFloat ? "" : $" {Q.InverseOutputScale(id)},";
        w.Line($"{Q.Int8Kernels}.AffineChannels(x.Slice(0, batch * Channels * Spatial), y.Slice(0, batch * Channels * Spatial), batch, Channels, Spatial, "
            + $"{Q.ChannelScale(id)}, {Q.ChannelShift(id)},{requantise} {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
    }

    private static void WriteAdd(CodeWriter w, QuantizationPlan q, AddOp op)
    {
        bool floatOutput = q.Storage(op.Output).IsFloat;
        w.Line($"int count = batch * {I(op.OutputShape.Size)};");
        string sum = floatOutput ? "y.Slice(0, count)" : $"new {N.Span}({Q.Sum(op.Identifier)}, 0, count)";
        w.Line($"// The sum in real units: each input's int8 values times its scale{(floatOutput ? ", straight into the float output" : "")}");
        for (int k = 0; k < op.Inputs.Count; k++)
            w.Line($"{Q.Int8Kernels}.AddScaled({InputName(op, k)}.Slice(0, count), {ScaleOf(q, op.Inputs[k].Value)}, {sum}, accumulate: {(k > 0 ? "true" : "false")});");
        if (!floatOutput)
            w.Line($"{Q.Int8Kernels}.Activate({sum}, y.Slice(0, count), {Q.InverseOutputScale(op.Identifier)}, {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
        else if (op.Activation != ActivationKind.None)
            w.Line($"{N.ElementwiseKernels}.Activate({sum}, {CpuEmitter.Operator(op.Activation, op.NegativeSlope)});");
    }

    private static void WriteConcat(CodeWriter w, ConcatOp op)
    {
        w.Line($"const int Out = {I(op.OutputShape.Size)};");
        using (w.Block("for (int b = 0; b < batch; b++)"))
        {
            int offset = 0;
            for (int k = 0; k < op.Inputs.Count; k++)
            {
                int size = op.Inputs[k].Shape.Size;
                w.Line($"{Q.Int8Kernels}.Requantize({InputName(op, k)}.Slice(b * {I(size)}, {I(size)}), y.Slice(b * Out + {I(offset)}, {I(size)}), {Q.Ratio(op.Identifier, k)});");
                offset += size;
            }
        }
    }

    /// <summary>A convolution's geometry as a <c>ConvolutionShape</c> expression, with the given names for its sizes (numbers by default).</summary>
    private static string Shape(Conv2DOp op, string? c = null, string? h = null, string? w = null, string? oh = null, string? ow = null) =>
        $"new {Q.ConvolutionShape}({c ?? I(op.InputShape.Channels)}, {h ?? I(op.InputShape.Height)}, {w ?? I(op.InputShape.Width)}, Kernel: {I(op.KernelSize)}, "
        + $"Stride: {I(op.Stride)}, PadTop: {I(op.PadTop)}, PadLeft: {I(op.PadLeft)}, OutHeight: {oh ?? I(op.OutputShape.Height)}, OutWidth: {ow ?? I(op.OutputShape.Width)})";

    /// <summary>The bias view of a dense or convolution op, or <c>default</c> (an empty span) when it has none.</summary>
    private static string Bias(QuantizationPlan q, QuantizedOp op) => op.Bias >= 0 ? q.Tensors[op.Bias].Identifier : "default";

    /// <summary><c>x</c> for a one-input op, <c>x0</c>, <c>x1</c>, ... for a merge.</summary>
    private static string InputName(PlannedOp op, int k) => op.Inputs.Count == 1 ? "x" : "x" + I(k);

    /// <summary>The formula of an op's int8 form, for its summary.</summary>
    private static string Formula(QuantizationPlan q, PlannedOp op)
    {
        bool floatOutput = q.Storage(op.Output).IsFloat;
        string f(string z) => CpuEmitter.ActivationFormula(op.Activation, op.NegativeSlope, z);
        string store(string y) => floatOutput ? y : $"Quantize(({y}) / s_y)";
        return op switch
        {
            DenseOp => store(f("sum_i x[b, i] q[o, i] s_x s_w[o] + bias[o]")) + " with int32 sums",
            Conv2DOp { PoolEpilogue: true } => "y = max over each pool window of " + store(f("sum_k W[f, k] columns[k, p] s_x s_w[f] + bias[f]")) + " with int32 sums",
            Conv2DOp => store(f("sum_k W[f, k] columns[k, p] s_x s_w[f] + bias[f]")) + " with int32 sums",
            PoolOp { Pool: PoolKind.Max } => "y = max over the window of x, at x's scale",
            PoolOp => "y = Quantize(mean over the window of x), at x's scale",
            DropoutOp => "y = x (eval mode)",
            ActivationOp { Activation: ActivationKind.Softmax } => "y = softmax(x), in float",
            ActivationOp activation when UsesTable(q, activation) => "y = table[x + 128], the activation of every int8 value",
            ActivationOp => "y = " + f("x"),
            BatchNormOp => store(f("x s_x gamma[c] / sqrt(var[c] + eps) + beta[c] - mean[c] gamma[c] / sqrt(var[c] + eps)")),
            AddOp => store(f("sum_k x_k s_k")),
            _ => "y = the inputs joined, each requantised to the output's scale",
        };
    }
}
