using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Emitting;
using Myelin.Generator.Emitting.Cpu;
using Myelin.Generator.Emitting.Gpu;
using Myelin.Generator.Emitting.Int8;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;

namespace Myelin.Generator;

/// <summary>
/// The Myelin source generator. For every class marked <c>[Network]</c> it runs three stages, each a cached step of
/// the incremental pipeline: the Parser reads the attributes into a <see cref="NetworkSpec"/>, the Planner turns that
/// into a <see cref="NetworkPlan"/> (shapes, parameter table, fusion), and the CPU emitter prints the plan as C#. When
/// the compilation references Myelin.Gpu, the GPU emitter prints the same plan as a device network with ILGPU kernels.
/// Diagnostics and source go out on separate outputs. No stage lets an exception escape: an internal error becomes
/// diagnostic MYL0999 on the class.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Stage 1: the attribute-marked classes, parsed. Runs when the compilation changes, but yields equal specs for
        // edits that do not touch the network, so everything downstream stays cached.
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Network,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => SafeParse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        // Stage 2: shapes, offsets and fusion.
        IncrementalValuesProvider<PlanResult> planned = parsed
            .Select(static (result, ct) => SafePlan(result, ct))
            .WithTrackingName(TrackingNames.Plan);

        // Diagnostics, on their own output.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = planned
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (var item in items) spc.ReportDiagnostic(item.ToDiagnostic());
        });

        // Stage 3: CPU source for every valid plan.
        IncrementalValuesProvider<EmitResult> emitted = planned
            .Where(static result => result.Plan is not null)
            .Select(static (result, _) => SafeEmit(result))
            .WithTrackingName(TrackingNames.EmitCpu);
        context.RegisterSourceOutput(emitted, static (spc, result) => AddSource(spc, result));

        // Opt-in: whether the compilation references Myelin.Gpu, reduced to a boolean before it meets the plans, so
        // that an edit anywhere re-runs only this comparison and leaves every emitted network cached.
        IncrementalValueProvider<bool> gpuReferenced = context.CompilationProvider
            .Select(static (compilation, _) => ReferencesGpu(compilation));

        // Stage 3, second backend: GPU source for every valid plan of a project that references Myelin.Gpu. The step
        // runs (and caches) for every network either way; without the reference it emits nothing.
        IncrementalValuesProvider<EmitResult> emittedGpu = planned
            .Where(static result => result.Plan is not null)
            .Combine(gpuReferenced)
            .Select(static (pair, _) => pair.Right ? SafeEmitGpu(pair.Left) : new EmitResult(null, EquatableArray<DiagnosticInfo>.Empty, pair.Left.ClassName))
            .WithTrackingName(TrackingNames.EmitGpu);
        context.RegisterSourceOutput(emittedGpu, static (spc, result) => AddSource(spc, result));

        RegisterInt8(context, parsed);
    }

    /// <summary>
    /// The int8 backend, for networks that ask for it (<c>[Network(Int8 = true)]</c>): the int8 decisions on top of the
    /// float plan (with their own diagnostics, MYL0040), then the nested int8 class. Like the GPU step, every step runs
    /// (and caches) for every network; for one without the flag it plans nothing and emits nothing.
    /// </summary>
    private static void RegisterInt8(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed)
    {
        IncrementalValuesProvider<QuantizationResult> quantized = parsed
            .Select(static (result, ct) => result.Spec is { Int8: true }
                ? SafeQuantize(result, ct)
                : new QuantizationResult(null, result.ClassName, EquatableArray<DiagnosticInfo>.Empty))
            .WithTrackingName(TrackingNames.PlanInt8);
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = quantized
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Int8Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (var item in items) spc.ReportDiagnostic(item.ToDiagnostic());
        });
        IncrementalValuesProvider<EmitResult> emitted = quantized
            .Select(static (result, _) => result.Plan is null
                ? new EmitResult(null, EquatableArray<DiagnosticInfo>.Empty, result.ClassName)
                : SafeEmitInt8(result))
            .WithTrackingName(TrackingNames.EmitInt8);
        context.RegisterSourceOutput(emitted, static (spc, result) => AddSource(spc, result));
    }

    /// <summary>
    /// Plans the network again (the planner is pure and cheap, and its own diagnostics go out from the main pipeline), then
    /// makes the int8 decisions. A network the float planner rejects gets no int8 result.
    /// </summary>
    private static QuantizationResult SafeQuantize(ParseResult parsed, CancellationToken cancellationToken)
    {
        try
        {
            var planned = NetworkPlanner.Plan(parsed, cancellationToken);
            return planned.Plan is null
                ? new QuantizationResult(null, parsed.ClassName, EquatableArray<DiagnosticInfo>.Empty)
                : QuantizationPlanner.Plan(parsed.Spec!, planned.Plan);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new QuantizationResult(null, parsed.ClassName, EquatableArray.Create(Internal(parsed.ClassLocation, parsed.ClassName, exception)));
        }
    }

    private static EmitResult SafeEmitInt8(QuantizationResult quantized)
    {
        try
        {
            return new EmitResult(Int8Emitter.Emit(quantized.Plan!), EquatableArray<DiagnosticInfo>.Empty, quantized.ClassName);
        }
        catch (Exception exception)
        {
            return new EmitResult(null, EquatableArray.Create(Internal(null, quantized.ClassName, exception)), quantized.ClassName);
        }
    }

    private static void AddSource(SourceProductionContext spc, EmitResult result)
    {
        foreach (var diagnostic in result.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        if (result.Source is null) return;
        try
        {
            spc.AddSource(result.Source.HintName, result.Source.Text);
        }
        catch (ArgumentException exception)
        {
            // A hint name Roslyn refuses must cost this network its code, not every network in the project.
            spc.ReportDiagnostic(Internal(null, result.ClassName, exception).ToDiagnostic());
        }
    }

    /// <summary>Whether <paramref name="compilation"/> references the Myelin.Gpu assembly, which turns GPU emission on.</summary>
    private static bool ReferencesGpu(Compilation compilation)
    {
        foreach (var assembly in compilation.ReferencedAssemblyNames)
        {
            if (assembly.Name == GeneratedNames.GpuAssembly) return true;
        }
        return false;
    }

    private static ParseResult SafeParse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return NetworkParser.Parse(context, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var location = context.TargetNode is BaseTypeDeclarationSyntax declaration
                ? declaration.Identifier.GetLocation().ToInfo()
                : context.TargetNode.GetLocation().ToInfo();
            string name = context.TargetSymbol.Name;
            return new ParseResult(null, location, name, EquatableArray.Create(Internal(location, name, exception)));
        }
    }

    private static PlanResult SafePlan(ParseResult parsed, CancellationToken cancellationToken)
    {
        try
        {
            return NetworkPlanner.Plan(parsed, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new PlanResult(null, parsed.ClassName, EquatableArray.Create(Internal(parsed.ClassLocation, parsed.ClassName, exception)));
        }
    }

    private static EmitResult SafeEmit(PlanResult planned)
    {
        // The emit step sees only the location-free plan, so that moving a declaration keeps it cached; an internal
        // error here therefore names the class but carries no location.
        try
        {
            return new EmitResult(CpuEmitter.Emit(planned.Plan!), EquatableArray<DiagnosticInfo>.Empty, planned.ClassName);
        }
        catch (Exception exception)
        {
            return new EmitResult(null, EquatableArray.Create(Internal(null, planned.ClassName, exception)), planned.ClassName);
        }
    }

    private static EmitResult SafeEmitGpu(PlanResult planned)
    {
        try
        {
            // A network the GPU backend cannot print gets no Gpu class and an Info saying why, never a partial one.
            if (GpuEmitter.UnsupportedLayer(planned.Plan!) is { } layer)
                return new EmitResult(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.NoGpuNetwork, null,
                    planned.ClassName, layer.Kind, layer.Name)), planned.ClassName);
            return new EmitResult(GpuEmitter.Emit(planned.Plan!), EquatableArray<DiagnosticInfo>.Empty, planned.ClassName);
        }
        catch (Exception exception)
        {
            return new EmitResult(null, EquatableArray.Create(Internal(null, planned.ClassName, exception)), planned.ClassName);
        }
    }

    private static DiagnosticInfo Internal(LocationInfo? location, string className, Exception exception) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, className, $"{exception.GetType().Name}: {exception.Message}");

    /// <summary>The emitted source, or the diagnostics that stopped it.</summary>
    private sealed record EmitResult(SourceFile? Source, EquatableArray<DiagnosticInfo> Diagnostics, string ClassName);
}
