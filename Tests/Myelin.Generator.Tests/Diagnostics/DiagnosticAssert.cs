using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests.Diagnostics;

/// <summary>
/// Source with one span marked <c>[|...|]</c>, as in Roslyn's analyzer tests: <see cref="Text"/> is the source without
/// the markers and <see cref="Span"/> where the marked text now lies. For an attribute write <c>[[|Dense(0)|]]</c>:
/// the outer brackets are C#, the inner ones mark the attribute syntax the diagnostic must point at.
/// </summary>
internal sealed record MarkedSource(string Text, TextSpan Span)
{
    private const string Open = "[|";
    private const string Close = "|]";

    public static MarkedSource Parse(string marked)
    {
        int open = marked.IndexOf(Open, StringComparison.Ordinal);
        int close = marked.IndexOf(Close, StringComparison.Ordinal);
        if (open < 0 || close < open || marked.IndexOf(Open, open + 1, StringComparison.Ordinal) >= 0)
            throw new ArgumentException("The source must mark exactly one span with [| and |]:\n" + marked, nameof(marked));
        string text = marked.Remove(close, Close.Length).Remove(open, Open.Length);
        return new MarkedSource(text, TextSpan.FromBounds(open, close - Open.Length));
    }
}

/// <summary>Runs the generator on marked source and checks the one diagnostic it must report.</summary>
internal static class DiagnosticAssert
{
    /// <summary>
    /// Asserts that the generator reports exactly one Myelin diagnostic, with this ID, rendered message and severity,
    /// at the marked span of the only source file; and that an error leaves the class without generated source while
    /// an Info diagnostic does not stop generation.
    /// </summary>
    public static GeneratorRun Single(string markedSource, string id, string message, DiagnosticSeverity severity)
    {
        var source = MarkedSource.Parse(markedSource);
        var run = GeneratorHarness.Run(source.Text);
        var found = run.MyelinDiagnostics;
        Assert.True(found.Count == 1,
            $"Expected one Myelin diagnostic ({id}), got {found.Count}:\n" + string.Join("\n", found) + "\n\nSource:\n" + source.Text);
        var diagnostic = found[0];

        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(severity, diagnostic.Severity);
        // Generator diagnostics carry a location rebuilt from a LocationInfo value (file path and span), not a tree.
        Assert.True(diagnostic.Location != Location.None, $"{id} has no location: {diagnostic}");
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.True(source.Span == diagnostic.Location.SourceSpan,
            $"{id} points at '{source.Text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length)}' "
            + $"{diagnostic.Location.SourceSpan}, expected '{source.Text.Substring(source.Span.Start, source.Span.Length)}' {source.Span}");

        if (severity == DiagnosticSeverity.Error)
            Assert.Empty(run.Sources);
        else
        {
            Assert.Single(run.Sources);
            Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        }
        // The user's own code is valid in every case: the only problems are the ones Myelin reports.
        Assert.Empty(run.Input.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return run;
    }

    /// <summary>Wraps attribute lines and a class declaration into a compilable file in namespace <c>Demo</c>.</summary>
    public static string Network(string declaration) => $$"""
        using Myelin;

        namespace Demo;

        {{declaration}}
        """;
}
