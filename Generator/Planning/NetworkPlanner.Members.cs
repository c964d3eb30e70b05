using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // The names of every member the emitters write, checked here so that a clash is a diagnostic on the layer or the
    // user's member at fault, never a compile error inside generated code.
    private sealed partial class Builder
    {
        /// <summary>
        /// Reports generated members whose names clash with each other (MYL0011 on the later layer), with the class's
        /// name (MYL0019) or with a member the user wrote (MYL0033 on that member). Returns whether there is none.
        /// </summary>
        private bool CheckMemberNames(NetworkPlan plan)
        {
            int before = _diagnostics.Count;
            var owners = new Dictionary<string, int>(System.StringComparer.Ordinal);
            var reported = new HashSet<int>();
            bool classReported = false;
            foreach (var (member, layer) in GeneratedMembers(plan))
            {
                if (member == plan.ClassName && !classReported)
                {
                    Report(DiagnosticDescriptors.ClassNameIsMember, _spec.ClassLocation, plan.ClassName);
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
                Report(DiagnosticDescriptors.DuplicateLayerName, Specs[culprit].Location, plan.Layers[culprit].Name,
                    $"its generated member '{member}' is also generated for {otherName}");
            }

            foreach (var user in _spec.UserMembers)
            {
                string? clash = user.Kind == "constructor"
                    ? (N.ConstructorSignatures.Contains(user.Parameters) ? $"constructor {plan.ClassName}({user.Parameters})" : null)
                    : owners.ContainsKey(user.Name) ? ClashWith(user) : null;
                if (clash is null) continue;
                string what = user.Parameters is null ? $"{user.Kind} '{user.Name}'" : $"{user.Kind} '{user.Name}({user.Parameters})'";
                Report(DiagnosticDescriptors.MemberCollision, user.Location ?? _spec.ClassLocation, what, clash, plan.ClassName);
            }
            return _diagnostics.Count == before;
        }

        /// <summary>What a user member named like a generated one collides with, or null for a legal overload of a public method.</summary>
        private static string? ClashWith(UserMember user)
        {
            if (user.Kind != "method" || !N.PublicMethodSignatures.TryGetValue(user.Name, out var signatures)) return $"member '{user.Name}'";
            return signatures.Contains(user.Parameters) ? $"method '{user.Name}({user.Parameters})'" : null;
        }

        /// <summary>Every member name the emitters write for <paramref name="plan"/>, with the layer it belongs to (-1: the network).</summary>
        private static IEnumerable<(string Member, int Layer)> GeneratedMembers(NetworkPlan plan)
        {
            foreach (var name in N.FixedMembers) yield return (name, -1);
            if (plan.IsTrainable)
            {
                foreach (var name in N.TrainableMembers) yield return (name, -1);
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
                int layer = op.Layers[0];
                yield return (N.ForwardMethod(op.Identifier), layer);
                if (plan.HasBackward(op)) yield return (N.BackwardMethod(op.Identifier), layer);
                foreach (var member in OpMembers(op)) yield return (member, layer);
            }
            foreach (var value in plan.Values)
            {
                int layer = plan.Ops[value.ProducerOp].Layers[0];
                yield return (N.ValueView(value.Identifier), layer);
                yield return (N.SizeConstant(value.Identifier), layer);
                yield return (N.OffsetConstant(value.Identifier), layer);
                if (value.HasGradient)
                {
                    yield return (N.GradientView(value.Identifier), layer);
                    yield return (N.GradientOffsetConstant(value.Identifier), layer);
                }
                if (plan.IsTrainable) yield return (N.NeedsGradientField(value.Identifier), layer);
            }
            foreach (var array in plan.Arrays) yield return (array.Field, array.Layer);
        }

        /// <summary>Static geometry, constants and fixed state of an op (its batch-scaled arrays are in the plan's arrays).</summary>
        private static IEnumerable<string> OpMembers(PlannedOp op)
        {
            switch (op)
            {
                case Conv2DOp conv:
                    yield return N.GeometryField(conv.Identifier);
                    if (conv.Input.Accumulate) yield return N.InputGradientSize(conv.Identifier);
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
    }
}
