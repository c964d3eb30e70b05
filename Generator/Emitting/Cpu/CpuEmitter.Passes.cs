using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// The public passes (Forward, ForwardBackward, ComputeLoss) and the two drivers that call one method per op.
internal static partial class CpuEmitter
{
    private static void WritePublicPasses(CodeWriter w, NetworkPlan plan)
    {
        string output = Activations(plan, plan.OutputBuffer);
        w.Line("// ---- Passes ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} input, {N.Span} output)"))
        {
            w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(input), input.Length, 1, {N.InputSize});");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(output), output.Length, 1, {N.OutputSize});");
            w.Line($"{N.RunForward}(input, 1);");
            w.Line($"new {N.ReadOnlySpan}({output}, 0, {N.OutputSize}).CopyTo(output);");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} inputs, {N.Span} outputs, int batchSize)"))
        {
            w.Line($"{N.CheckBatch}(inputs, batchSize);");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(outputs), outputs.Length, batchSize, {N.OutputSize});");
            w.Line($"{N.RunForward}(inputs, batchSize);");
            w.Line($"new {N.ReadOnlySpan}({output}, 0, batchSize * {N.OutputSize}).CopyTo(outputs);");
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
        WriteLossPass(w, plan, backward: true, labels: true, supported: labels);
        WriteLossPass(w, plan, backward: true, labels: false, supported: !labels);
        WriteLossPass(w, plan, backward: false, labels: true, supported: labels);
        WriteLossPass(w, plan, backward: false, labels: false, supported: !labels);
    }

    /// <summary>One of ForwardBackward/ComputeLoss, for labels or float targets; the overload that does not fit the loss throws.</summary>
    private static void WriteLossPass(CodeWriter w, NetworkPlan plan, bool backward, bool labels, bool supported)
    {
        string name = backward ? "ForwardBackward" : "ComputeLoss";
        string targets = labels ? $"{N.ReadOnlySpanInt} labels" : $"{N.ReadOnlySpan} targets";
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public float {name}({N.ReadOnlySpan} inputs, {targets}, int batchSize)"))
        {
            if (supported) WriteLossPassBody(w, plan, backward, labels);
            else w.Line($"throw {N.Guard}.WrongTargetKind({N.NetworkName}, {N.Loss}.{plan.Loss.Kind}, gotLabels: {(labels ? "true" : "false")});");
        }
        w.Line();
    }

    private static void WriteLossPassBody(CodeWriter w, NetworkPlan plan, bool backward, bool labels)
    {
        w.Line($"{N.CheckBatch}(inputs, batchSize);");
        if (labels) w.Line($"{N.Guard}.Labels({N.NetworkName}, labels, batchSize, {N.OutputSize});");
        else w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(targets), targets.Length, batchSize, {N.OutputSize});");
        w.Line($"{N.RunForward}(inputs, batchSize);");

        int source = plan.Loss.GradientBuffer;
        string count = $"batchSize * {N.OutputSize}";
        string values = plan.Loss.Kind == LossKind.MeanSquaredError ? "predictions" : "logits";
        w.Line(source < 0
            ? $"{N.ReadOnlySpan} {values} = inputs.Slice(0, {count});"
            : $"{N.ReadOnlySpan} {values} = new {N.ReadOnlySpan}({Activations(plan, source)}, 0, {count});");
        string gradient = "default";
        if (backward && source >= 0)
        {
            gradient = values + "Gradient";
            w.Line($"{N.Span} {gradient} = new {N.Span}({ActivationGradients(plan, source)}, 0, {count});");
        }
        switch (plan.Loss.Kind)
        {
            case LossKind.SoftmaxCrossEntropy:
                if (backward) w.Line("// Softmax cross-entropy and its gradient in one pass: dLoss/dlogits = (softmax(logits) - onehot(labels)) / batch.");
                w.Line($"float loss = {N.LossKernels}.SoftmaxCrossEntropy({values}, labels, {N.OutputSize}, {gradient});");
                break;
            case LossKind.BinaryCrossEntropy:
                if (backward) w.Line("// Binary cross-entropy from logits and its gradient in one pass: dLoss/dlogits = (sigmoid(logits) - targets) / count.");
                w.Line($"float loss = {N.LossKernels}.BinaryCrossEntropyWithLogits({values}, targets, {gradient});");
                break;
            default:
                if (backward) w.Line("// Mean squared error and its gradient: dLoss/doutputs = 2 (outputs - targets) / count.");
                w.Line($"float loss = {N.LossKernels}.MeanSquaredError({values}, targets, {gradient});");
                break;
        }
        if (backward)
        {
            w.Line("// Parameter gradients accumulate (+=) in the backward methods, so start from zero, as PyTorch's zero_grad.");
            w.Line($"{N.Array}.Clear({N.Gradients});");
            w.Line($"{N.RunBackward}(inputs, batchSize);");
        }
        w.Line("return loss;");
    }

    private static void WriteRunForward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>Runs every op of the plan in order on a batch; the result is in the last op's buffer.</summary>");
        using (w.Block($"private void {N.RunForward}({N.ReadOnlySpan} inputs, int batch)"))
        {
            w.Line($"{N.LastBatch} = batch;");
            w.Line($"if ({N.IsTraining}) {N.Step}++;");
            for (int i = 0; i < plan.Ops.Count; i++)
            {
                var op = plan.Ops[i];
                w.Line($"// {I(i + 1)}. {op.Description}");
                w.Line($"{N.ForwardMethod(op.Identifier)}({Activations(plan, op.Input)}, {Activations(plan, op.Output)}, batch);");
            }
        }
        w.Line();
    }

    private static void WriteRunBackward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Runs the ops backwards from the loss gradient. An op runs only if it or an op below it is trained; it computes");
        w.Line("/// its weight gradients only if its own layer is trained, and its input gradient only if an op below needs it.");
        w.Line("/// </summary>");
        using (w.Block($"private void {N.RunBackward}({N.ReadOnlySpan} inputs, int batch)"))
        {
            w.Line($"int lowest = {N.LowestTrainableOp};");
            for (int i = plan.Ops.Count - 1; i >= 0; i--)
            {
                var op = plan.Ops[i];
                w.Line($"// {I(i + 1)}. {op.Description}");
                if (op is ActivationOp { AbsorbedByLoss: true })
                {
                    w.Line("//    (the loss already wrote the gradient of this op's input)");
                    continue;
                }
                string x = Activations(plan, op.Input);
                string y = Activations(plan, op.Output);
                string dy = ActivationGradients(plan, op.Output);
                string dx = i == 0 ? "default" : ActivationGradients(plan, op.Input);
                if (op.ParameterLayer >= 0)
                {
                    string inputGradient = i == 0 ? "false" : $"lowest < {I(i)}";
                    w.Line($"if (lowest <= {I(i)}) {N.BackwardMethod(op.Identifier)}({x}, {y}, {dy}, {dx}, batch, weightGradients: {N.Trainable}[{I(op.ParameterLayer)}], inputGradient: {inputGradient});");
                }
                else if (i == 0)
                {
                    w.Line("//    (nothing below needs a gradient)");
                }
                else
                {
                    w.Line($"if (lowest < {I(i)}) {N.BackwardMethod(op.Identifier)}({x}, {y}, {dy}, {dx}, batch);");
                }
            }
        }
        w.Line();
    }

    /// <summary>Whether the op at <paramref name="index"/> may have to compute its input gradient: not the first op, whose input is the network's.</summary>
    private static bool NeedsInputGradient(NetworkPlan plan, int index) => plan.IsTrainable && index > 0;

    /// <summary>Writes the forward and backward methods of one op.</summary>
    private static void WriteOp(CodeWriter w, NetworkPlan plan, PlannedOp op, int index)
    {
        switch (op)
        {
            case DenseOp dense: WriteDense(w, plan, dense, index); break;
            case ActivationOp activation: WriteActivation(w, plan, activation); break;
            case Conv2DOp conv: WriteConv2D(w, plan, conv, index); break;
            case PoolOp pool: WritePool(w, plan, pool); break;
            case DropoutOp dropout: WriteDropout(w, plan, dropout); break;
            case BatchNormOp norm: WriteBatchNorm(w, plan, norm); break;
        }
    }

    /// <summary>Per-op static geometry and constants.</summary>
    private static void WriteOpStatics(CodeWriter w, NetworkPlan plan, PlannedOp op)
    {
        switch (op)
        {
            case Conv2DOp conv: WriteConv2DStatics(w, conv); break;
            case PoolOp pool: WritePoolStatics(w, pool); break;
            case DropoutOp dropout: WriteDropoutStatics(w, plan, dropout); break;
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
