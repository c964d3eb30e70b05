using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Batch normalisation: the statistics by one group reduction per channel (two passes in double, as the CPU), then an
// element-wise pass that normalises, scales and applies the activation; backward, one group reduction per channel for
// the sums of dz and dz x-hat, then an element-wise pass for dx.
internal static partial class GpuEmitter
{
    private static string NormConstants(BatchNormOp op) =>
        $"const int C = {I(op.Channels)}; // channels (features for BatchNorm1D)\n"
        + $"const int S = {I(op.Spatial)}; // positions per channel (1 for BatchNorm1D)\n"
        + $"const float Epsilon = {F(op.Epsilon)}, Momentum = {F(op.Momentum)};";

    private static void AddBatchNormKernels(List<Kernel> kernels, NetworkPlan plan, BatchNormOp op)
    {
        string constants = NormConstants(op);
        kernels.Add(new Kernel(op.Identifier + "Statistics",
            $"{op.Description}, training: one group per channel reduces the batch mean and biased variance (in double), keeps mean and 1/sigma, and updates the running statistics.",
            grouped: true,
            new[] { Floats("x"), Floats("statistics"), Floats("runningMean"), Floats("runningVar"), Floats("tracked"), Int("batch") }, w =>
            {
                w.Lines(constants);
                w.Line($"var scratch = {N.SharedMemory}.Allocate<double>(256);");
                w.Line($"int c = {N.Grid}.IdxX, thread = {N.Group}.IdxX, threads = {N.Group}.DimX, count = batch * S;");
                w.Line("double sum = 0;");
                w.Line("for (int j = thread; j < count; j += threads) sum += x[((j / S) * C + c) * S + j % S];");
                w.Line($"double mean = {N.GroupReduce}.Sum(scratch, sum) / count;");
                w.Line("double squares = 0;");
                using (w.Block("for (int j = thread; j < count; j += threads)"))
                {
                    w.Line("double value = x[((j / S) * C + c) * S + j % S];");
                    w.Line("squares += (value - mean) * (value - mean);");
                }
                w.Line($"squares = {N.GroupReduce}.Sum(scratch, squares);");
                w.Line("if (thread != 0) return;");
                w.Line("float channelMean = (float)mean;");
                w.Line("statistics[c] = channelMean;");
                w.Line("statistics[C + c] = (float)(1.0 / global::System.Math.Sqrt(squares / count + Epsilon));");
                w.Line("runningMean[c] = (1f - Momentum) * runningMean[c] + Momentum * channelMean;");
                w.Line("runningVar[c] = (1f - Momentum) * runningVar[c] + Momentum * (float)(squares / (count - 1));");
                w.Line($"if (c == 0) tracked[0] += 1f; // {plan.Tensors[op.NumBatchesTracked].Name}");
            }));
        kernels.Add(Elementwise(op.Identifier + "RunningStatistics",
            $"{op.Description}, eval: mean and 1/sigma per channel from the running statistics.",
            new[] { Floats("statistics"), Floats("runningMean"), Floats("runningVar") },
            constants,
            "statistics[i] = runningMean[i];",
            $"statistics[C + i] = 1f / {MathF}.Sqrt(runningVar[i] + Epsilon);"));
        kernels.Add(Elementwise(N.ForwardMethod(op.Identifier),
            $"{op.Description}: x-hat = (x - mean_c) / sigma_c, y = {(op.Activation == ActivationKind.None ? "" : op.Activation + " of ")}gamma_c x-hat + beta_c.",
            new[] { Floats("x"), Floats("gamma"), Floats("beta"), Floats("statistics"), Floats("normalized"), Floats("y") },
            constants,
            "int c = (i / S) % C;",
            "float hat = (x[i] - statistics[c]) * statistics[C + c];",
            "normalized[i] = hat;",
            "float z = gamma[c] * hat + beta[c];",
            $"y[i] = {Activate(op.Activation, op.NegativeSlope, "z")};"));
        if (!plan.HasBackward(op)) return;

        AddDzHelper(kernels, op);
        var dz = DzParameters(op).ToList();
        kernels.Add(new Kernel(op.Identifier + "GradientSums",
            $"Backward of {op.Description}: one group per channel reduces sum dz and sum dz x-hat (in double), adds them to dbeta and dgamma when trained, and keeps their means.",
            grouped: true,
            dz.Concat(new[] { Floats("normalized"), Floats("dGamma"), Floats("dBeta"), Floats("sums"), Int("weightGradients"), Int("batch") }).ToList(), w =>
            {
                w.Lines(constants);
                w.Line($"var scratch = {N.SharedMemory}.Allocate<double>(256);");
                w.Line($"int c = {N.Grid}.IdxX, thread = {N.Group}.IdxX, count = batch * S;");
                w.Line("double sumDz = 0, sumDzHat = 0;");
                using (w.Block($"for (int j = thread; j < count; j += {N.Group}.DimX)"))
                {
                    w.Line("int at = ((j / S) * C + c) * S + j % S;");
                    w.Line($"float dz = {Dz(op, "at")};");
                    w.Line("sumDz += dz;");
                    w.Line("sumDzHat += dz * normalized[at];");
                }
                w.Line($"sumDz = {N.GroupReduce}.Sum(scratch, sumDz);");
                w.Line($"sumDzHat = {N.GroupReduce}.Sum(scratch, sumDzHat);");
                w.Line("if (thread != 0) return;");
                using (w.Block("if (weightGradients != 0)"))
                {
                    w.Line("dGamma[c] += (float)sumDzHat;");
                    w.Line("dBeta[c] += (float)sumDz;");
                }
                w.Line("sums[c] = (float)(sumDz / count);");
                w.Line("sums[C + c] = (float)(sumDzHat / count);");
            }));
        string assign = Assign(op, 0);
        kernels.Add(Elementwise(op.Identifier + "InputGradient",
            $"Backward of {op.Description}: dx {assign} gamma/sigma (dz - mean(dz) - x-hat mean(dz x-hat)) with batch statistics, gamma/sigma dz with running ones.",
            dz.Concat(new[] { Floats("normalized"), Floats("gamma"), Floats("statistics"), Floats("sums"), Floats("dx"), Int("batchStatistics") }).ToList(),
            constants,
            "int c = (i / S) % C;",
            "float scale = gamma[c] * statistics[C + c];",
            $"float dz = {Dz(op, "i")};",
            $"dx[i] {assign} batchStatistics != 0 ? scale * (dz - sums[c] - normalized[i] * sums[C + c]) : scale * dz;"));
    }

