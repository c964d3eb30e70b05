using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using nietras.SeparatedValues;

namespace Myelin.Data;

/// <summary>
/// The row reader under <see cref="Csv"/>: skips leading lines, decides whether there is a header, and hands out
/// non-blank rows whose field count matches, each with its line number. Tokenising is Sep's (SIMD, quotes, unescaping,
/// trimming of spaces); everything a user sees in an error (source, line, column) is kept here.
/// </summary>
/// <remarks>
/// Sep numbers lines from where it starts reading, which is after <see cref="CsvOptions.SkipLines"/>; this reader adds
/// them back. Sep reports the first row's line range incorrectly (it is always line 1 of what Sep reads), so row 0 is
/// numbered here. Rows that Sep reads before the header decision is made are kept as strings and replayed.
/// </remarks>
internal sealed class CsvReader : IDisposable
{
    private readonly SepReader _sep;
    private readonly int _skipped;                    // physical lines consumed before Sep started
    private readonly List<BufferedRow> _replay = [];  // data rows read while deciding about the header
    private bool _firstDataRowSeen;

    private CsvReader(SepReader sep, string source, int skipped)
    {
        _sep = sep;
        Source = source;
        _skipped = skipped;
    }

    /// <summary>How the source is named in errors: <c>CSV file '/data/iris.csv'</c>, <c>CSV stream</c>.</summary>
    public string Source { get; }

    /// <summary>The column names: the header's, or <c>column1</c>, <c>column2</c>, ... when there is none.</summary>
    public IReadOnlyList<string> Columns { get; private set; } = [];

    /// <summary>The header's line number, or null when the file has no header.</summary>
    public int? HeaderLine { get; private set; }

    /// <summary>Called once per data row; the row is valid only during the call.</summary>
    public delegate void RowHandler(in CsvRow row);

