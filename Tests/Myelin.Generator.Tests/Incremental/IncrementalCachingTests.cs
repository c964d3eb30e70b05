using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Myelin.Generator.Tests.Infrastructure;
using static Myelin.Generator.Tests.Incremental.CachingAssert;

namespace Myelin.Generator.Tests.Incremental;

/// <summary>
/// The pipeline re-runs only what an edit touches. Typing anywhere else must leave planning, diagnostics and
/// emission cached (the IDE runs the generator on every keystroke); changing a network's attributes must re-plan and
/// re-emit that network and no other.
/// </summary>
public sealed class IncrementalCachingTests
{
    private const string Mlp = """
        using Myelin;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10)]
        public partial class MnistMlp
        {
            public int Hidden() => 1;
        }

        public static class Helper
        {
            public static int Value() => 1;
        }
        """;

    private const string Cnn = """
        using Myelin;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 12, 12)]
        [Conv2D(4, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(10)]
        public partial class SmallCnn;
        """;

    private const string Unrelated = """
        namespace Demo;

        public static class Unrelated
        {
            public static int Answer() => 42;
        }
        """;

    [Fact]
    public void Every_tracked_step_name_runs_for_a_valid_network()
    {
        var (first, _) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp), c => c);
        foreach (string step in TrackedStepNames)
            Assert.True(Reasons(first, step).Count == 1, $"{step} produced {Reasons(first, step).Count} outputs for one network");
        Assert.All(TrackedStepNames, step => Assert.Equal(IncrementalStepRunReason.New, Reasons(first, step)[0]));
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_every_step_after_parsing_cached()
    {
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp),
            c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Unrelated, GeneratorHarness.ParseOptions, path: "Unrelated.cs")));
        AssertCachedAfterUnrelatedChange(first, second);
    }

    [Fact]
    public void Replacing_an_unrelated_file_leaves_every_step_after_parsing_cached()
    {
        var compilation = GeneratorHarness.CreateCompilation(Mlp, Unrelated);
        var (first, second) = RunBeforeAndAfter(compilation, c => c.ReplaceSyntaxTree(c.SyntaxTrees.ElementAt(1),
            CSharpSyntaxTree.ParseText(Unrelated.Replace("42", "43", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: "Source1.cs")));
        AssertCachedAfterUnrelatedChange(first, second);
    }

    [Fact]
    public void Editing_a_method_body_below_the_network_in_the_same_file_leaves_every_step_after_parsing_cached()
    {
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp),
            c => Edit(c, 0, "public static int Value() => 1;", "public static int Value() => 2;"));
        AssertCachedAfterUnrelatedChange(first, second);
    }

    [Fact]
    public void Editing_a_method_body_inside_the_network_class_leaves_every_step_after_parsing_cached()
    {
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp),
            c => Edit(c, 0, "public int Hidden() => 1;", "public int Hidden() => 1 + 1;"));
        AssertCachedAfterUnrelatedChange(first, second);
    }

    [Fact]
    public void Changing_an_attribute_argument_modifies_the_parse_plan_and_emit_steps()
    {
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp),
            c => Edit(c, 0, "[Dense(128, Activation.ReLU)]", "[Dense(64, Activation.ReLU)]"));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.Plan));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.EmitCpu));
        // A valid network has no diagnostics before or after: that step re-ran and found them equal.
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, Reasons(second, TrackingNames.Diagnostics));
        Assert.Contains("Dense 784 -> 64", SourceText(second), StringComparison.Ordinal);
        Assert.Contains("Dense 784 -> 128", SourceText(first), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_one_network_leaves_the_other_networks_plan_and_source_cached()
    {
        var (_, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp, Cnn),
            c => Edit(c, 1, "[Conv2D(4, 3, Activation.ReLU)]", "[Conv2D(8, 3, Activation.ReLU)]"));
        var plan = Outputs(second, TrackingNames.Plan);
        Assert.Equal(2, plan.Count);
        Assert.Equal(IncrementalStepRunReason.Cached, plan[0].Reason);
        Assert.Equal(IncrementalStepRunReason.Modified, plan[1].Reason);
        var emit = Outputs(second, TrackingNames.EmitCpu);
        Assert.Equal(new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Modified }, emit.Select(o => o.Reason));
    }

    [Fact]
    public void Moving_a_valid_network_down_a_line_reparses_it_but_plans_an_equal_plan_so_emission_stays_cached()
    {
        var (_, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp),
            c => Edit(c, 0, "namespace Demo;", "namespace Demo;\n"));
        // The spec holds the attributes' locations, which moved; the plan holds none.
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, Reasons(second, TrackingNames.Plan));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(second, TrackingNames.Diagnostics));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(second, TrackingNames.EmitCpu));
    }

    [Fact]
    public void Moving_a_network_with_an_info_diagnostic_moves_the_diagnostic_but_emits_equal_source()
    {
        string source = Cnn.Replace("[MaxPool2D(2)]", "[MaxPool2D(2)]\n[Tanh]", StringComparison.Ordinal);
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(source),
            c => Edit(c, 0, "namespace Demo;", "namespace Demo;\n"));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.Diagnostics));
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, Reasons(second, TrackingNames.EmitCpu));
        int LineOf(GeneratorDriverRunResult r) => r.Diagnostics.Single(d => d.Id == "MYL0100").Location.GetLineSpan().StartLinePosition.Line;
        Assert.Equal(LineOf(first) + 1, LineOf(second));
    }

    [Fact]
    public void Fixing_an_error_turns_diagnostics_into_source()
    {
        var broken = GeneratorHarness.CreateCompilation(Mlp.Replace("[Dense(10)]", "[Dense(0)]", StringComparison.Ordinal));
        var (first, second) = RunBeforeAndAfter(broken, c => Edit(c, 0, "[Dense(0)]", "[Dense(10)]"));
        Assert.Contains(first.Diagnostics, d => d.Id == "MYL0005");
        Assert.Empty(first.GeneratedTrees);
        Assert.DoesNotContain(second.Diagnostics, d => d.Id.StartsWith("MYL", StringComparison.Ordinal));
        Assert.Single(second.GeneratedTrees);
    }

    [Fact]
    public void The_caching_assertion_used_by_the_snapshot_tests_fails_when_a_network_changed()
    {
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Mlp),
            c => Edit(c, 0, "[Dense(10)]", "[Dense(9)]"));
        var failure = Assert.ThrowsAny<Exception>(() => AssertCachedAfterUnrelatedChange(first, second));
        Assert.Contains("Myelin.Plan[0]: Modified, expected Cached", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Myelin.EmitCpu[0]: the value is not equal to the first run's", failure.Message, StringComparison.Ordinal);
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, int tree, string from, string to)
    {
        var old = compilation.SyntaxTrees.ElementAt(tree);
        string text = old.ToString();
        Assert.Contains(from, text, StringComparison.Ordinal);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text.Replace(from, to, StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath));
    }

    private static string SourceText(GeneratorDriverRunResult result) => result.GeneratedTrees.Single().ToString();
}