    private static void WriteBatchNormHost(CodeWriter w, NetworkPlan plan, BatchNormOp op)
    {
        var gamma = plan.Tensors[op.Weight];
        var beta = plan.Tensors[op.Bias];
        var mean = plan.Tensors[op.RunningMean];
        var variance = plan.Tensors[op.RunningVar];
        var tracked = plan.Tensors[op.NumBatchesTracked];
        string name = plan.Layers[op.OwnerLayer].Name;
        string statistics = N.StatisticsField(op.Identifier);
        string used = N.UsedBatchStatisticsField(op.Identifier);
        string x = Value(plan, op.Input.Value);
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line($"const int C = {I(op.Channels)}, S = {I(op.Spatial)};");
                w.Line($"{used} = IsTraining;");
                using (w.Block("if (IsTraining && batch * S < 2)"))
                {
                    w.Line($"throw new global::System.InvalidOperationException({N.NetworkName} + \": {name} needs more than one value per channel in training mode, but the batch has \" + batch * S + \". Use a larger batch or switch to eval mode (IsTraining = false).\");");
                }
                w.Line("if (IsTraining)");
                w.Line($"    {N.KernelField(op.Identifier + "Statistics")}(GroupLaunch(C), {x}, {statistics}, {Tensor(mean)}, {Tensor(variance)}, {Tensor(tracked)}, batch);");
                w.Line("else");
                w.Line($"    {N.KernelField(op.Identifier + "RunningStatistics")}(C, {statistics}, {Tensor(mean)}, {Tensor(variance)});");
                w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}(batch * C * S, {x}, {Tensor(gamma)}, {Tensor(beta)}, {statistics}, {N.NormalizedField(op.Identifier)}, {Value(plan, op.Output)});");
            });
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        string dz = DzArguments(plan, op);
        string sums = N.GradientSumsField(op.Identifier);
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line($"const int C = {I(op.Channels)}, S = {I(op.Spatial)};");
                w.Line($"{N.KernelField(op.Identifier + "GradientSums")}(GroupLaunch(C), {dz}, {N.NormalizedField(op.Identifier)}, {TensorGradient(gamma)}, {TensorGradient(beta)}, {sums}, {N.Trainable}[{I(op.OwnerLayer)}] ? 1 : 0, batch);");
                w.Line($"if ({NeedsGradient(plan, op.Input.Value)})");
                w.Line($"    {N.KernelField(op.Identifier + "InputGradient")}(batch * C * S, {dz}, {N.NormalizedField(op.Identifier)}, {Tensor(gamma)}, {statistics}, {sums}, {Gradient(plan, op.Input.Value)}, {used} ? 1 : 0);");
            });
        }
        w.Line();
    }
}
