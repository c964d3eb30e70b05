using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// The public passes (Forward, ForwardBackward, ComputeLoss) and the two drivers that call one method per op.
internal static partial class CpuEmitter
{
    private static void WritePublicPasses(CodeWriter w, NetworkPlan plan)
    {
        string output = Activations(plan, plan.OutputValue);
        w.Line("// ---- Passes ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} input, {N.Span} output)"))
        {
            w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(input), input.Length, 1, {N.InputSize});");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(output), output.Length, 1, {N.OutputSize});");
            w.Line($"{N.RunForward}(input, 1{InferenceArgument(plan)});");
            w.Line($"{output}.Slice(0, {N.OutputSize}).CopyTo(output);");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} inputs, {N.Span} outputs, int batchSize)"))
        {
            w.Line($"{N.CheckBatch}(inputs, batchSize);");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(outputs), outputs.Length, batchSize, {N.OutputSize});");
            w.Line($"{N.RunForward}(inputs, batchSize{InferenceArgument(plan)});");
            w.Line($"{output}.Slice(0, batchSize * {N.OutputSize}).CopyTo(outputs);");
        }
        w.Line();
        using (w.Block($"private void {N.CheckBatch}({N.ReadOnlySpan} inputs, int batchSize)"))
        {
            w.Line($"{N.Guard}.BatchSize({N.NetworkName}, batchSize, {N.Capacity});");
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

        // The overloads for the other kind of target exist for the interface only: called on the class they do not compile.
        string other = labels ? $"{N.ReadOnlySpan} targets" : $"{N.ReadOnlySpanInt} labels";
        string wrong = $"throw {N.Guard}.WrongTargetKind({N.NetworkName}, {N.Loss}.{plan.Loss.Kind}, gotLabels: {(labels ? "false" : "true")})";
        w.Line($"// {plan.Loss.Kind} trains on {(labels ? "class-index labels" : "float targets")}: the overloads for {(labels ? "float targets" : "labels")} exist only for the interface, so calling them on the class does not compile.");
        w.Line($"float {N.ITrainableNetwork}.ForwardBackward({N.ReadOnlySpan} inputs, {other}, int batchSize) => {wrong};");
        w.Line($"float {N.ITrainableNetwork}.ComputeLoss({N.ReadOnlySpan} inputs, {other}, int batchSize) => {wrong};");
        w.Line($"float {N.ITrainableNetwork}.ForwardBackward({N.ReadOnlySpan} inputs, {other}, int batchSize, {N.Span} inputGradient) => {wrong};");
        w.Line();
        WriteLossPass(w, plan, targets, labels);
    }

    /// <summary>The one body behind ForwardBackward and ComputeLoss: forward, the fused loss, and backward when asked.</summary>
    private static void WriteLossPass(CodeWriter w, NetworkPlan plan, string targets, bool labels)
    {
        w.Line("/// <summary>Forward, the loss (and its gradient), then backward when <paramref name=\"backward\"/>; the input gradient goes to <paramref name=\"inputGradient\"/> when asked for.</summary>");
        using (w.Block($"private float {N.LossPass}({N.ReadOnlySpan} inputs, {targets}, int batchSize, bool backward, {N.Span} inputGradient)"))
        {
            w.Line($"{N.CheckBatch}(inputs, batchSize);");
            if (labels) w.Line($"{N.Guard}.Labels({N.NetworkName}, labels, batchSize, {N.OutputSize});");
            else w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(targets), targets.Length, batchSize, {N.OutputSize});");
            w.Line($"{N.RunForward}(inputs, batchSize{(FusesBatchNorm(plan) ? ", inference: !backward" : "")});");

            int source = plan.Loss.GradientValue;
            string count = $"batchSize * {N.OutputSize}";
            string values = plan.Loss.Kind == LossKind.MeanSquaredError ? "predictions" : "logits";
            w.Line(source < 0
                ? $"{N.ReadOnlySpan} {values} = inputs.Slice(0, {count});"
                : $"{N.ReadOnlySpan} {values} = {Activations(plan, source)}.Slice(0, {count});");
            string gradient = "default";
            if (source < 0)
            {
                // The loss reads the input itself (an absorbed activation of the input): its gradient is the input gradient.
                w.Line($"{N.Span} {values}Gradient = backward && !inputGradient.IsEmpty ? inputGradient.Slice(0, {count}) : default;");
                gradient = values + "Gradient";
            }
            else
            {
                gradient = $"backward ? {ActivationGradients(plan, source)}.Slice(0, {count}) : default";
                w.Line($"{N.Span} {values}Gradient = {gradient};");
                gradient = values + "Gradient";
            }
            switch (plan.Loss.Kind)
            {
                case LossKind.SoftmaxCrossEntropy:
                    w.Line("// Softmax cross-entropy and its gradient in one pass: dLoss/dlogits = (softmax(logits) - onehot(labels)) / batch.");
                    w.Line($"float loss = {N.LossKernels}.SoftmaxCrossEntropy({values}, labels, {N.OutputSize}, {gradient});");
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.Line("// Binary cross-entropy from logits and its gradient in one pass: dLoss/dlogits = (sigmoid(logits) - targets) / count.");
                    w.Line($"float loss = {N.LossKernels}.BinaryCrossEntropyWithLogits({values}, targets, {gradient});");
                    break;
                default:
                    w.Line("// Mean squared error and its gradient: dLoss/doutputs = 2 (outputs - targets) / count.");
                    w.Line($"float loss = {N.LossKernels}.MeanSquaredError({values}, targets, {gradient});");
                    break;
            }
            using (w.Block("if (backward)"))
            {
                w.Line("// Parameter gradients accumulate (+=) in the backward methods, so start from zero, as PyTorch's zero_grad.");
                w.Line($"{N.Array}.Clear({N.Gradients});");
                w.Line($"{N.RunBackward}({BackwardArguments(plan)});");
            }
            w.Line("return loss;");
        }
        w.Line();
    }

    /// <summary>Whether some backward pass reads the network's input (e.g. a first dense layer's weight gradient).</summary>
    private static bool BackwardReadsNetworkInput(NetworkPlan plan) =>
        plan.Ops.Any(op => plan.HasBackward(op) && op.BackwardReadsInputs && op.Inputs.Any(input => input.Value < 0));

    private static string BackwardArguments(NetworkPlan plan) =>
        (BackwardReadsNetworkInput(plan) ? "inputs, " : "") + "inputGradient, batchSize";

    private static void WriteRunForward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>Runs every op of the plan in order on a batch; the result is in the output value.</summary>");
        bool fusesBatchNorm = FusesBatchNorm(plan);
        if (fusesBatchNorm)
            w.Line("/// <param name=\"inference\">No backward pass follows: in eval mode, batch norms run in the epilogue of the convolution before them.</param>");
        using (w.Block($"private void {N.RunForward}({N.ReadOnlySpan} inputs, int batch{(fusesBatchNorm ? ", bool inference" : "")})"))
        {
            w.Line($"{N.LastBatch} = batch;");
            w.Line($"if ({N.IsTraining}) {N.Step}++;");
            for (int i = 0; i < plan.Ops.Count; i++)
            {
                var op = plan.Ops[i];
                w.Line($"// {I(i + 1)}. {op.Description}");
                if (op is PoolOp { ConvolutionEpilogue: true })
                {
                    w.Line("//    (computed by the convolution before it, in its epilogue)");
                    continue;
                }
                // A convolution with a max pool in its epilogue writes the pool's output.
                int output = op is Conv2DOp { PoolEpilogue: true } conv ? EpiloguePool(plan, conv).Output : op.Output;
                var arguments = op.Inputs.Select(input => Activations(plan, input.Value)).Append(Activations(plan, output)).Append("batch");
                string call = $"{N.ForwardMethod(op.Identifier)}({string.Join(", ", arguments)});";
                if (op is Conv2DOp { BatchNormEpilogue: true } fused)
                {
                    // In an eval-mode inference pass it writes the batch norm's output, with the norm in its epilogue.
                    var norm = EpilogueBatchNorm(plan, fused);
                    var normArguments = op.Inputs.Select(input => Activations(plan, input.Value)).Append(Activations(plan, norm.Output)).Append("batch");
                    w.Line($"if (inference && !{N.IsTraining}) {N.ForwardMethod(op.Identifier)}Normalized({string.Join(", ", normArguments)});");
                    w.Line($"else {call}");
                    continue;
                }
                if (op is BatchNormOp { ConvolutionEpilogue: true })
                {
                    w.Line($"if (!inference || {N.IsTraining}) {call}");
                    continue;
                }
                w.Line(call);
            }
        }
        w.Line();
    }

    private static void WriteRunBackward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Runs the ops backwards from the loss gradient. An op runs when its output needs a gradient; it computes its");
        w.Line("/// weight gradients only if its layer is trained, and each input's gradient only if that input needs one. Where a");
        w.Line("/// value has several readers, the first to run backward writes its gradient and the others add to it.");
        w.Line("/// </summary>");
        string inputs = BackwardReadsNetworkInput(plan) ? $"{N.ReadOnlySpan} inputs, " : "";
        using (w.Block($"private void {N.RunBackward}({inputs}{N.Span} inputGradient, int batch)"))
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
                w.Line($"if ({NeedsGradient(plan, op.Output)}) {N.BackwardMethod(op.Identifier)}({string.Join(", ", BackwardCallArguments(plan, op))});");
            }
        }
        w.Line();
    }

    /// <summary>The arguments of an op's backward call, in the order <see cref="BackwardParameters"/> declares them.</summary>
    private static IEnumerable<string> BackwardCallArguments(NetworkPlan plan, PlannedOp op)
    {
        if (op.BackwardReadsInputs)
        {
            foreach (var input in op.Inputs) yield return Activations(plan, input.Value);
        }
        if (ReadsOutput(op)) yield return Activations(plan, op.Output);
        yield return ActivationGradients(plan, op.Output);
        foreach (var input in op.Inputs) yield return ActivationGradients(plan, input.Value);
        yield return "batch";
        if (op.ParameterLayer >= 0) yield return $"weightGradients: {N.Trainable}[{I(op.ParameterLayer)}]";
        if (op.ParameterLayer >= 0 || op.Inputs.Count > 1)
        {
            for (int k = 0; k < op.Inputs.Count; k++)
                yield return $"{InputGradientFlag(op, k)}: {NeedsGradient(plan, op.Inputs[k].Value)}";
        }
    }

    /// <summary>
    /// An op's backward parameters: the forward values it reads (only those it needs), <c>dy</c>, one <c>dx</c> per input,
    /// the batch, and the flags. An op without parameters and with one input runs only when that input needs a gradient,
    /// so it takes no flag.
    /// </summary>
    private static string BackwardParameters(PlannedOp op, bool dyWritable)
    {
        var parameters = new List<string>();
        if (op.BackwardReadsInputs)
        {
            for (int k = 0; k < op.Inputs.Count; k++) parameters.Add($"{N.ReadOnlySpan} {InputName(op, k)}");
        }
        if (ReadsOutput(op)) parameters.Add($"{N.ReadOnlySpan} y");
        parameters.Add($"{(dyWritable ? N.Span : N.ReadOnlySpan)} dy");
        for (int k = 0; k < op.Inputs.Count; k++) parameters.Add($"{N.Span} d{InputName(op, k)}");
        parameters.Add("int batch");
        if (op.ParameterLayer >= 0) parameters.Add("bool weightGradients");
        if (op.ParameterLayer >= 0 || op.Inputs.Count > 1)
        {
            for (int k = 0; k < op.Inputs.Count; k++) parameters.Add($"bool {InputGradientFlag(op, k)}");
        }
        return string.Join(", ", parameters);
    }

    /// <summary>
    /// Whether the CPU backward of an op reads its output: as the plan says, except a convolution with a max pool in its
    /// epilogue, whose activation derivative the pool's backward applies.
    /// </summary>
    private static bool ReadsOutput(PlannedOp op) => op.BackwardReadsOutput && op is not Conv2DOp { PoolEpilogue: true };

    /// <summary>The max pool in a convolution's epilogue: the one op that reads the convolution's output.</summary>
    private static PoolOp EpiloguePool(NetworkPlan plan, Conv2DOp conv) => (PoolOp)plan.Ops[plan.Values[conv.Output].Consumers[0]];

    private static BatchNormOp EpilogueBatchNorm(NetworkPlan plan, Conv2DOp conv) => (BatchNormOp)plan.Ops[plan.Values[conv.Output].Consumers[0]];

    /// <summary>Whether some convolution computes the batch norm after it in its epilogue (RunForward then takes <c>inference</c>).</summary>
    private static bool FusesBatchNorm(NetworkPlan plan) => plan.Ops.Any(op => op is Conv2DOp { BatchNormEpilogue: true });

    /// <summary>The <c>inference</c> argument of a public Forward's RunForward call, for plans that take one.</summary>
    private static string InferenceArgument(NetworkPlan plan) => FusesBatchNorm(plan) ? ", inference: true" : "";

    /// <summary>The forward parameters: the inputs, the output and the batch.</summary>
    private static string ForwardParameters(PlannedOp op) =>
        string.Join(", ", Enumerable.Range(0, op.Inputs.Count).Select(k => $"{N.ReadOnlySpan} {InputName(op, k)}")
            .Append($"{N.Span} y").Append("int batch"));

    /// <summary><c>x</c> for a one-input op, <c>x0</c>, <c>x1</c>, ... for a merge.</summary>
    private static string InputName(PlannedOp op, int k) => op.Inputs.Count == 1 ? "x" : "x" + I(k);

    private static string InputGradientFlag(PlannedOp op, int k) => op.Inputs.Count == 1 ? "inputGradient" : "inputGradient" + I(k);

    /// <summary>"=" or "+=": whether this op's backward writes input <paramref name="k"/>'s gradient or adds to another reader's.</summary>
    private static string Assign(PlannedOp op, int k) => op.Inputs[k].Accumulate ? "+=" : "=";

    /// <summary>A comment explaining an added gradient, or "".</summary>
    private static string AccumulateNote(PlannedOp op, int k) =>
        op.Inputs[k].Accumulate ? " (added: another reader of this value already wrote its gradient)" : "";

    /// <summary>Writes the forward and backward methods of one op.</summary>
    private static void WriteOp(CodeWriter w, NetworkPlan plan, PlannedOp op)
    {
        switch (op)
        {
            case DenseOp dense: WriteDense(w, plan, dense); break;
            case ActivationOp activation: WriteActivation(w, plan, activation); break;
            case Conv2DOp conv: WriteConv2D(w, plan, conv); break;
            case PoolOp pool: WritePool(w, plan, pool); break;
            case DropoutOp dropout: WriteDropout(w, plan, dropout); break;
            case BatchNormOp norm: WriteBatchNorm(w, plan, norm); break;
            case AddOp add: WriteAdd(w, plan, add); break;
            case ConcatOp concat: WriteConcat(w, plan, concat); break;
            case RecurrentOp recurrent: WriteRecurrent(w, plan, recurrent); break;
        }
    }

    /// <summary>Per-op static geometry and constants.</summary>
    private static void WriteOpStatics(CodeWriter w, PlannedOp op)
    {
        switch (op)
        {
            case Conv2DOp conv: WriteConv2DStatics(w, conv); break;
            case PoolOp pool: WritePoolStatics(w, pool); break;
            case DropoutOp dropout: WriteDropoutStatics(w, dropout); break;
            case RecurrentOp recurrent: WriteRecurrentStatics(w, recurrent); break;
        }
    }

    /// <summary>Per-op state that does not scale with the batch (saved statistics, flags).</summary>
    private static void WriteOpState(CodeWriter w, NetworkPlan plan, PlannedOp op)
    {
        switch (op)
        {
            case DropoutOp dropout: WriteDropoutState(w, dropout); break;
            case BatchNormOp norm: WriteBatchNormState(w, plan, norm); break;
        }
    }
}
