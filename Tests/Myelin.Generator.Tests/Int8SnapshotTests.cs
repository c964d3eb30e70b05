using Microsoft.CodeAnalysis;
using Myelin.Generator.Tests.Incremental;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests;

/// <summary>
/// The int8 network the generator prints for a declaration with <c>Int8 = true</c>, against a reviewed snapshot in
/// <c>Snapshots/</c>. As for the float snapshots, the run also checks that the code compiles without warnings and that
/// a second generator run is fully cached; read the diff when it changes.
/// </summary>
public sealed class Int8SnapshotTests
{
    [Fact]
    public void The_int8_LeNet_5_matches_its_snapshot() => Verify("LeNet5", """
        [Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
        [Input(1, 28, 28)]
        [Conv2D(6, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(16, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(120, Activation.ReLU)]
        [Dense(10)]
        public partial class LeNet5;
        """);

    [Fact]
    public void A_float_snapshot_network_that_asks_for_int8_prints_the_same_float_code() 
    {
        // Int8 = true adds a second file; the float class it extends is printed exactly as without it.
        const string layers = """
            [Input(1, 28, 28)]
            [Conv2D(6, 3, Activation.ReLU)]
            [MaxPool2D(2)]
            [Conv2D(16, 3, Activation.ReLU)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(120, Activation.ReLU)]
            [Dense(10)]
            public partial class LeNet5;
            """;
        var plain = GeneratorHarness.Run("using Myelin;\nnamespace Demo;\n[Network(Loss = Loss.SoftmaxCrossEntropy)]\n" + layers);
        var int8 = GeneratorHarness.Run("using Myelin;\nnamespace Demo;\n[Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]\n" + layers);
        Assert.Equal(plain.Source("Demo.LeNet5.g.cs"), int8.Source("Demo.LeNet5.g.cs"));
        Assert.Single(plain.Sources);
        Assert.Equal(2, int8.Sources.Count);
    }

    private static void Verify(string name, string declaration)
    {
        string source = $"""
            using Myelin;

            namespace Demo;

            {declaration}
            """;
        var run = CachingAssert.RunTwiceAndAssertCached(source);
        Assert.Empty(run.MyelinDiagnostics);
        var problems = run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems));
        Snapshot.Match(run.Source($"Demo.{name}.Int8.g.cs"), name + ".Int8");
    }
}
