using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Myelin.Generator.Tests.Infrastructure;
using static Myelin.Generator.Tests.Incremental.CachingAssert;

namespace Myelin.Generator.Tests.Incremental;

/// <summary>
/// GPU emission is opt-in: the generator prints a network's device code only when the compilation references
/// Myelin.Gpu, and reduces that question to a boolean before it meets the plans, so the GPU step caches like the CPU
/// step and projects without the reference get exactly what they got before.
/// </summary>
public sealed class GpuEmissionCachingTests
{
    private const string Network = """
        using Myelin;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 8, 8)]
        [Conv2D(4, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(10)]
        public partial class SmallCnn;

        public static class Helper
        {
            public static int Value() => 1;
        }
        """;

    /// <summary>A stand-in for the Myelin.Gpu assembly: only its name matters to the generator.</summary>
    private static readonly MetadataReference GpuAssembly = CSharpCompilation.Create(
            "Myelin.Gpu",
            new[] { CSharpSyntaxTree.ParseText("namespace Myelin.Gpu { public static class Marker { } }", GeneratorHarness.ParseOptions) },
            Basic.Reference.Assemblies.Net100.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
        .ToMetadataReference();

    private static CSharpCompilation WithGpu(CSharpCompilation compilation) => compilation.AddReferences(GpuAssembly);

    [Fact]
    public void A_project_without_Myelin_Gpu_gets_no_GPU_source_but_the_GPU_step_still_runs_once_per_network()
    {
        var run = GeneratorHarness.Run(Network);
        Assert.Equal(new[] { "Demo.SmallCnn.g.cs" }, run.Sources.Select(s => s.HintName));
        var result = run.Driver.GetRunResult();
        Assert.Equal(new[] { IncrementalStepRunReason.New }, Reasons(result, TrackingNames.EmitGpu));
    }

    [Fact]
    public void A_project_that_references_Myelin_Gpu_gets_a_nested_Gpu_network_with_its_kernels()
    {
        var run = GeneratorHarness.Run(WithGpu(GeneratorHarness.CreateCompilation(Network)));
        Assert.Equal(new HashSet<string> { "Demo.SmallCnn.g.cs", "Demo.SmallCnn.Gpu.g.cs" }, run.Sources.Select(s => s.HintName).ToHashSet());
        string gpu = run.Source("SmallCnn.Gpu.g.cs");
        Assert.Contains("public sealed class Gpu : global::Myelin.Gpu.DeviceNetwork, global::Myelin.IDeviceTrainableNetwork", gpu, StringComparison.Ordinal);
        Assert.Contains("file static class SmallCnnGpuKernels", gpu, StringComparison.Ordinal);
        Assert.Contains("public static void Conv1Forward(", gpu, StringComparison.Ordinal);
        Assert.Contains("public static void Dense1WeightGradient(", gpu, StringComparison.Ordinal);
        Assert.Contains("public static void LossTerms(", gpu, StringComparison.Ordinal);
        Assert.Contains("public static void AdamStep(", gpu, StringComparison.Ordinal);
        // The CPU source is the same with or without the reference.
        Assert.Equal(GeneratorHarness.Run(Network).Source("SmallCnn.g.cs"), run.Source("SmallCnn.g.cs"));
    }

    [Fact]
    public void An_unrelated_edit_in_a_project_with_Myelin_Gpu_leaves_the_GPU_step_cached()
    {
        var compilation = WithGpu(GeneratorHarness.CreateCompilation(Network));
        var (first, second) = RunBeforeAndAfter(compilation, c => Edit(c, "public static int Value() => 1;", "public static int Value() => 2;"));
        AssertCachedAfterUnrelatedChange(first, second);
        Assert.Equal(2, second.GeneratedTrees.Length);
    }

    [Fact]
    public void Adding_the_Myelin_Gpu_reference_emits_the_GPU_source_and_leaves_the_CPU_source_cached()
    {
        var (first, second) = RunBeforeAndAfter(GeneratorHarness.CreateCompilation(Network), WithGpu);
        Assert.Single(first.GeneratedTrees);
        Assert.Equal(2, second.GeneratedTrees.Length);
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(second, TrackingNames.Plan));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(second, TrackingNames.EmitCpu));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.EmitGpu));
    }

    [Fact]
    public void Changing_the_network_re_emits_its_GPU_source()
    {
        var (first, second) = RunBeforeAndAfter(WithGpu(GeneratorHarness.CreateCompilation(Network)), c => Edit(c, "[Dense(10)]", "[Dense(7)]"));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(second, TrackingNames.EmitGpu));
        Assert.Contains("Dense 36 -> 10", first.GeneratedTrees.Single(t => t.FilePath.EndsWith(".Gpu.g.cs", StringComparison.Ordinal)).ToString(), StringComparison.Ordinal);
        Assert.Contains("Dense 36 -> 7", second.GeneratedTrees.Single(t => t.FilePath.EndsWith(".Gpu.g.cs", StringComparison.Ordinal)).ToString(), StringComparison.Ordinal);
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, string from, string to)
    {
        var old = compilation.SyntaxTrees.Single();
        string text = old.ToString();
        Assert.Contains(from, text, StringComparison.Ordinal);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text.Replace(from, to, StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath));
    }
}
