using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Myelin.Generator.Tests.Infrastructure;

/// <summary>The result of running the Myelin generator over some source.</summary>
internal sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    IReadOnlyList<(string HintName, string Text)> Sources,
    GeneratorDriver Driver)
{
    /// <summary>Diagnostics of the compilation including the generated code (errors in generated files among them).</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics => Output.GetDiagnostics();

    /// <summary>Every Myelin diagnostic (ID starting MYL).</summary>
    public IReadOnlyList<Diagnostic> MyelinDiagnostics => GeneratorDiagnostics.Where(d => d.Id.StartsWith("MYL", StringComparison.Ordinal)).ToList();

    public string Source(string hintNameEnd) => Sources.Single(s => s.HintName.EndsWith(hintNameEnd, StringComparison.Ordinal)).Text;
}

/// <summary>
/// Runs the generator in memory with CSharpGeneratorDriver against .NET 10 reference assemblies, and compiles and loads
/// the result so that tests can call generated code.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Concat(new[]
        {
            MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(INetwork).Assembly.Location),
        })
        .ToImmutableArray();

    public static CSharpCompilation CreateCompilation(params string[] sources) => CSharpCompilation.Create(
        "Consumer" + Guid.NewGuid().ToString("N"),
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = false) => CSharpGeneratorDriver.Create(
        new[] { new NetworkGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CreateDriver(trackSteps: true);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        var sources = result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        return new GeneratorRun(compilation, output, diagnostics.AddRange(result.Diagnostics).Distinct().ToImmutableArray(), sources, driver);
    }

    /// <summary>Generates, compiles and loads <paramref name="source"/>; fails the test on any error or warning.</summary>
    public static Assembly CompileAndLoad(string source)
    {
        var run = Run(source);
        var problems = run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Concat(run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)).ToList();
        if (problems.Count > 0)
            throw new InvalidOperationException("Generated code did not compile cleanly:\n" + string.Join("\n", problems) + "\n\n" + string.Join("\n\n", run.Sources.Select(s => s.Text)));
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        if (!emitted.Success) throw new InvalidOperationException("Emit failed:\n" + string.Join("\n", emitted.Diagnostics));
        stream.Position = 0;
        // A collectible context per compiled network, so that hundreds of test networks do not pile up in memory.
        var context = new AssemblyLoadContext("Myelin test " + Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(stream);
    }

    /// <summary>Creates an instance of a generated network.</summary>
    public static ITrainableNetwork CreateTrainable(Assembly assembly, string typeName, int seed = 0, int maxBatchSize = 64) =>
        (ITrainableNetwork)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!, seed, maxBatchSize)!;

    /// <summary>Creates an instance of a generated network, trainable or not.</summary>
    public static INetwork Create(Assembly assembly, string typeName, int seed = 0, int maxBatchSize = 64) =>
        (INetwork)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!, seed, maxBatchSize)!;
}
