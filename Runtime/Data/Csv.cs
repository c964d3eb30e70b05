using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Myelin.Data;

/// <summary>What the label column of a CSV file holds.</summary>
public enum CsvLabelKind
{
    /// <summary>Integer class indices 0, 1, ... (written <c>2</c> or <c>2.0</c>): a classification dataset.</summary>
    ClassIndex,

    /// <summary>Any finite number: a dataset with one float target per row (regression, or 0/1 targets for binary cross-entropy).</summary>
    Target,
}

/// <summary>Options for <see cref="Csv.Load(string, string, CsvOptions?)"/>.</summary>
public sealed class CsvOptions
{
    /// <summary>The field separator; a comma unless set. It cannot be a double quote.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>Header names of columns to skip (identifiers, free text). Every name must exist in the header.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>Whether the label column holds class indices (the default) or float targets.</summary>
    public CsvLabelKind LabelKind { get; init; } = CsvLabelKind.ClassIndex;

    /// <summary>
    /// The number of classes for <see cref="CsvLabelKind.ClassIndex"/>; every label must be below it. Null infers it
    /// as the largest label plus one, which undercounts when the file lacks the highest classes.
    /// </summary>
    public int? ClassCount { get; init; }
}

/// <summary>
/// Loads tabular data from a CSV file with a header row: one label column and numeric feature columns, numbers in
/// the invariant culture (<c>1.5</c>, <c>-2e-3</c>). Fields may be quoted (<c>"1.5"</c>, with <c>""</c> for a quote inside),
/// but a quoted field cannot span lines. Blank lines are skipped.
/// </summary>
/// <remarks>
/// Every problem is an <see cref="InvalidDataException"/> naming the file, the line (from 1, the header being line 1)
/// and the column (its header name and its number from 1).
/// </remarks>
public static class Csv
{
    /// <summary>Loads <paramref name="path"/> with the column named <paramref name="labelColumn"/> as the label.</summary>
    /// <returns>A dataset with samples of shape <c>[features]</c>: every column except the label and the ignored ones, in file order.</returns>
    public static Dataset Load(string path, string labelColumn, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labelColumn);
        return Load(path, (header, headerLine) =>
        {
            int found = -1;
            for (int i = 0; i < header.Count; i++)
            {
                if (header[i] != labelColumn) continue;
                if (found >= 0)
                    throw Error(path, headerLine, $"the header has two columns named '{labelColumn}' (columns {found + 1} and {i + 1}), so the label column is ambiguous.");
                found = i;
            }
            if (found < 0)
                throw Error(path, headerLine, $"the header has no column named '{labelColumn}' for the label; its columns are {ListNames(header)}.");
            return found;
        }, options ?? new CsvOptions());
    }

    /// <summary>Loads <paramref name="path"/> with the column at <paramref name="labelColumn"/> (from 0) as the label.</summary>
    /// <returns>A dataset with samples of shape <c>[features]</c>: every column except the label and the ignored ones, in file order.</returns>
    public static Dataset Load(string path, int labelColumn, CsvOptions? options = null) =>
        Load(path, (header, headerLine) =>
        {
            if ((uint)labelColumn >= (uint)header.Count)
                throw Error(path, headerLine, $"the header has {header.Count} columns, so there is no label column at index {labelColumn} (counting from 0); its columns are {ListNames(header)}.");
            return labelColumn;
        }, options ?? new CsvOptions());

    private static Dataset Load(string path, Func<List<string>, int, int> findLabel, CsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (options.Delimiter == '"' || options.Delimiter == '\n' || options.Delimiter == '\r')
            throw new ArgumentException($"The delimiter cannot be {Printable(options.Delimiter)}.", nameof(options));
        if (options.ClassCount is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.ClassCount, "ClassCount must be at least 1.");
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file '{path}' does not exist.", path);

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var fields = new List<string>();
        var field = new StringBuilder();

        // The header: the first non-blank line.
        int lineNumber = 0;
        string? line;
        do
        {
            line = reader.ReadLine();
            lineNumber++;
        }
        while (line is not null && string.IsNullOrWhiteSpace(line));
        if (line is null) throw Error(path, null, "is empty; it needs a header row naming the columns, then one row per sample.");

        int headerLine = lineNumber;
        SplitFields(line, options.Delimiter, fields, field, path, lineNumber);
        var header = new List<string>(fields.Count);
        foreach (string name in fields) header.Add(name.Trim());

        int label = findLabel(header, headerLine);
        var ignored = new bool[header.Count];
        foreach (string name in options.IgnoreColumns)
        {
            int index = header.IndexOf(name);
            if (index < 0) throw Error(path, headerLine, $"the header has no column named '{name}' to ignore; its columns are {ListNames(header)}.");
            if (index == label) throw Error(path, headerLine, $"column '{name}' is the label column, so it cannot also be ignored.");
            ignored[index] = true;
        }
        var featureColumns = new List<int>();
        for (int c = 0; c < header.Count; c++)
        {
            if (c != label && !ignored[c]) featureColumns.Add(c);
        }
        if (featureColumns.Count == 0)
            throw Error(path, headerLine, $"no feature columns are left: the header has {ListNames(header)}, column '{header[label]}' is the label and the rest are ignored.");

        bool classes = options.LabelKind == CsvLabelKind.ClassIndex;
        var features = new List<float>();
        var labels = new List<int>();
        var targets = new List<float>();
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            SplitFields(line, options.Delimiter, fields, field, path, lineNumber);
            if (fields.Count != header.Count)
                throw Error(path, lineNumber, $"the row has {fields.Count} fields, but the header has {header.Count} columns ({ListNames(header)}).");

            foreach (int c in featureColumns)
            {
                features.Add(ParseFloat(fields[c], path, lineNumber, c, header, "feature"));
            }

            string labelText = fields[label];
            if (classes)
            {
                double number = ParseNumber(labelText, path, lineNumber, label, header, "label");
                if (number != Math.Floor(number) || number < 0 || number > int.MaxValue)
                    throw Error(path, lineNumber, $"{Column(label, header)}: label '{labelText.Trim()}' is not a class index (a whole number from 0).");
                int classIndex = (int)number;
                if (options.ClassCount is int classCount && classIndex >= classCount)
                    throw Error(path, lineNumber, $"{Column(label, header)}: label {classIndex} is not a class index in [0, {classCount}) (CsvOptions.ClassCount).");
                labels.Add(classIndex);
            }
            else
            {
                targets.Add(ParseFloat(labelText, path, lineNumber, label, header, "target"));
            }
        }

        int rows = classes ? labels.Count : targets.Count;
        if (rows == 0) throw Error(path, null, "has a header but no data rows.");

        int[] sampleShape = [featureColumns.Count];
        if (!classes) return new Dataset(features.ToArray(), sampleShape, targets.ToArray(), targetSize: 1);

        int inferred = 0;
        foreach (int l in labels) inferred = Math.Max(inferred, l + 1);
        return new Dataset(features.ToArray(), sampleShape, labels.ToArray(), options.ClassCount ?? inferred);
    }

    /// <summary>Parses a finite number in the invariant culture, or throws naming the file, line and column.</summary>
    private static double ParseNumber(string text, string path, int line, int column, List<string> header, string what)
    {
        string trimmed = text.Trim();
        if (trimmed.Length == 0)
            throw Error(path, line, $"{Column(column, header)}: the {what} is empty; every {what} must be a number.");
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw Error(path, line, $"{Column(column, header)}: {what} '{trimmed}' is not a number (invariant culture, e.g. 1.5 or -2e-3).");
        if (!double.IsFinite(value))
            throw Error(path, line, $"{Column(column, header)}: {what} '{trimmed}' is {(double.IsNaN(value) ? "NaN" : "infinite")}; every {what} must be finite.");
        return value;
    }

    /// <summary>As <see cref="ParseNumber"/>, and the number must also fit in a float.</summary>
    private static float ParseFloat(string text, string path, int line, int column, List<string> header, string what)
    {
        float value = (float)ParseNumber(text, path, line, column, header, what);
        if (!float.IsFinite(value))
            throw Error(path, line, $"{Column(column, header)}: {what} '{text.Trim()}' is beyond the float range (about ±3.4e38).");
        return value;
    }

    /// <summary>Splits one line into <paramref name="fields"/>, honouring double-quoted fields.</summary>
    private static void SplitFields(string line, char delimiter, List<string> fields, StringBuilder field, string path, int lineNumber)
    {
        fields.Clear();
        int i = 0;
        while (true)
        {
            int start = i;
            while (i < line.Length && line[i] == ' ') i++;
            if (i < line.Length && line[i] == '"')
            {
                int open = i++;
                field.Clear();
                while (true)
                {
                    if (i >= line.Length)
                        throw Error(path, lineNumber, $"field {fields.Count + 1} opens a quote at character {open + 1} that is not closed on this line.");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] != delimiter)
                    throw Error(path, lineNumber, $"field {fields.Count + 1} has {Printable(line[i])} after its closing quote at character {i + 1}; expected the delimiter {Printable(delimiter)}.");
                fields.Add(field.ToString());
            }
            else
            {
                i = start;
                while (i < line.Length && line[i] != delimiter) i++;
                fields.Add(line[start..i]);
            }
            if (i >= line.Length) return;
            i++; // past the delimiter
        }
    }

    private static string Column(int column, List<string> header) => $"column {column + 1} ('{header[column]}')";

    private static string ListNames(List<string> header) => string.Join(", ", header.ConvertAll(name => $"'{name}'"));

    private static string Printable(char c) => c switch
    {
        '\t' => "a tab",
        '\n' => "a line feed",
        '\r' => "a carriage return",
        '"' => "a double quote",
        _ => $"'{c}'",
    };

    private static InvalidDataException Error(string path, int? line, string problem) =>
        new(line is int l ? $"CSV file '{path}', line {l}: {problem}" : $"CSV file '{path}' {problem}");
}
