using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Batch normalisation (1-D over features, 2-D over channels) with PyTorch's running statistics, and an activation
// fused into its epilogue.
internal static partial class CpuEmitter
{
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
            using (w.Block("for (int c = 0; c < C; c++)"))
            {
                w.Line("float channelMean, channelInverseStd;");
                using (w.Block($"if ({N.IsTraining})"))
                {
                    w.Line("// Batch statistics in double: one pass for the mean, one for the (biased) variance.");
                    w.Line("double sum = 0;");
                    w.Line("for (int b = 0; b < batch; b++) foreach (float value in x.Slice((b * C + c) * S, S)) sum += value;");
                    w.Line("double batchMean = sum / count;");
                    w.Line("double squares = 0;");
                    w.Line("for (int b = 0; b < batch; b++) foreach (float value in x.Slice((b * C + c) * S, S)) squares += (value - batchMean) * (value - batchMean);");
                    w.Line("double biasedVariance = squares / count;");
                    w.Line("channelMean = (float)batchMean;");
                    w.Line("channelInverseStd = (float)(1.0 / global::System.Math.Sqrt(biasedVariance + Epsilon));");
                    w.Line("runningMean[c] = (1f - Momentum) * runningMean[c] + Momentum * channelMean;");
                    w.Line("runningVar[c] = (1f - Momentum) * runningVar[c] + Momentum * (float)(squares / (count - 1));");
                }
                using (w.Block("else"))
                {
                    w.Line("channelMean = runningMean[c];");
                    w.Line($"channelInverseStd = 1f / {N.MathF}.Sqrt(runningVar[c] + Epsilon);");
                }
                w.Line("inverseStd[c] = channelInverseStd;");
                using (w.Block("for (int b = 0; b < batch; b++)"))
                {
                    w.Line("int start = (b * C + c) * S;");
                    using (w.Block("for (int s = start; s < start + S; s++)"))
                    {
                        w.Line("float hat = (x[s] - channelMean) * channelInverseStd;");
                        w.Line("normalized[s] = hat;");
                        w.Line("float z = gamma[c] * hat + beta[c];");
                        w.Line($"y[s] = {ActivationExpression(op.Activation, op.NegativeSlope, "z")};");
                    }
                }
            }
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
            w.Line($"{N.ReadOnlySpan} gamma = {gamma.Identifier};");
            w.Line($"{N.Span} dGamma = {gamma.Identifier}Gradient, dBeta = {beta.Identifier}Gradient;");
            w.Line($"float[] normalized = {NormalizedField(op)}, inverseStd = {InverseStdField(op)};");
            w.Line("int count = batch * S;");
            using (w.Block("for (int c = 0; c < C; c++)"))
            {
                w.Line("double sumDz = 0, sumDzHat = 0;");
                using (w.Block("for (int b = 0; b < batch; b++)"))
                {
                    w.Line("int start = (b * C + c) * S;");
                    w.Line("for (int s = start; s < start + S; s++) { sumDz += dy[s]; sumDzHat += dy[s] * normalized[s]; }");
                }
                using (w.Block("if (weightGradients)"))
                {
                    w.Line("dGamma[c] += (float)sumDzHat;");
                    w.Line("dBeta[c] += (float)sumDz;");
                }
                w.Line("if (!inputGradient) continue;");
                w.Line("float scale = gamma[c] * inverseStd[c];");
                w.Line($"bool batchStatistics = {UsedBatchStatisticsField(op)};");
                w.Line("float meanDz = (float)(sumDz / count), meanDzHat = (float)(sumDzHat / count);");
                using (w.Block("for (int b = 0; b < batch; b++)"))
                {
                    w.Line("int start = (b * C + c) * S;");
                    w.Line("for (int s = start; s < start + S; s++)");
                    w.Line($"    dx[s] {Assign(op, 0)} batchStatistics ? scale * (dy[s] - meanDz - normalized[s] * meanDzHat) : scale * dy[s];{(op.Input.Accumulate ? " // added: another reader of x already wrote its gradient" : "")}");
                }
            }
        }
        w.Line();
    }
}
