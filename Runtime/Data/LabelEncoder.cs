using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// Maps class names (<c>setosa</c>, <c>versicolor</c>, ...) to class indices 0, 1, ... and back, like scikit-learn's
/// <c>LabelEncoder</c>. The names travel with the data (<see cref="Dataset.ClassNames"/>) and with a saved model
/// (<see cref="Preprocessing"/>), so that predictions come back as names.
/// </summary>
public sealed class LabelEncoder
{
    private readonly string[] _classes;
    private readonly Dictionary<string, int> _indices;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;

    /// <summary>Creates an encoder with the given names in class-index order: <c>classes[i]</c> is class <c>i</c>.</summary>
    /// <exception cref="ArgumentException">The list is empty, or a name is null, empty after trimming, or repeated.</exception>
    public LabelEncoder(IEnumerable<string> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var names = new List<string>();
        _indices = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string name in classes)
        {
            if (name is null) throw new ArgumentException($"Class name {names.Count} is null.", nameof(classes));
            if (name.Trim().Length == 0) throw new ArgumentException($"Class name {names.Count} is empty.", nameof(classes));
            if (!_indices.TryAdd(name, names.Count))
                throw new ArgumentException($"Class name '{name}' appears twice (classes {_indices[name]} and {names.Count}); every class needs its own name.", nameof(classes));
            names.Add(name);
        }
        if (names.Count == 0) throw new ArgumentException("A label encoder needs at least one class name.", nameof(classes));
        _classes = names.ToArray();
        _spanLookup = _indices.GetAlternateLookup<ReadOnlySpan<char>>();
        Classes = new ReadOnlyCollection<string>(_classes);
    }

    /// <summary>
    /// An encoder for the distinct values of <paramref name="labels"/>, sorted as scikit-learn's <c>LabelEncoder</c>
    /// sorts them: numerically when every name is a number (so <c>2</c> comes before <c>10</c>), otherwise in ordinal
    /// order.
    /// </summary>
    public static LabelEncoder Fit(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (string label in labels)
        {
            ArgumentNullException.ThrowIfNull(label, nameof(labels));
            distinct.Add(label);
        }
        var names = new List<string>(distinct);
        names.Sort(NameOrder(names));
        return new LabelEncoder(names);
    }

    /// <summary>The class names in class-index order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The number of classes.</summary>
    public int ClassCount => _classes.Length;

    /// <summary>The class index of <paramref name="label"/>.</summary>
    /// <exception cref="ArgumentException">The label is not one of <see cref="Classes"/>; the message lists them.</exception>
    public int Encode(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (_indices.TryGetValue(label, out int index)) return index;
        throw new ArgumentException($"'{label}' is not one of the {ClassCount} classes ({Describe()}).", nameof(label));
    }

    /// <summary>Looks up the class index of <paramref name="label"/> without allocating.</summary>
    public bool TryEncode(ReadOnlySpan<char> label, out int index) => _spanLookup.TryGetValue(label, out index);

    /// <summary>The name of class <paramref name="index"/>.</summary>
    public string Decode(int index)
    {
        if ((uint)index >= (uint)_classes.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Class index {index} is not in [0, {ClassCount}).");
        return _classes[index];
    }

    /// <summary>The class names as a list for messages: <c>'setosa', 'versicolor', 'virginica'</c>.</summary>
    public string Describe() => Quote(_classes);

    /// <inheritdoc />
    public override string ToString() => $"LabelEncoder: {Describe()}";

    /// <summary>Quoted, comma-separated names, at most 20 of them.</summary>
    internal static string Quote(IReadOnlyList<string> names)
    {
        const int Shown = 20;
        var quoted = new List<string>(Math.Min(names.Count, Shown) + 1);
        for (int i = 0; i < names.Count && i < Shown; i++) quoted.Add($"'{names[i]}'");
        if (names.Count > Shown) quoted.Add($"... ({names.Count - Shown} more)");
        return string.Join(", ", quoted);
    }

    /// <summary>Numeric order when every name is a number (ties, such as <c>1</c> and <c>1.0</c>, ordinal); otherwise ordinal order.</summary>
    private static Comparison<string> NameOrder(List<string> names)
    {
        foreach (string name in names)
        {
            if (!IsNumber(name)) return string.CompareOrdinal;
        }
        return (a, b) =>
        {
            int byValue = Parse(a).CompareTo(Parse(b));
            return byValue != 0 ? byValue : string.CompareOrdinal(a, b);
        };

        static double Parse(string name) => double.Parse(name, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static bool IsNumber(string name) =>
        double.TryParse(name, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value);
}
