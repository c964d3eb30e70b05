using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Myelin.Generator.Model;

namespace Myelin.Generator.Diagnostics;

/// <summary>
/// The bridge from Myelin's plain diagnostic values to Roslyn's: descriptors (with the category and help link) and
/// locations. Only the generator's output step and the Parser use it.
/// </summary>
internal static class RoslynDiagnostics
{
    private static readonly ConcurrentDictionary<string, DiagnosticDescriptor> s_descriptors = new();

    /// <summary>The Roslyn descriptor of a catalog entry, made once per ID.</summary>
    public static DiagnosticDescriptor Descriptor(DiagnosticDefinition definition) =>
        s_descriptors.GetOrAdd(definition.Id, _ => new DiagnosticDescriptor(
            definition.Id, definition.Title, definition.MessageFormat, DiagnosticDescriptors.Category, Severity(definition.Level),
            isEnabledByDefault: true, helpLinkUri: DiagnosticDescriptors.HelpBase + definition.Id.ToLowerInvariant()));

    public static Diagnostic ToDiagnostic(this DiagnosticInfo info) =>
        Diagnostic.Create(Descriptor(info.Descriptor), info.Location?.ToLocation(), info.Arguments.ToArray());

    public static Location ToLocation(this LocationInfo location) =>
        Location.Create(location.FilePath, new TextSpan(location.Start, location.Length),
            new LinePositionSpan(new LinePosition(location.StartLine, location.StartColumn), new LinePosition(location.EndLine, location.EndColumn)));

    /// <summary>A Roslyn location as a value; null for locations outside source (metadata, no tree).</summary>
    public static LocationInfo? ToInfo(this Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        var lines = location.GetLineSpan().Span;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }

    public static LocationInfo? ToInfo(this SyntaxReference? reference) =>
        reference is null ? null : reference.SyntaxTree.GetLocation(reference.Span).ToInfo();

    private static DiagnosticSeverity Severity(DiagnosticLevel level) => level switch
    {
        DiagnosticLevel.Error => DiagnosticSeverity.Error,
        DiagnosticLevel.Warning => DiagnosticSeverity.Warning,
        _ => DiagnosticSeverity.Info,
    };
}
