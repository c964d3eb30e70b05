using System;
using System.Globalization;
using System.Text;

namespace Myelin.Generator.Emitting;

/// <summary>
/// A small indentation-aware text writer for emitted C#. Blocks are opened with <see cref="Block"/> and closed by
/// disposing the returned scope, so braces always balance. Numbers are written with the invariant culture.
/// </summary>
internal sealed class CodeWriter
{
    private const string Indentation = "    ";
    private readonly StringBuilder _text = new();
    private int _depth;

    public CodeWriter Line(string text = "")
    {
        if (text.Length == 0)
        {
            _text.Append('\n');
            return this;
        }
        for (int i = 0; i < _depth; i++) _text.Append(Indentation);
        _text.Append(text).Append('\n');
        return this;
    }

    /// <summary>Writes each line of <paramref name="text"/> at the current indentation (for raw string literals).</summary>
    public CodeWriter Lines(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n')) Line(line);
        return this;
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until the scope is disposed.</summary>
    public Scope Block(string header, string closing = "}")
    {
        Line(header);
        Line("{");
        _depth++;
        return new Scope(this, closing);
    }

    public void Indent() => _depth++;

    /// <summary>Closes a block opened by hand, without a blank line before the brace.</summary>
    public void Dedent()
    {
        _depth--;
        TrimBlankLine();
    }

    /// <summary>Drops a trailing blank line, so that no block ends with one before its closing brace.</summary>
    private void TrimBlankLine()
    {
        int length = _text.Length;
        if (length >= 2 && _text[length - 1] == '\n' && _text[length - 2] == '\n') _text.Length = length - 1;
    }

    public override string ToString() => _text.ToString();

    /// <summary>Formats a float as a C# literal that round-trips: <c>0.01f</c>.</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value)) return "float.NaN";
        if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text + "f";
    }

    /// <summary>Formats an integer with the invariant culture.</summary>
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    public readonly struct Scope : IDisposable
    {
        private readonly CodeWriter _writer;
        private readonly string _closing;

        public Scope(CodeWriter writer, string closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer._depth--;
            _writer.TrimBlankLine();
            _writer.Line(_closing);
        }
    }
}
