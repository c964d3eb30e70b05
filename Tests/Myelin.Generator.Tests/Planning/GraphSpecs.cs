using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// The Parser's records for a <see cref="RefNetwork"/>, so that the planner can be tested on the random graphs of the
/// numerics tests without Roslyn: hundreds of plans in milliseconds.
/// </summary>
internal static class GraphSpecs
{
    /// <summary>The layer as the Parser would read its attribute (locations are set by <see cref="Specs.Network"/>).</summary>
    public static LayerSpec ToSpec(RefLayer layer)
    {
        LayerSpec spec = layer switch
        {
            RefDense d => new DenseSpec(d.Name, null, d.Units, (ActivationKind)d.Activation, d.NegativeSlope, d.Bias, InitKind.Default, InitKind.Default),
            RefConv2D c => new Conv2DSpec(c.Name, null, c.Filters, c.Kernel, (ActivationKind)c.Activation, c.Stride, (PaddingKind)c.Padding,
                c.PaddingSize, c.Bias, c.NegativeSlope, InitKind.Default, InitKind.Default),
            RefPool2D p => new PoolSpec(p.Name, null, p.Max ? PoolKind.Max : PoolKind.Average, p.Kernel, p.Stride),
            RefGlobalAvgPool2D g => new PoolSpec(g.Name, null, PoolKind.GlobalAverage, 0, 0),
            RefFlatten f => new FlattenSpec(f.Name, null),
            RefActivation a => new ActivationSpec(a.Name, null, (ActivationKind)a.Kind, a.NegativeSlope),
            RefDropout d => new DropoutSpec(d.Name, null, d.Rate),
            RefBatchNorm n => new BatchNormSpec(n.Name, null, n.Dimensions, n.Momentum, n.Epsilon),
            RefAdd a => new AddSpec(a.Name, null, a.Inputs.ToEquatableArray(), (ActivationKind)a.Activation, a.NegativeSlope),
            RefConcat c => new ConcatSpec(c.Name, null, c.Inputs.ToEquatableArray()),
            _ => throw new InvalidOperationException("No spec for " + layer.GetType().Name),
        };
        return spec with { From = layer.From };
    }

    /// <summary>Plans <paramref name="network"/> (with <paramref name="loss"/> instead of its own, when given); fails on any error.</summary>
    public static PlanResult Plan(RefNetwork network, LossKind? loss = null)
    {
        var parsed = Specs.Network(network.InputShape, loss ?? (LossKind)network.Loss, network.Layers.Select(ToSpec).ToArray());
        var result = NetworkPlanner.Plan(parsed, CancellationToken.None);
        Assert.True(result.Plan is not null, $"Planning {network.ClassName} failed:\n{string.Join("\n", result.Diagnostics)}\n{network.ToDeclaration()}");
        return result;
    }
}
