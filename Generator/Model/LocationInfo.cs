namespace Myelin.Generator.Model;

/// <summary>
/// A source location as plain values: the file, the character span and the line/column span (all zero-based). Models
/// never hold a Roslyn <c>Location</c>, which would pin a syntax tree and defeat caching; the Parser makes these and
/// the generator's output step turns them back into Roslyn locations.
/// </summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);
