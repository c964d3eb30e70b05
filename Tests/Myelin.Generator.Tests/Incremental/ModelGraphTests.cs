using Microsoft.CodeAnalysis;
using Myelin.Generator.Model;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests.Incremental;

/// <summary>
/// No tracked pipeline value holds a symbol, syntax, location or compilation: such a value pins the whole compilation
/// in the cache and compares unequal on every keystroke.
/// </summary>
public sealed class ModelGraphTests
{
    private const string Networks = """
        using Myelin;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 12, 12)]
        [Conv2D(4, 3, Activation.ReLU, Name = "features.0")]
        [BatchNorm2D]
        [MaxPool2D(2)]
        [Tanh]
        [Flatten]
        [Dropout(0.5f)]
        [Dense(16, Activation.Softmax)]
        [Dense(3, Activation.Softmax)]
        public partial class Everything;

        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(4)]
        [Dense(1, Activation.Sigmoid)]
        public partial class Binary;

        public partial class Outer
        {
            [Network]
            [Input(4)]
            [Dense(0)]
            public partial class Broken;
        }

        [Network]
        public class NotPartial;
        """;

    [Fact]
    public void No_tracked_step_output_holds_a_symbol_syntax_location_or_compilation()
    {
        var run = GeneratorHarness.Run(Networks);
        var result = run.Driver.GetRunResult();
        // All four networks reached the walk: the valid ones with plans and sources, the broken ones with diagnostics.
        Assert.Equal(4, CachingAssert.Outputs(result, TrackingNames.Parse).Count);
        Assert.Equal(2, CachingAssert.Outputs(result, TrackingNames.EmitCpu).Count);
        Assert.Contains(run.MyelinDiagnostics, d => d.Id == "MYL0100");
        Assert.Contains(run.MyelinDiagnostics, d => d.Id == "MYL0101");
        Assert.Contains(run.MyelinDiagnostics, d => d.Id == "MYL0005");
        ModelGraph.AssertClean(result);
    }

    [Fact]
    public void The_walk_finds_a_location_a_symbol_and_a_syntax_tree_nested_in_a_model()
    {
        var compilation = GeneratorHarness.CreateCompilation("class C { }");
        var tree = compilation.SyntaxTrees.Single();
        var symbol = compilation.GetTypeByMetadataName("C")!;
        var root = new Holder(new object[] { tree.GetRoot().GetLocation(), new Holder(symbol), EquatableArray.Create(new Wrapped(tree)) });

        var problems = ModelGraph.Problems(root, "root", IsTestModel);

        Assert.True(problems.Count == 3, string.Join("\n", problems));
        Assert.Contains(problems, p => p.StartsWith("root.Values[0]:", StringComparison.Ordinal) && p.Contains("Location", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("root.Values[1].Values:", StringComparison.Ordinal) && p.Contains("Symbol", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("root.Values[2][0].Tree:", StringComparison.Ordinal) && p.Contains("SyntaxTree", StringComparison.Ordinal));
    }

    [Fact]
    public void The_walk_rejects_lists_and_bare_arrays_that_compare_by_reference()
    {
        var list = ModelGraph.Problems(new Holder(new List<int> { 1 }), "root", IsTestModel);
        Assert.StartsWith("root.Values: System.Collections.Generic.List`1[[System.Int32", Assert.Single(list), StringComparison.Ordinal);
        var array = ModelGraph.Problems(new WithArray(new[] { 1 }), "root", IsTestModel);
        Assert.Equal("root.Items: a Int32[] field compares by reference; use EquatableArray", Assert.Single(array));
    }

    [Fact]
    public void The_walk_accepts_plain_model_values()
    {
        var location = new LocationInfo("a.cs", 1, 2, 0, 1, 0, 3);
        var info = DiagnosticInfo.Create(Generator.Diagnostics.DiagnosticDescriptors.NoLayers, location, "Net");
        Assert.Empty(ModelGraph.Problems(EquatableArray.Create(info), "root"));
    }

    private static bool IsTestModel(Type type) =>
        type == typeof(Holder) || type == typeof(Wrapped) || type == typeof(WithArray) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>));

    private sealed class Holder(object values)
    {
        public object Values { get; } = values;
    }

    private sealed record Wrapped(SyntaxTree Tree);

    private sealed record WithArray(int[] Items);
}
