using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Myelin.Generator;

namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>
/// Runs the Myelin generator on network declarations in memory, with Myelin.Gpu referenced so that the GPU network is
/// emitted too, compiles the result and loads it: the random-network tests need networks that no file declares.
/// </summary>
internal static class InMemoryGenerator
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Concat(new[] { typeof(NetworkAttribute), typeof(INetwork), typeof(DeviceNetwork), typeof(ILGPU.ArrayView<>) }
            .Select(t => MetadataReference.CreateFromFile(t.Assembly.Location)))
        .ToImmutableArray();

    /// <summary>Generates, compiles and loads <paramref name="source"/>; throws with every problem and the generated code when it does not compile cleanly.</summary>
    public static Assembly CompileAndLoad(string source)
    {
        var compilation = CSharpCompilation.Create("RandomNetworks" + Guid.NewGuid().ToString("N"),
            new[] { CSharpSyntaxTree.ParseText(source, ParseOptions) }, References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable)
                // ILGPU targets .NET 7: the reference-version unification warnings MSBuild silences by default.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
        var driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var problems = generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count > 0)
            throw new InvalidOperationException("The random network did not compile cleanly:\n" + string.Join("\n", problems) + "\n\n" + source + "\n\n"
                + string.Join("\n\n", output.SyntaxTrees.Skip(1).Select(t => t.ToString())));
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        if (!emitted.Success) throw new InvalidOperationException("Emit failed:\n" + string.Join("\n", emitted.Diagnostics));
        // Loaded into the default context for good: ILGPU keeps the kernels' methods it compiled.
        return Assembly.Load(stream.ToArray());
    }
}
