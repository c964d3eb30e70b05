using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// Builds the Parser's records directly, with the attributes' defaults, so that planner tests need no Roslyn at all.
/// Each layer gets a distinct fake location (its index as the span start) so that tests can tell which layer a
/// diagnostic points at.
/// </summary>
internal static class Specs
{
    public static DenseSpec Dense(int units, ActivationKind activation = ActivationKind.None, string? name = null, bool bias = true) =>
        new(name, null, units, activation, 0.01f, bias, InitKind.Default, InitKind.Default);

    public static Conv2DSpec Conv(int filters, int kernel, ActivationKind activation = ActivationKind.None, string? name = null,
        int stride = 1, PaddingKind padding = PaddingKind.Valid, int paddingSize = 0) =>
        new(name, null, filters, kernel, activation, stride, padding, paddingSize, true, 0.01f, InitKind.Default, InitKind.Default);

    public static PoolSpec MaxPool(int kernel, int stride = 0, string? name = null) => new(name, null, PoolKind.Max, kernel, stride);

    public static PoolSpec AvgPool(int kernel, int stride = 0, string? name = null) => new(name, null, PoolKind.Average, kernel, stride);

    public static PoolSpec GlobalAvgPool(string? name = null) => new(name, null, PoolKind.GlobalAverage, 0, 0);

    public static FlattenSpec Flatten(string? name = null) => new(name, null);

    public static ActivationSpec Activation(ActivationKind kind, string? name = null, float slope = 0f) => new(name, null, kind, slope);

    public static DropoutSpec Dropout(float rate, string? name = null) => new(name, null, rate);

    public static BatchNormSpec BatchNorm(int dimensions, string? name = null) => new(name, null, dimensions, 0.1f, 1e-5f);

    /// <summary>A network <c>Demo.Net</c> with the given input, loss and layers, as the Parser would produce it.</summary>
    public static ParseResult Network(int[] input, LossKind loss, params LayerSpec[] layers)
    {
        var located = layers.Select((layer, i) => layer with { Location = At(i) }).ToArray();
        var spec = new NetworkSpec("Demo", "Net", "class", EquatableArray<ContainingTypeInfo>.Empty, loss,
            NetworkLocation: At(-1), ClassLocation: At(-3), InputShape: new EquatableArray<int>(input), InputLocation: At(-2), Layers: new EquatableArray<LayerSpec>(located));
        return new ParseResult(spec, At(-3), "Net", EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>Plans a network and fails the test if planning reports an error.</summary>
    public static NetworkPlan Plan(int[] input, LossKind loss, params LayerSpec[] layers)
    {
        var result = NetworkPlanner.Plan(Network(input, loss, layers), CancellationToken.None);
        Assert.True(result.Plan is not null, "Planning failed:\n" + string.Join("\n", result.Diagnostics));
        return result.Plan!;
    }

    /// <summary>A fake location for layer <paramref name="index"/> (-1: [Network], -2: [Input], -3: the class name).</summary>
    public static LocationInfo At(int index) => new("Net.cs", 100 + index, 1, 10 + index, 0, 10 + index, 1);
}