    /// <summary>Reads up to the first data row(s) of <paramref name="text"/> and decides the columns.</summary>
    /// <exception cref="InvalidDataException">The text is empty, binary, or has fewer lines than it should skip.</exception>
    public static CsvReader Open(TextReader text, string source, CsvOptions options)
    {
        for (int i = 0; i < options.SkipLines; i++)
        {
            if (text.ReadLine() is null)
                throw Error(source, null, $"has only {i} line{(i == 1 ? "" : "s")}, but CsvOptions.SkipLines is {options.SkipLines}.");
        }
        var sep = Sep.New(options.Delimiter).Reader(o => o with
        {
            HasHeader = false,
            // Counts are checked here, with the line and a hint, instead of by Sep.
            DisableColCountCheck = true,
            Unescape = true,
            Trim = SepTrim.All,
            CultureInfo = CultureInfo.InvariantCulture,
        }).From(text);
        var reader = new CsvReader(sep, source, options.SkipLines);
        try
        {
            reader.ReadHeader(options);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Calls <paramref name="handler"/> for every data row, in file order.</summary>
    /// <exception cref="InvalidDataException">A row has another number of fields than there are columns.</exception>
    public void ReadRows(RowHandler handler)
    {
        foreach (var buffered in _replay)
        {
            var row = new CsvRow(buffered.Fields, buffered.Line, buffered.LastLine);
            CheckFieldCount(row);
            handler(row);
        }
        _replay.Clear();
        while (_sep.MoveNext())
        {
            var row = Wrap(_sep.Current);
            if (row.IsBlank) continue;
            CheckFieldCount(row);
            handler(row);
        }
    }

    /// <summary><c>column 3 ('petal length')</c>.</summary>
    public string Column(int column) => $"column {column + 1} ('{Columns[column]}')";

    /// <summary>The columns quoted and comma-separated, for messages.</summary>
    public string ListColumns() => LabelEncoder.Quote(Columns);

    /// <summary>An error naming the source and, when known, the line.</summary>
    public InvalidDataException Error(int? line, string problem) => Error(Source, line, problem);

    /// <summary>An error naming <paramref name="source"/> and, when known, the line.</summary>
    public static InvalidDataException Error(string source, int? line, string problem) =>
        new(line is int l ? $"{source}, line {l}: {problem}" : $"{source} {problem}");

    /// <summary>
    /// Field <paramref name="column"/> as a finite float, or an error naming the line and column:
    /// empty, not a number in the invariant culture, NaN, infinite or beyond the float range.
    /// </summary>
    public float ParseFloat(in CsvRow row, int column, string what)
    {
        if (row.TryParseFloat(column, out float value) && float.IsFinite(value)) return value;
        double number = ParseNumber(row[column], row.Line, row.LastLine, column, what);
        value = (float)number;
        if (!float.IsFinite(value))
            throw Error(row.Line, $"{Column(column)}: {what} '{row[column]}' is beyond the float range (about ±3.4e38).");
        return value;
    }

    /// <summary>The text of a field in <paramref name="column"/> as a finite double, or an error naming the line and column.</summary>
    public double ParseNumber(ReadOnlySpan<char> text, int line, int lastLine, int column, string what)
    {
        if (text.IsWhiteSpace())
            throw Error(line, $"{Column(column)}: the {what} is empty; every {what} must be a number.");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            string problem = $"{Column(column)}: {what} '{text}' is not a number (invariant culture, e.g. 1.5 or -2e-3).";
            if (text.Contains('\n')) problem += $" The field runs over lines {line} to {lastLine}: is a quote not closed?";
            throw Error(line, problem);
        }
        if (!double.IsFinite(value))
            throw Error(line, $"{Column(column)}: {what} '{text}' is {(double.IsNaN(value) ? "NaN" : "infinite")}; every {what} must be finite.");
        return value;
    }

    /// <summary>Closes Sep's reader and the text under it.</summary>
    public void Dispose() => _sep.Dispose();

    private void ReadHeader(CsvOptions options)
    {
        if (!TryReadBuffered(out var first))
        {
            throw options.SkipLines > 0
                ? Error(null, $"has nothing but blank lines after the {options.SkipLines} skipped line{(options.SkipLines == 1 ? "" : "s")}; it needs rows of data.")
                : Error(null, "is empty; it needs an optional header row naming the columns, then one row per sample.");
        }

        bool header = options.HasHeader switch
        {
            CsvHeader.Yes => true,
            CsvHeader.No => false,
            _ => LooksLikeHeader(first),
        };
        if (header)
        {
            var names = new string[first.Fields.Length];
            for (int i = 0; i < names.Length; i++) names[i] = first.Fields[i].Trim();
            Columns = names;
            HeaderLine = first.Line;
            // A row read to decide is data; it is replayed by ReadRows.
            _replay.RemoveAt(0);
        }
        else
        {
            var names = new string[first.Fields.Length];
            for (int i = 0; i < names.Length; i++) names[i] = "column" + (i + 1).ToString(CultureInfo.InvariantCulture);
            Columns = names;
        }
    }

    /// <summary>
    /// A header when every field of the first row is a non-number (names), or, as Python's <c>csv.Sniffer</c> decides,
    /// when some column holds a non-number in the first row and a number in the second. Reads (and keeps for replay)
    /// the second row.
    /// </summary>
    private bool LooksLikeHeader(BufferedRow first)
    {
        bool allNames = true;
        foreach (string field in first.Fields) allNames &= !IsNumber(field);
        if (!TryReadBuffered(out var second)) return allNames;
        if (allNames) return true;
        int shared = Math.Min(first.Fields.Length, second.Fields.Length);
        for (int c = 0; c < shared; c++)
        {
            if (!IsNumber(first.Fields[c]) && IsNumber(second.Fields[c])) return true;
        }
        return false;
    }

    private static bool IsNumber(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Reads the next non-blank row into strings and queues it for replay.</summary>
    private bool TryReadBuffered(out BufferedRow buffered)
    {
        while (_sep.MoveNext())
        {
            var row = Wrap(_sep.Current);
            if (row.IsBlank) continue;
            if (_replay.Count == 0) CheckText(_sep.Current);
            var fields = new string[row.Count];
            for (int i = 0; i < fields.Length; i++) fields[i] = row[i].ToString();
            buffered = new BufferedRow(fields, row.Line, row.LastLine);
            _replay.Add(buffered);
            return true;
        }
        buffered = default;
        return false;
    }

    /// <summary>
    /// A NUL character or undecodable bytes in the first row mean the source is not text (a compressed or binary
    /// file): say so, instead of reporting garbage column names.
    /// </summary>
    private void CheckText(SepReader.Row row)
    {
        int bad = row.Span.IndexOfAny('\0', '\uFFFD');
        if (bad >= 0)
            throw Error(null, $"is not text: its first row has {(row.Span[bad] == '\0' ? "a NUL character" : "bytes that are not valid UTF-8")} at character {bad + 1}. Is it compressed (other than gzip, which is read transparently) or binary?");
    }

    private CsvRow Wrap(SepReader.Row row)
    {
        // Sep misreports the first row's range; the first row always starts on Sep's line 1.
        int line = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
        int last = Math.Max(line, row.LineNumberToExcl - 1);
        return new CsvRow(row, line + _skipped, last + _skipped);
    }

    private void CheckFieldCount(in CsvRow row)
    {
        bool firstDataRow = !_firstDataRowSeen;
        _firstDataRowSeen = true;
        if (row.Count == Columns.Count) return;

        string against = HeaderLine is int headerLine
            ? $"the header (line {headerLine}) has {Columns.Count} columns ({ListColumns()})"
            : $"the first row has {Columns.Count} columns";
        string problem = $"the row has {row.Count} field{(row.Count == 1 ? "" : "s")}, but {against}.";
        if (row.LastLine > row.Line)
            problem += $" The row runs over lines {row.Line} to {row.LastLine}, so a quote opened on line {row.Line} is probably not closed.";
        else if (firstDataRow && HeaderLine is int metadataLine)
            problem += SkipHint(metadataLine);
        throw Error(row.Line, problem);
    }

    /// <summary>
    /// For errors about columns: when the header's field count differs from the first data row's, the "header" is
    /// probably a metadata line; say so and how to skip it. Empty otherwise.
    /// </summary>
    public string MetadataHint()
    {
        if (HeaderLine is not int line || _replay.Count == 0 || _replay[0].Fields.Length == Columns.Count) return "";
        return $" Line {line} has {Columns.Count} fields but line {_replay[0].Line} has {_replay[0].Fields.Length}." + SkipHint(line);
    }

    private static string SkipHint(int line) =>
        $" If line {line} is a metadata line rather than column names (as in scikit-learn's bundled files), skip it with CsvOptions.SkipLines = {line}.";

    /// <summary>A row read before the header decision, kept as strings.</summary>
    private readonly record struct BufferedRow(string[] Fields, int Line, int LastLine);
}

/// <summary>
/// One data row: its fields (spaces trimmed, quotes removed) and its line numbers. Either a view of Sep's current row
/// or a row buffered as strings; valid only until the reader moves on.
/// </summary>
internal readonly ref struct CsvRow
{
    private readonly SepReader.Row _row;
    private readonly string[]? _fields;

    public CsvRow(SepReader.Row row, int line, int lastLine)
    {
        _row = row;
        _fields = null;
        Count = row.ColCount;
        Line = line;
        LastLine = lastLine;
    }

    public CsvRow(string[] fields, int line, int lastLine)
    {
        _row = default;
        _fields = fields;
        Count = fields.Length;
        Line = line;
        LastLine = lastLine;
    }

    /// <summary>The number of fields.</summary>
    public int Count { get; }

    /// <summary>The line the row starts on, counting from 1 at the top of the file.</summary>
    public int Line { get; }

    /// <summary>The line the row ends on: later than <see cref="Line"/> only when a quoted field holds a line break.</summary>
    public int LastLine { get; }

    /// <summary>Field <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> this[int index] => _fields is null ? _row[index].Span : _fields[index];

    /// <summary>An empty or all-space line, which loaders skip.</summary>
    public bool IsBlank => Count == 1 && this[0].IsWhiteSpace();

    /// <summary>
    /// Parses field <paramref name="index"/> as a float. A field of digits, signs, points and exponents takes Sep's
    /// csFastFloat path; anything else .NET's invariant parser, because Sep's fallback accepts thousands separators
    /// and would read <c>1,5</c> as 15.
    /// </summary>
    public bool TryParseFloat(int index, out float value)
    {
        if (_fields is not null) return float.TryParse(_fields[index], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        var column = _row[index];
        ReadOnlySpan<char> text = column.Span;
        if (IsPlainNumber(text)) return column.TryParse(out value);
        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsPlainNumber(ReadOnlySpan<char> text) =>
        !text.IsEmpty && !text.ContainsAnyExcept(PlainNumberCharacters);

    private static readonly System.Buffers.SearchValues<char> PlainNumberCharacters =
        System.Buffers.SearchValues.Create("0123456789+-.eE");
}
