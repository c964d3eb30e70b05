using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// The names of every member the emitter writes, so that collisions are diagnostics rather than CS errors in generated code.
internal static partial class CpuEmitter
{
    /// <summary>Members every network gets, whatever its layers.</summary>
    private static readonly string[] FixedMembers =
    {
        N.InputSize, N.OutputSize, N.ParameterCount, N.BufferCount, N.LayerCount, N.DefaultMaxBatchSize, N.NetworkName,
        N.InputShape, N.OutputShape, N.TensorTable, N.LayerTable, N.Parameters, N.Buffers, N.Capacity, N.LastBatch, N.IsTraining,
        N.Seed, N.Step, "InputShape", "OutputShape", "MaxBatchSize", "Layers", "Tensors", "Parameters", "Buffers", "IsTraining",
        "RandomState", "EnsureBatchCapacity", "InitializeParameters", "Forward", N.CheckBatch, N.RunForward,
    };

    /// <summary>Members only trainable networks get.</summary>
    private static readonly string[] TrainableMembers =
    {
        N.Gradients, N.Trainable, N.LowestTrainableOp, "Loss", "OutputActivation", "Gradients", "Outputs", "IsTrainable",
        "SetTrainable", N.UpdateLowestTrainableOp, "ForwardBackward", "ComputeLoss", N.RunBackward,
    };

    /// <summary>Every member name the emitter writes for <paramref name="plan"/>, with the layer it belongs to (-1: the network).</summary>
    internal static IEnumerable<(string Member, int Layer)> GeneratedMembers(NetworkPlan plan)
    {
        foreach (var name in FixedMembers) yield return (name, -1);
        if (plan.IsTrainable)
        {
            foreach (var name in TrainableMembers) yield return (name, -1);
        }
        foreach (var t in plan.Tensors)
        {
            yield return (t.Identifier, t.LayerIndex);
            yield return (t.Identifier + "Offset", t.LayerIndex);
            yield return (t.Identifier + "Length", t.LayerIndex);
            if (t.Storage == TensorStorage.Parameter && plan.IsTrainable) yield return (t.Identifier + "Gradient", t.LayerIndex);
        }
        for (int i = 0; i < plan.Ops.Count; i++)
        {
            var op = plan.Ops[i];
            int layer = op.Layers[0];
            // Methods first: when names clash, the message names the member a reader recognises.
            yield return (N.ForwardMethod(op.Identifier), layer);
            if (plan.IsTrainable && op is not ActivationOp { AbsorbedByLoss: true }) yield return (N.BackwardMethod(op.Identifier), layer);
            var buffer = plan.Buffers[op.Output];
            yield return (N.Field(buffer.Identifier), layer);
            yield return (N.SizeConstant(buffer.Identifier), layer);
            if (NeedsGradient(plan, op.Output)) yield return (N.GradientField(buffer.Identifier), layer);
            foreach (var member in OpMembers(plan, op, i)) yield return (member, layer);
        }
    }

    private static IEnumerable<string> OpMembers(NetworkPlan plan, PlannedOp op, int index)
    {
        switch (op)
        {
            case Conv2DOp conv:
                yield return N.GeometryField(conv.Identifier);
                yield return ColumnsSize(conv);
                yield return ProductsSize(conv);
                yield return N.ColumnsField(conv.Identifier);
                yield return N.ProductsField(conv.Identifier);
                if (NeedsInputGradient(plan, index)) yield return N.ColumnGradientField(conv.Identifier);
                break;
            case PoolOp { Pool: not PoolKind.GlobalAverage } pool:
                yield return N.GeometryField(pool.Identifier);
                if (pool.Pool == PoolKind.Max && plan.IsTrainable) yield return N.ArgmaxField(pool.Identifier);
                break;
            case DropoutOp dropout:
                yield return N.StreamConstant(dropout.Identifier);
                yield return N.MaskField(dropout.Identifier);
                yield return N.ActiveField(dropout.Identifier);
                break;
            case BatchNormOp norm:
                yield return N.NormalizedField(norm.Identifier);
                yield return N.InverseStdField(norm.Identifier);
                yield return N.UsedBatchStatisticsField(norm.Identifier);
                break;
        }
    }

    /// <summary>
    /// Finds generated members whose names clash, with each other or with the class (a member may not share its class's
    /// name): MYL0011 on the later layer, or MYL0019 on the class.
    /// </summary>
    internal static EquatableArray<DiagnosticInfo> FindNameCollisions(NetworkPlan plan, LocationInfo? classLocation, LocationInfo?[] layerLocations)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var owners = new Dictionary<string, int>(System.StringComparer.Ordinal);
        var reported = new HashSet<int>();
        bool classReported = false;
        foreach (var (member, layer) in GeneratedMembers(plan))
        {
            if (member == plan.ClassName && !classReported)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNameIsMember, classLocation, plan.ClassName));
                classReported = true;
            }
            if (!owners.TryGetValue(member, out int owner))
            {
                owners[member] = layer;
                continue;
            }
            if (owner == layer) continue;
            int culprit = System.Math.Max(owner, layer);
            int other = System.Math.Min(owner, layer);
            if (culprit < 0 || !reported.Add(culprit)) continue;
            string otherName = other < 0 ? "the network itself" : $"layer '{plan.Layers[other].Name}'";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, layerLocations[culprit], plan.Layers[culprit].Name,
                $"its generated member '{member}' is also generated for {otherName}"));
        }
        return diagnostics.ToEquatableArray();
    }
}
