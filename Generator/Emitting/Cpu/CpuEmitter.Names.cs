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
        // Methods first: when names clash, the message names the member a reader recognises.
        foreach (var op in plan.Ops)
        {
            yield return (N.ForwardMethod(op.Identifier), op.Layers[0]);
            if (plan.IsTrainable && op is not ActivationOp { AbsorbedByLoss: true }) yield return (N.BackwardMethod(op.Identifier), op.Layers[0]);
            yield return (N.SizeConstant(plan.Buffers[op.Output].Identifier), op.Layers[0]);
            foreach (var member in OpMembers(plan, op)) yield return (member, op.Layers[0]);
        }
        foreach (var array in BatchArrays(plan)) yield return (array.Field, array.Layer);
    }

    /// <summary>Static geometry, constants and fixed state of an op (its batch-scaled arrays come from <see cref="BatchArrays"/>).</summary>
    private static IEnumerable<string> OpMembers(NetworkPlan plan, PlannedOp op)
    {
        switch (op)
        {
            case Conv2DOp conv:
                yield return N.GeometryField(conv.Identifier);
                yield return ColumnsSize(conv);
                yield return ProductsSize(conv);
                break;
            case PoolOp { Pool: not PoolKind.GlobalAverage } pool:
                yield return N.GeometryField(pool.Identifier);
                break;
            case DropoutOp dropout:
                yield return N.StreamConstant(dropout.Identifier);
                yield return N.ActiveField(dropout.Identifier);
                break;
            case BatchNormOp norm:
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
