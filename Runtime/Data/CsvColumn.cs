using System;
using System.Collections.Generic;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// A column of a CSV file, by header name (<c>"species"</c>) or by position from 0 (<c>4</c>); both convert
/// implicitly, so <c>Csv.Load(path, "species")</c> and <c>Csv.Load(path, 4)</c> both work.
/// </summary>
public readonly record struct CsvColumn
{
    private CsvColumn(string? name, int index)
    {
        Name = name;
        Index = index;
    }

    /// <summary>The header name, or null when the column is given by position.</summary>
    public string? Name { get; }

    /// <summary>The position from 0; meaningful only when <see cref="Name"/> is null.</summary>
    public int Index { get; }

    /// <summary>The column called <paramref name="name"/> (in a file without header: <c>column1</c>, <c>column2</c>, ...).</summary>
    public static CsvColumn Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new CsvColumn(name, -1);
    }

    /// <summary>The column at <paramref name="index"/>, counting from 0.</summary>
    public static CsvColumn At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new CsvColumn(null, index);
    }

    /// <summary>The column called <paramref name="name"/>.</summary>
    public static implicit operator CsvColumn(string name) => Named(name);

    /// <summary>The column at <paramref name="index"/>, counting from 0.</summary>
    public static implicit operator CsvColumn(int index) => At(index);

    /// <summary><c>'species'</c> or <c>index 4</c>.</summary>
    public override string ToString() => Name is null ? "index " + Index.ToString(CultureInfo.InvariantCulture) : $"'{Name}'";

    /// <summary>The column's position in <paramref name="columns"/>, or an error naming the source and the columns.</summary>
    /// <param name="columns">The file's column names.</param>
    /// <param name="reader">The reader, for errors.</param>
    /// <param name="purpose">What the column is for, completing "no column named 'x' ...": <c>for the label</c>, <c>to ignore</c>.</param>
    internal int Find(IReadOnlyList<string> columns, CsvReader reader, string purpose)
    {
        if (Name is null)
        {
            if (Index >= columns.Count)
                throw reader.Error(reader.HeaderLine, $"there {(columns.Count == 1 ? "is 1 column" : $"are {columns.Count} columns")}, so there is no column at index {Index} (counting from 0) {purpose}; the columns are {reader.ListColumns()}.{reader.MetadataHint()}");
            return Index;
        }

        int found = -1;
        for (int i = 0; i < columns.Count; i++)
        {
            if (!string.Equals(columns[i], Name, StringComparison.Ordinal)) continue;
            if (found >= 0)
                throw reader.Error(reader.HeaderLine, $"two columns are named '{Name}' (columns {found + 1} and {i + 1}), so the column {purpose} is ambiguous.");
            found = i;
        }
        if (found >= 0) return found;

        string near = "";
        for (int i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i], Name, StringComparison.OrdinalIgnoreCase)) near = $" ('{columns[i]}' differs only in case)";
        }
        string header = reader.HeaderLine is null
            ? ". The first line was read as data, as it holds numbers, so the columns are numbered; if it is a metadata line, skip it with CsvOptions.SkipLines, and if it names the columns, set HasHeader = CsvHeader.Yes"
            : "";
        throw reader.Error(reader.HeaderLine, $"there is no column named '{Name}' {purpose}{near}; the columns are {reader.ListColumns()}{header}.{reader.MetadataHint()}");
    }
}
