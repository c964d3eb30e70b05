using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Batch normalisation (1-D over features, 2-D over channels) with PyTorch's running statistics, and an activation
// fused into its epilogue.
internal static partial class CpuEmitter
{
    private const string NormalizationKernelsType = "global::Myelin.Kernels.NormalizationKernels";

    private static string NormalizedField(BatchNormOp op) => N.NormalizedField(op.Identifier);

    private static string InverseStdField(BatchNormOp op) => N.InverseStdField(op.Identifier);

    private static string UsedBatchStatisticsField(BatchNormOp op) => N.UsedBatchStatisticsField(op.Identifier);

    private static void WriteBatchNormState(CodeWriter w, NetworkPlan plan, BatchNormOp op)
    {
        w.Line($"private readonly float[] {InverseStdField(op)} = new float[{plan.Tensors[op.Weight].Identifier}Length]; // [{I(op.Channels)}], 1/sqrt(var + eps) per channel of the last forward pass");
        w.Line($"private bool {UsedBatchStatisticsField(op)}; // training mode: the last pass normalised with batch statistics");
    }

    private static void WriteBatchNorm(CodeWriter w, NetworkPlan plan, BatchNormOp op)
    {
        var gamma = plan.Tensors[op.Weight];
        var beta = plan.Tensors[op.Bias];
        var mean = plan.Tensors[op.RunningMean];
        var variance = plan.Tensors[op.RunningVar];
        var tracked = plan.Tensors[op.NumBatchesTracked];
        string name = plan.Layers[op.OwnerLayer].Name;
        string constants =
            $"const int C = {I(op.Channels)}, S = {I(op.Spatial)}; // channels, positions per channel (1 for BatchNorm1D)\n" +
            $"const float Epsilon = {CodeWriter.Float(op.Epsilon)}, Momentum = {CodeWriter.Float(op.Momentum)};";

        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <c>x-hat = (x - mean_c) / sqrt(var_c + eps)</c>, <c>y = gamma_c x-hat + beta_c</c>. Training uses the batch's mean and biased");
        w.Line("/// variance and updates <c>running = (1 - momentum) running + momentum batch</c> (unbiased variance), as PyTorch; eval uses the running statistics.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}({ForwardParameters(op)})"))
        {
            w.Lines(constants);
            w.Line($"{N.ReadOnlySpan} gamma = {gamma.Identifier}, beta = {beta.Identifier};");
            w.Line($"{N.Span} runningMean = {mean.Identifier}, runningVar = {variance.Identifier};");
            w.Line($"float[] normalized = {NormalizedField(op)}, inverseStd = {InverseStdField(op)};");
            w.Line("int count = batch * S; // values per channel");
            w.Line($"{UsedBatchStatisticsField(op)} = {N.IsTraining};");
            using (w.Block($"if ({N.IsTraining} && count < 2)"))
            {
                w.Line($"throw new global::System.InvalidOperationException({N.NetworkName} + \": {name} needs more than one value per channel in training mode, but the batch has \" + count + \". Use a larger batch or switch to eval mode (IsTraining = false).\");");
            }
            w.Line("// Per channel: two-pass batch statistics (or the running ones), then y = f(gamma x-hat + beta), in SIMD.");
            w.Line($"{NormalizationKernelsType}.BatchNormForward(x.Slice(0, batch * C * S), y, normalized, inverseStd, gamma, beta, runningMean, runningVar,");
            w.Line($"    C, S, batch, {N.IsTraining}, Momentum, Epsilon, {Operator(op.Activation, op.NegativeSlope)});");
            w.Line($"if ({N.IsTraining}) {tracked.Identifier}[0] += 1f; // {tracked.Name}");
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// With <c>dz = dy * f'(z)</c> and <c>M = batch * S</c> values per channel: <c>dgamma = sum dz x-hat</c>, <c>dbeta = sum dz</c>;");
        w.Line("/// with batch statistics <c>dx = gamma/sigma (dz - mean(dz) - x-hat mean(dz x-hat))</c>, with running statistics <c>dx = gamma/sigma dz</c>.");
        w.Line("/// </remarks>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}({BackwardParameters(op, dyWritable: true)})"))
        {
            w.Line($"const int C = {I(op.Channels)}, S = {I(op.Spatial)}; // channels, positions per channel");
            WriteActivationBackwardInPlace(w, op.Activation, op.NegativeSlope, "batch * C * S");
            w.Line($"{N.Span} dGamma = {gamma.Identifier}Gradient, dBeta = {beta.Identifier}Gradient;");
            w.Line($"{NormalizationKernelsType}.BatchNormBackward(dy.Slice(0, batch * C * S), {NormalizedField(op)}, {InverseStdField(op)}, {gamma.Identifier},");
            w.Line($"    weightGradients ? dGamma : default, weightGradients ? dBeta : default, inputGradient ? dx : default, C, S, batch,");
            w.Line($"    batchStatistics: {UsedBatchStatisticsField(op)}, weightGradients, accumulate: {(op.Input.Accumulate ? "true" : "false")});{(op.Input.Accumulate ? " // added: another reader of x already wrote its gradient" : "")}");
        }
        w.Line();
    }
}
