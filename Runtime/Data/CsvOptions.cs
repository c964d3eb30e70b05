using System.Collections.Generic;

namespace Myelin.Data;

/// <summary>What the label column of a CSV file holds.</summary>
public enum CsvLabelKind
{
    /// <summary>Integer class indices 0, 1, ... (written <c>2</c> or <c>2.0</c>): a classification dataset.</summary>
    ClassIndex = 0,

    /// <summary>Any finite number: a dataset with one float target per row (regression, or 0/1 targets for binary cross-entropy).</summary>
    Target = 1,

    /// <summary>
    /// Class names (<c>setosa</c>, <c>M</c>, or numbers such as <c>1</c>, <c>2</c>, <c>3</c> taken as names), mapped to
    /// class indices by a <see cref="LabelEncoder"/> whose names the dataset keeps in <see cref="Dataset.ClassNames"/>.
    /// </summary>
    ClassName = 2,

    /// <summary>
    /// The default: <see cref="ClassIndex"/> when every label is a whole number from 0, <see cref="ClassName"/> when
    /// any label is not a number. Numeric labels that are fractional or negative are an error that suggests
    /// <see cref="Target"/> or <see cref="ClassName"/>, so a regression target is never taken for classes silently.
    /// </summary>
    Auto = 3,
}

/// <summary>Whether the first line a CSV reader sees (after <see cref="CsvOptions.SkipLines"/>) names the columns.</summary>
public enum CsvHeader
{
    /// <summary>
    /// The default: the first line is a header when none of its fields is a number, or when, in some column, it holds
    /// something that is not a number while the next line holds a number there (as Python's <c>csv.Sniffer</c>
    /// decides). A first line of numbers only is data, and so is <c>5.1,3.5,1.4,0.2,setosa</c> above more such rows.
    /// </summary>
    Auto = 0,

    /// <summary>The first line names the columns.</summary>
    Yes = 1,

    /// <summary>
    /// There is no header: every line is data, and the columns are called <c>column1</c>, <c>column2</c>, ... (from 1,
    /// as in error messages).
    /// </summary>
    No = 2,
}

/// <summary>Options for <see cref="Csv.Load(string, CsvColumn, CsvOptions?)"/> and the other loaders.</summary>
public sealed class CsvOptions
{
    /// <summary>The field separator; a comma unless set. It cannot be a double quote, a line break or a space.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>Whether the file has a header row; detected unless set.</summary>
    public CsvHeader HasHeader { get; init; } = CsvHeader.Auto;

    /// <summary>
    /// Lines to skip before anything is read, e.g. 1 for scikit-learn's bundled files, which start with a metadata
    /// line such as <c>569,30,malignant,benign</c>. Line numbers in errors still count from the file's first line.
    /// </summary>
    public int SkipLines { get; init; }

    /// <summary>Names of columns to skip (identifiers, free text). Every name must exist.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>What the label column holds; detected from the labels unless set.</summary>
    public CsvLabelKind LabelKind { get; init; } = CsvLabelKind.Auto;

    /// <summary>
    /// The number of classes. Every label must be a class below it; the first that is not is reported with its line.
    /// Null infers it from the labels (the largest index plus one, or the number of distinct names); an inferred
    /// count that leaves a class index without rows (labels 0, 1, 2 and 7; or 1, 2, 3) is an error, because it
    /// almost always means a stray label or 1-based labels.
    /// </summary>
    public int? ClassCount { get; init; }

    /// <summary>
    /// The class names in class-index order, for labels that are names: <c>["benign", "malignant"]</c> makes
    /// <c>malignant</c> class 1, the positive class of a binary classifier. A label that is not in the list is an
    /// error naming its line. Null orders the names found in the file (numerically when they are all numbers,
    /// otherwise ordinally, as scikit-learn's <c>LabelEncoder</c> does).
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}
