using System.Text;
using Microsoft.CodeAnalysis;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests.Robustness;

/// <summary>One network declaration in a robustness run: its source file and the hint name its generated file would get.</summary>
internal sealed record NetworkCase(string FilePath, string HintName, string Source);

/// <summary>
/// The robustness contract, checked for many networks compiled together: the generator never throws and never
/// reports MYL0999; a network with a Myelin error gets no generated source; a network without one gets exactly one
/// generated file with no compiler error or warning in it; every Myelin diagnostic points into its network's file.
/// </summary>
internal static class RobustnessCheck
{
    /// <summary>Runs the generator once over all cases (one file each) and returns every broken contract, each with its source.</summary>
    public static IReadOnlyList<string> Failures(IReadOnlyList<NetworkCase> cases) => Failures(cases, out _);

    /// <inheritdoc cref="Failures(IReadOnlyList{NetworkCase})"/>
    public static IReadOnlyList<string> Failures(IReadOnlyList<NetworkCase> cases, out GeneratorRun run, Microsoft.CodeAnalysis.CSharp.CSharpParseOptions? parseOptions = null)
    {
        var options = parseOptions ?? GeneratorHarness.ParseOptions;
        var trees = cases.Select(c => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(c.Source, options, path: c.FilePath));
        var compilation = GeneratorHarness.CreateCompilation().AddSyntaxTrees(trees);
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: options);
        run = GeneratorHarness.Run(compilation, driver);

        var failures = new List<string>();
        // A generator exception surfaces as CS8784/CS8785 (the driver caught it), never as a MYL diagnostic.
        foreach (var crash in run.GeneratorDiagnostics.Where(d => d.Id is "CS8784" or "CS8785"))
            failures.Add("The generator threw: " + crash);
        foreach (var internalError in run.MyelinDiagnostics.Where(d => d.Id == "MYL0999"))
            failures.Add("Internal error: " + internalError);

        var compiled = run.CompilationDiagnostics;
        foreach (var orphan in compiled.Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.Location.IsInSource))
            failures.Add("A compiler diagnostic without a location: " + orphan);

        foreach (var item in cases)
        {
            var problems = new List<string>();
            var own = run.MyelinDiagnostics.Where(d => d.Location.GetLineSpan().Path == item.FilePath).ToList();
            bool hasError = own.Any(d => d.Severity == DiagnosticSeverity.Error);
            var generated = run.Sources.Where(s => s.HintName == item.HintName).ToList();

            var userErrors = compiled.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath == item.FilePath).ToList();
            if (userErrors.Count > 0) problems.Add("the declaration itself does not compile (a bug in the test): " + string.Join("; ", userErrors));

            if (hasError && generated.Count > 0) problems.Add("a Myelin error and generated source at once");
            if (!hasError && generated.Count != 1) problems.Add($"no Myelin error but {generated.Count} generated files named {item.HintName}");
            if (!hasError && generated.Count == 1)
            {
                var inGenerated = compiled.Where(d => d.Severity >= DiagnosticSeverity.Warning
                    && d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(item.HintName, StringComparison.Ordinal)).ToList();
                if (inGenerated.Count > 0) problems.Add("the generated code has compiler errors or warnings:\n    " + string.Join("\n    ", inGenerated.Take(5)));
            }
            if (problems.Count > 0)
            {
                var text = new StringBuilder();
                text.AppendLine($"{item.FilePath} ({item.HintName}): {string.Join("; ", problems)}");
                foreach (var d in own) text.AppendLine("    " + d);
                text.AppendLine(item.Source);
                failures.Add(text.ToString());
            }
        }

        // Every Myelin diagnostic belongs to one of the networks' files.
        var files = cases.Select(c => c.FilePath).ToHashSet(StringComparer.Ordinal);
        foreach (var stray in run.MyelinDiagnostics.Where(d => !files.Contains(d.Location.GetLineSpan().Path ?? "")))
            failures.Add("A Myelin diagnostic outside every network's file: " + stray);
        return failures;
    }

    /// <summary>Fails with the first few broken contracts, each with the source that broke it.</summary>
    public static void AssertNone(IReadOnlyList<string> failures, int total)
    {
        if (failures.Count == 0) return;
        Assert.Fail($"{failures.Count} of {total} networks broke the robustness contract. The first ones:\n\n" + string.Join("\n", failures.Take(8)));
    }
}
