using System;
using System.Collections.Generic;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// Collects the label column of a CSV file row by row and turns it into class indices (with names when the labels
/// are names) or float targets, as <see cref="CsvOptions.LabelKind"/> says. Every error names the line of the first
/// row with the offending label.
/// </summary>
/// <remarks>
/// Class labels are interned: each distinct text gets an id, in order of first appearance, with the line it first
/// appears on, and every row stores only its id. Deciding between indices and names (<see cref="CsvLabelKind.Auto"/>)
/// and checking the class count then happens once per distinct label, at the end, and still names the right line.
/// </remarks>
internal sealed class CsvLabels
{
    private readonly CsvReader _reader;
    private readonly int _column;
    private readonly CsvOptions _options;
    private readonly List<float> _targets = [];
    private readonly List<int> _ids = [];                       // [rows] id of each row's label text
    private readonly List<(string Text, int Line)> _distinct = []; // [ids] label text and the line it first appears on
    private readonly Dictionary<string, int> _idOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idLookup;

    public CsvLabels(CsvReader reader, int column, CsvOptions options)
    {
        _reader = reader;
        _column = column;
        _options = options;
        _idLookup = _idOf.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private bool IsTarget => _options.LabelKind == CsvLabelKind.Target;

    /// <summary>Reads the label of <paramref name="row"/>.</summary>
    public void Add(in CsvRow row)
    {
        if (IsTarget)
        {
            _targets.Add(_reader.ParseFloat(row, _column, "target"));
            return;
        }
        ReadOnlySpan<char> text = row[_column];
        if (!_idLookup.TryGetValue(text, out int id))
        {
            if (text.IsWhiteSpace()) throw _reader.Error(row.Line, $"{_reader.Column(_column)}: the label is empty; every row needs a label.");
            id = _distinct.Count;
            string label = text.ToString();
            _idOf.Add(label, id);
            _distinct.Add((label, row.Line));
        }
        _ids.Add(id);
    }

    /// <summary>The dataset of <paramref name="features"/> with these labels or targets.</summary>
    public Dataset Build(float[] features, int[] sampleShape, string[] featureNames)
    {
        if (IsTarget) return new Dataset(features, sampleShape, _targets.ToArray(), targetSize: 1).WithFeatureNames(featureNames);

        bool names = _options.LabelKind == CsvLabelKind.ClassName || _options.ClassNames is not null
            || (_options.LabelKind == CsvLabelKind.Auto && AnyNonNumber());
        var (classOfId, classCount, classNames) = names ? EncodeNames() : EncodeIndices();
        var labels = new int[_ids.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = classOfId[_ids[i]];
        var data = new Dataset(features, sampleShape, labels, classCount).WithFeatureNames(featureNames);
        return classNames is null ? data : data.WithClassNames(classNames);
    }

    private bool AnyNonNumber()
    {
        foreach (var (text, _) in _distinct)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return true;
        }
        return false;
    }

    /// <summary>Labels as class indices: whole numbers from 0, below the declared count or without gaps.</summary>
    private (int[] ClassOfId, int ClassCount, string[]? Names) EncodeIndices()
    {
        var classOfId = new int[_distinct.Count];
        int largest = -1, largestId = -1;
        // Ids are in order of first appearance, so the first bad label found is the first in the file.
        for (int id = 0; id < _distinct.Count; id++)
        {
            var (text, line) = _distinct[id];
            double number = _reader.ParseNumber(text, line, line, _column, "label");
            if (number != Math.Floor(number) || number < 0 || number > int.MaxValue)
            {
                string advice = _options.LabelKind == CsvLabelKind.Auto
                    ? " Set CsvOptions.LabelKind to Target for a numeric target (regression), or to ClassName to take the labels as names."
                    : "";
                throw _reader.Error(line, $"{_reader.Column(_column)}: label '{text}' is not a class index (a whole number from 0).{advice}");
            }
            int index = (int)number;
            if (_options.ClassCount is int declared && index >= declared)
                throw _reader.Error(line, $"{_reader.Column(_column)}: label {index} is not a class index in [0, {declared}) (CsvOptions.ClassCount).");
            classOfId[id] = index;
            if (index > largest) (largest, largestId) = (index, id);
        }
        if (_options.ClassCount is int count) return (classOfId, count, null);

        CheckNoEmptyClass(classOfId, largest, largestId);
        return (classOfId, largest + 1, null);
    }

    /// <summary>
    /// An inferred class count must not leave a class without rows: labels 0, 1, 2 and a stray 7 would make eight
    /// classes, and labels 1, 2, 3 (1-based) four, and either mismatches the network only later, at Fit.
    /// </summary>
    private void CheckNoEmptyClass(int[] classOfId, int largest, int largestId)
    {
        var present = new bool[largest + 1];
        foreach (int index in classOfId) present[index] = true;
        var empty = new List<int>();
        for (int c = 0; c <= largest; c++)
        {
            if (!present[c]) empty.Add(c);
        }
        if (empty.Count == 0) return;

        int line = _distinct[largestId].Line;
        string column = _reader.Column(_column);
        if (empty.Count == 1 && empty[0] == 0)
            throw _reader.Error(line, $"{column}: the labels run from 1 to {largest} and no row has label 0, but class indices count from 0. For 1-based labels set CsvOptions.LabelKind = ClassName (classes '1' to '{largest}' become 0 to {largest - 1}); to keep an empty class 0, set ClassCount = {largest + 1}.");
        throw _reader.Error(line, $"{column}: label {largest} makes {largest + 1} classes, but class{(empty.Count == 1 ? "" : "es")} {string.Join(", ", empty)} {(empty.Count == 1 ? "has" : "have")} no rows. If {largest} is a mistake, fix this row; otherwise declare CsvOptions.ClassCount (the number of classes) or set LabelKind = ClassName.");
    }

    /// <summary>Labels as names: the declared <see cref="CsvOptions.ClassNames"/>, or the distinct labels in <see cref="LabelEncoder.Fit"/>'s order.</summary>
    private (int[] ClassOfId, int ClassCount, string[]? Names) EncodeNames()
    {
        LabelEncoder encoder;
        if (_options.ClassNames is { } declared)
        {
            encoder = new LabelEncoder(declared);
            for (int id = 0; id < _distinct.Count; id++)
            {
                var (text, line) = _distinct[id];
                if (!encoder.TryEncode(text, out _))
                    throw _reader.Error(line, $"{_reader.Column(_column)}: label '{text}' is not one of the declared classes ({encoder.Describe()}; CsvOptions.ClassNames).");
            }
        }
        else
        {
            if (_options.ClassCount is int count && _distinct.Count > count)
            {
                // The first label beyond the declared count, in file order, is the one to report.
                var (text, line) = _distinct[count];
                throw _reader.Error(line, $"{_reader.Column(_column)}: label '{text}' is class number {count + 1} in the file, but CsvOptions.ClassCount is {count}.");
            }
            var texts = new List<string>(_distinct.Count);
            foreach (var (text, _) in _distinct) texts.Add(text);
            encoder = LabelEncoder.Fit(texts);
            if (_options.ClassCount is int declaredCount && encoder.ClassCount < declaredCount)
                throw _reader.Error(null, $"has {encoder.ClassCount} distinct labels in {_reader.Column(_column)} ({encoder.Describe()}), fewer than CsvOptions.ClassCount = {declaredCount}; name every class with CsvOptions.ClassNames.");
        }

        var classOfId = new int[_distinct.Count];
        for (int id = 0; id < classOfId.Length; id++) encoder.TryEncode(_distinct[id].Text, out classOfId[id]);
        var names = new string[encoder.ClassCount];
        for (int c = 0; c < names.Length; c++) names[c] = encoder.Classes[c];
        return (classOfId, encoder.ClassCount, names);
    }
}
