namespace Myelin.Generator.Emitting;

/// <summary>An emitted source file: its hint name and text. A value, so the output step is cached when the text is unchanged.</summary>
internal sealed record SourceFile(string HintName, string Text);
