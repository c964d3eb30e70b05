using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// The host side of the passes: Forward, ForwardBackward and ComputeLoss upload the batch, then RunForward and
// RunBackward launch one host method per op, in the plan's order, exactly as the CPU network calls its methods.
internal static partial class GpuEmitter
{
    private static void WritePublicPasses(CodeWriter w, NetworkPlan plan)
    {
        string output = Value(plan, plan.OutputValue);
        w.Line("// ---- Passes ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} input, {N.Span} output)"))
        {
            w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(input), input.Length, 1, {N.InputSize});");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(output), output.Length, 1, {N.OutputSize});");
            w.Line("BeginPass(input, 1);");
            w.Line($"{N.RunForward}(1);");
            w.Line($"Download({output}, output, {N.OutputSize});");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} inputs, {N.Span} outputs, int batchSize)"))
        {
            w.Line($"{N.CheckBatch}(inputs, batchSize);");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(outputs), outputs.Length, batchSize, {N.OutputSize});");
            w.Line("BeginPass(inputs, batchSize);");
            w.Line($"{N.RunForward}(batchSize);");
            w.Line($"Download({output}, outputs, batchSize * {N.OutputSize});");
        }
        w.Line();
        using (w.Block($"private void {N.CheckBatch}({N.ReadOnlySpan} inputs, int batchSize)"))
        {
            w.Line($"{N.Guard}.BatchSize({N.NetworkName}, batchSize, MaxBatchSize);");
            w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(inputs), inputs.Length, batchSize, {N.InputSize});");
        }
        w.Line();
        if (!plan.IsTrainable) return;

        bool labels = plan.Loss.Kind == LossKind.SoftmaxCrossEntropy;
        string targets = labels ? $"{N.ReadOnlySpanInt} labels" : $"{N.ReadOnlySpan} targets";
        string targetName = labels ? "labels" : "targets";
        w.Line("/// <inheritdoc/>");
        w.Line($"public float ForwardBackward({N.ReadOnlySpan} inputs, {targets}, int batchSize) => {N.LossPass}(inputs, {targetName}, batchSize, backward: true, default);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public float ComputeLoss({N.ReadOnlySpan} inputs, {targets}, int batchSize) => {N.LossPass}(inputs, {targetName}, batchSize, backward: false, default);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public float ForwardBackward({N.ReadOnlySpan} inputs, {targets}, int batchSize, {N.Span} inputGradient)"))
        {
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(inputGradient), inputGradient.Length, batchSize, {N.InputSize});");
            w.Line("// Only for this call: every op downstream of the input computes its input gradient.");
            w.Line($"{N.InputNeedsGradient} = true;");
            w.Line($"{N.UpdateGradientNeeds}();");
            w.Line($"try {{ return {N.LossPass}(inputs, {targetName}, batchSize, backward: true, inputGradient); }}");
            w.Line($"finally {{ {N.InputNeedsGradient} = false; {N.UpdateGradientNeeds}(); }}");
        }
        w.Line();

        string other = labels ? $"{N.ReadOnlySpan} targets" : $"{N.ReadOnlySpanInt} labels";
        string wrong = $"throw {N.Guard}.WrongTargetKind({N.NetworkName}, {N.Loss}.{plan.Loss.Kind}, gotLabels: {(labels ? "false" : "true")})";
        w.Line($"// {plan.Loss.Kind} trains on {(labels ? "class-index labels" : "float targets")}: the overloads for {(labels ? "float targets" : "labels")} exist only for the interface.");
        w.Line($"float {N.ITrainableNetwork}.ForwardBackward({N.ReadOnlySpan} inputs, {other}, int batchSize) => {wrong};");
        w.Line($"float {N.ITrainableNetwork}.ComputeLoss({N.ReadOnlySpan} inputs, {other}, int batchSize) => {wrong};");
        w.Line($"float {N.ITrainableNetwork}.ForwardBackward({N.ReadOnlySpan} inputs, {other}, int batchSize, {N.Span} inputGradient) => {wrong};");
        w.Line();

        w.Line("/// <summary>Forward, the loss (and its gradient), then backward when <paramref name=\"backward\"/>; the input gradient goes to <paramref name=\"inputGradient\"/> when asked for.</summary>");
        using (w.Block($"private float {N.LossPass}({N.ReadOnlySpan} inputs, {targets}, int batchSize, bool backward, {N.Span} inputGradient)"))
        {
            w.Line($"{N.CheckBatch}(inputs, batchSize);");
            if (labels)
            {
                w.Line($"{N.Guard}.Labels({N.NetworkName}, labels, batchSize, {N.OutputSize});");
                w.Line("BeginPass(inputs, batchSize);");
                w.Line("UploadLabels(labels);");
            }
            else
            {
                w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(targets), targets.Length, batchSize, {N.OutputSize});");
                w.Line("BeginPass(inputs, batchSize);");
                w.Line("UploadTargets(targets);");
            }
            w.Line($"{N.RunForward}(batchSize);");
            w.Line("RunLossKernels(batchSize, backward);");
            using (w.Block("if (backward)"))
            {
                w.Line("// Parameter gradients accumulate (+=) in the backward kernels, so start from zero, as PyTorch's zero_grad.");
                w.Line("ClearGradients();");
                w.Line($"{N.RunBackward}(batchSize);");
                w.Line($"if ({N.InputNeedsGradient}) Download(InputGradientMemory, inputGradient, batchSize * {N.InputSize});");
            }
            w.Line("// The one value a training step reads back.");
            w.Line("return ReadLoss();");
        }
        w.Line();
    }

    private static void WriteRunForward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        w.Line($"protected override void RunForwardPass(int batch) => {N.RunForward}(batch);");
        w.Line();
        w.Line("/// <summary>Launches every op of the plan in order on a batch already uploaded; the result stays in the output value.</summary>");
        using (w.Block($"private void {N.RunForward}(int batch)"))
        {
            w.Line("if (IsTraining) Step++;");
            for (int i = 0; i < plan.Ops.Count; i++)
            {
                var op = plan.Ops[i];
                w.Line($"// {I(i + 1)}. {op.Description}");
                w.Line($"{N.ForwardMethod(op.Identifier)}(batch);");
            }
            if (plan.Ops.Any(op => op is BatchNormOp))
            {
                w.Line("// Training passes update the running statistics on the device.");
                w.Line("if (IsTraining) BuffersWritten();");
            }
        }
        w.Line();
    }

    private static void WriteRunBackward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Launches the ops backwards from the loss gradient: an op runs when its output needs a gradient, computes its weight");
        w.Line("/// gradients only if its layer is trained and each input's gradient only if that input needs one; where a value has several");
        w.Line("/// readers, the first to run backward writes its gradient and the others add to it.");
        w.Line("/// </summary>");
        using (w.Block($"private void {N.RunBackward}(int batch)"))
        {
            for (int i = plan.Ops.Count - 1; i >= 0; i--)
            {
                var op = plan.Ops[i];
                w.Line($"// {I(i + 1)}. {op.Description}");
                if (!plan.HasBackward(op))
                {
                    w.Line("//    (the loss already wrote the gradient of this op's input)");
                    continue;
                }
                w.Line($"if ({NeedsGradient(plan, op.Output)}) {N.BackwardMethod(op.Identifier)}(batch);");
            }
        }
        w.Line();
    }

    /// <summary>Writes the host methods that launch one op's kernels.</summary>
    private static void WriteHostOp(CodeWriter w, NetworkPlan plan, PlannedOp op)
    {
        switch (op)
        {
            case DenseOp dense: WriteDenseHost(w, plan, dense); break;
            case Conv2DOp conv: WriteConvHost(w, plan, conv); break;
            case PoolOp pool: WritePoolHost(w, plan, pool); break;
            case DropoutOp dropout: WriteDropoutHost(w, plan, dropout); break;
            case BatchNormOp norm: WriteBatchNormHost(w, plan, norm); break;
            case ActivationOp activation: WriteActivationHost(w, plan, activation); break;
            case AddOp add: WriteAddHost(w, plan, add); break;
            case ConcatOp concat: WriteConcatHost(w, plan, concat); break;
            case RecurrentOp recurrent: WriteRecurrentHost(w, plan, recurrent); break;
            default: throw new System.InvalidOperationException($"The GPU backend has no kernels for {op.GetType().Name} '{op.Identifier}'");
        }
    }

    /// <summary>
    /// The first layer whose op this backend has no kernels for, or null. Every op the planner makes has kernels today;
    /// an op kind added to the planner before its kernels gets no GPU network and MYL0103 naming its layer, never a
    /// half-printed one.
    /// </summary>
    public static PlannedLayer? UnsupportedLayer(NetworkPlan plan)
    {
        foreach (var op in plan.Ops)
        {
            if (op is not (DenseOp or Conv2DOp or PoolOp or DropoutOp or BatchNormOp or ActivationOp or AddOp or ConcatOp or RecurrentOp))
                return plan.Layers[op.Layers[0]];
        }
        return null;
    }
}
