using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Myelin.Generator.Model;

/// <summary>
/// A source location as a plain value (file path and spans), so that models never hold a <see cref="Location"/>,
/// which would pin a syntax tree and defeat caching.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxReference? reference) =>
        reference is null ? null : From(reference.SyntaxTree.GetLocation(reference.Span));
}
