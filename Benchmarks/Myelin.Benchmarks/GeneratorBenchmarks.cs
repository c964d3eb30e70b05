using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Myelin.Generator;

namespace Myelin.Benchmarks;

/// <summary>
/// The cost of the source generator itself on LeNet-5's declaration (<c>Networks/LeNet5Source.cs</c>, embedded as
/// text): a cold run, as a clean build pays it, and a run after an edit elsewhere in the project, as every keystroke
/// in an IDE pays it (the parse, plan and emit steps should all come from the cache).
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const string LeNet5Resource = "LeNet5Source.cs";

    // Myelin.Generator's TrackingNames.EmitCpu (internal there): the step that prints a plan as C#.
    private const string EmitStep = "Myelin.EmitCpu";

    private static readonly CSharpParseOptions s_parseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private SyntaxTree _network = null!;
    private SyntaxTree _otherFile = null!;
    private SyntaxTree _otherFileEdited = null!;
    private MetadataReference[] _references = null!;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _compilationEdited = null!;
    private GeneratorDriver _warmDriver = null!;

    /// <summary>Parses the sources, loads the references, and checks that the generator produces LeNet-5 without errors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        using Stream stream = typeof(GeneratorBenchmarks).Assembly.GetManifestResourceStream(LeNet5Resource)
            ?? throw new InvalidOperationException($"The embedded resource '{LeNet5Resource}' is missing; see Myelin.Benchmarks.csproj.");
        using var reader = new StreamReader(stream);
        _network = CSharpSyntaxTree.ParseText(reader.ReadToEnd(), s_parseOptions, path: LeNet5Resource);
        _otherFile = CSharpSyntaxTree.ParseText("namespace Bench; internal static class Other { public const int Value = 1; }", s_parseOptions, path: "Other.cs");
        _otherFileEdited = CSharpSyntaxTree.ParseText("namespace Bench; internal static class Other { public const int Value = 2; }", s_parseOptions, path: "Other.cs");

        // The attribute types (Myelin.Attributes, a netstandard2.0 library) and the core library they build on.
        string[] platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
        _references = platform
            .Where(path => Path.GetFileName(path) is "System.Private.CoreLib.dll" or "System.Runtime.dll" or "netstandard.dll")
            .Append(typeof(NetworkAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();

        _compilation = CreateCompilation();
        _compilationEdited = _compilation.ReplaceSyntaxTree(_otherFile, _otherFileEdited);
        _warmDriver = CreateDriver().RunGenerators(_compilation);

        GeneratorDriverRunResult result = _warmDriver.GetRunResult();
        Diagnostic[] errors = result.Diagnostics.Concat(_compilation.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (errors.Length > 0 || result.GeneratedTrees.Length != 1)
            throw new InvalidOperationException($"The generator made {result.GeneratedTrees.Length} files from LeNet-5 (expected 1), with errors: {string.Join("; ", errors.Take(5).Select(e => e.ToString()))}");

        // The edit benchmark is only meaningful if the edit really leaves the emitted LeNet-5 cached. Step tracking
        // costs time, so it is on for this check only, never in the measured drivers.
        GeneratorDriver tracked = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: s_parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        tracked = tracked.RunGenerators(_compilation).RunGenerators(_compilationEdited);
        IncrementalStepRunReason[] emitReasons = tracked.GetRunResult().Results[0].TrackedSteps[EmitStep]
            .SelectMany(step => step.Outputs).Select(output => output.Reason).ToArray();
        if (emitReasons.Length == 0 || emitReasons.Any(reason => reason != IncrementalStepRunReason.Cached))
            throw new InvalidOperationException($"After an unrelated edit the generator's {EmitStep} step ran with [{string.Join(", ", emitReasons)}], not all Cached.");
    }

    /// <summary>A new compilation and a new driver: everything from parsing the attributes to emitting the C#.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver ColdRun() => CreateDriver().RunGenerators(CreateCompilation());

    /// <summary>A driver that has already generated LeNet-5, after an unrelated file changed.</summary>
    [Benchmark]
    public GeneratorDriver RunAfterUnrelatedEdit() => _warmDriver.RunGenerators(_compilationEdited);

    private CSharpCompilation CreateCompilation() => CSharpCompilation.Create(
        "GeneratorBenchmark", [_network, _otherFile], _references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    private static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: s_parseOptions);
}
