using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// An immutable set of samples: features plus either integer class labels (for <see cref="Loss.SoftmaxCrossEntropy"/>)
/// or float targets (for <see cref="Loss.MeanSquaredError"/> and <see cref="Loss.BinaryCrossEntropy"/>).
/// </summary>
/// <remarks>
/// <para>
/// Features are row-major with the sample first, exactly as a network's batched input: sample <c>i</c> is
/// <c>Features[i * SampleSize .. (i + 1) * SampleSize]</c>, laid out as <see cref="SampleShape"/> (channels, height, width
/// for images). Targets are laid out the same way with <see cref="TargetSize"/> floats per sample.
/// </para>
/// <para>
/// The constructors take ownership of the arrays they are given (no copy, since MNIST's training set is 188 MB of
/// floats); do not change them afterwards. Every operation that changes contents or order returns a new dataset.
/// </para>
/// </remarks>
public sealed partial class Dataset
{
    private readonly float[] _features;     // [Count, SampleSize]
    private readonly int[] _sampleShape;
    private readonly int[]? _labels;        // [Count], or null for a dataset with targets
    private readonly float[]? _targets;     // [Count, TargetSize], or null for a dataset with labels
    private readonly string[]? _classNames; // [ClassCount] or null when the classes are unnamed
    private readonly string[]? _featureNames; // [SampleSize] or null when the features are unnamed

    /// <summary>Creates a classification dataset: one class index in [0, <paramref name="classCount"/>) per sample.</summary>
    /// <param name="features"><c>labels.Length * SampleSize</c> finite floats, sample after sample.</param>
    /// <param name="sampleShape">The shape of one sample, e.g. <c>[1, 28, 28]</c> or <c>[13]</c>; every dimension at least 1.</param>
    /// <param name="labels">The class index of each sample.</param>
    /// <param name="classCount">The number of classes, at least 1.</param>
    /// <exception cref="ArgumentException">A length does not match, a label is out of range or a feature is NaN or infinite; the message says which.</exception>
    public Dataset(float[] features, int[] sampleShape, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(labels);
        if (classCount < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A classification dataset needs at least one class.");

        SampleSize = CheckShape(sampleShape);
        Count = labels.Length;
        CheckFeatureLength(features, Count, SampleSize, sampleShape, $"{Count} labels");
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {labels[i]} of sample {i} is not a class index in [0, {classCount}).");
        }
        CheckFinite(features, SampleSize, nameof(features), "feature");

        _features = features;
        _sampleShape = (int[])sampleShape.Clone();
        SampleShape = new ReadOnlyCollection<int>(_sampleShape);
        _labels = labels;
        ClassCount = classCount;
    }

    /// <summary>Creates a dataset with float targets (regression, or binary cross-entropy with 0/1 targets).</summary>
    /// <param name="features"><c>Count * SampleSize</c> finite floats, sample after sample.</param>
    /// <param name="sampleShape">The shape of one sample; every dimension at least 1.</param>
    /// <param name="targets"><c>Count * targetSize</c> finite floats, sample after sample.</param>
    /// <param name="targetSize">Floats per sample in <paramref name="targets"/>, at least 1 (the network's output size).</param>
    /// <exception cref="ArgumentException">A length does not match or a value is NaN or infinite; the message says which.</exception>
    public Dataset(float[] features, int[] sampleShape, float[] targets, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(targets);
        if (targetSize < 1) throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, "Each sample needs at least one target.");
        if (targets.Length % targetSize != 0)
            throw new ArgumentException($"targets has {targets.Length} floats, which is not a whole number of samples of {targetSize} targets each.", nameof(targets));

        SampleSize = CheckShape(sampleShape);
        Count = targets.Length / targetSize;
        CheckFeatureLength(features, Count, SampleSize, sampleShape, $"{Count} samples of {targetSize} targets");
        CheckFinite(features, SampleSize, nameof(features), "feature");
        CheckFinite(targets, targetSize, nameof(targets), "target");

        _features = features;
        _sampleShape = (int[])sampleShape.Clone();
        SampleShape = new ReadOnlyCollection<int>(_sampleShape);
        _targets = targets;
        TargetSize = targetSize;
    }

    // For datasets derived from a checked one: the caller guarantees lengths, ranges and finiteness. Feature names
    // always carry over (the features keep their meaning); class names only with unchanged labels (keepClassNames).
    private Dataset(Dataset shapeOf, float[] features, int[]? labels, int classCount, float[]? targets, int targetSize,
        bool keepClassNames = true, string[]? featureNames = null, string[]? classNames = null)
    {
        _features = features;
        _sampleShape = shapeOf._sampleShape;
        SampleShape = shapeOf.SampleShape;
        SampleSize = shapeOf.SampleSize;
        _labels = labels;
        _targets = targets;
        ClassCount = classCount;
        TargetSize = targetSize;
        Count = labels?.Length ?? targets!.Length / targetSize;
        _featureNames = featureNames ?? shapeOf._featureNames;
        _classNames = classNames ?? (keepClassNames && labels is not null ? shapeOf._classNames : null);
        FeatureNames = _featureNames is null ? null : new ReadOnlyCollection<string>(_featureNames);
        ClassNames = _classNames is null ? null : new ReadOnlyCollection<string>(_classNames);
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The shape of one sample, without the batch dimension: <c>[1, 28, 28]</c> for MNIST.</summary>
    public IReadOnlyList<int> SampleShape { get; }

    /// <summary>Floats per sample: the product of <see cref="SampleShape"/>.</summary>
    public int SampleSize { get; }

    /// <summary>The number of classes; 0 for a dataset with float targets.</summary>
    public int ClassCount { get; }

    /// <summary>Target floats per sample; 0 for a dataset with class labels.</summary>
    public int TargetSize { get; }

    /// <summary>
    /// The name of each class in class-index order, e.g. <c>setosa</c>, <c>versicolor</c>, <c>virginica</c>, when the
    /// labels were names (<see cref="Csv"/> with a <see cref="LabelEncoder"/>); null when the classes are unnamed.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The name of each feature (the CSV columns), <see cref="SampleSize"/> of them; null when unnamed.</summary>
    public IReadOnlyList<string>? FeatureNames { get; }

    /// <summary>Whether the samples have class labels (<see cref="Labels"/>) rather than float targets (<see cref="Targets"/>).</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>All features, <c>Count * SampleSize</c> floats, sample after sample.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>The class index of every sample.</summary>
    /// <exception cref="InvalidOperationException">The dataset has float targets.</exception>
    public ReadOnlySpan<int> Labels => _labels ?? throw new InvalidOperationException($"This dataset has float targets ({TargetSize} per sample), not class labels; use Targets.");

    /// <summary>All targets, <c>Count * TargetSize</c> floats, sample after sample.</summary>
    /// <exception cref="InvalidOperationException">The dataset has class labels.</exception>
    public ReadOnlySpan<float> Targets => _targets ?? throw new InvalidOperationException($"This dataset has class labels ({ClassCount} classes), not float targets; use Labels, ToBinaryTargets() for one 0/1 target, or ToOneHot() for one-hot targets.");

    /// <summary>The features of sample <paramref name="index"/>, <see cref="SampleSize"/> floats.</summary>
    public ReadOnlySpan<float> Sample(int index) => _features.AsSpan(CheckIndex(index) * SampleSize, SampleSize);

    /// <summary>The class index of sample <paramref name="index"/>.</summary>
    public int Label(int index) => Labels[CheckIndex(index)];

    /// <summary>The targets of sample <paramref name="index"/>, <see cref="TargetSize"/> floats.</summary>
    public ReadOnlySpan<float> Target(int index) => Targets.Slice(CheckIndex(index) * TargetSize, TargetSize);

    /// <summary>How many samples each class has: element <c>c</c> counts label <c>c</c>.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order; an index may repeat (e.g. for bootstrapping).</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"Subset: index {indices[i]} at position {i} is outside [0, {Count}).");
        }

        var features = new float[indices.Length * SampleSize];
        for (int i = 0; i < indices.Length; i++)
            _features.AsSpan(indices[i] * SampleSize, SampleSize).CopyTo(features.AsSpan(i * SampleSize));

        if (_labels is not null)
        {
            var labels = new int[indices.Length];
            for (int i = 0; i < indices.Length; i++) labels[i] = _labels[indices[i]];
            return new Dataset(this, features, labels, ClassCount, null, 0);
        }

        var targets = new float[indices.Length * TargetSize];
        for (int i = 0; i < indices.Length; i++)
            _targets.AsSpan(indices[i] * TargetSize, TargetSize).CopyTo(targets.AsSpan(i * TargetSize));
        return new Dataset(this, features, null, 0, targets, TargetSize);
    }

    /// <summary>The <paramref name="count"/> samples starting at <paramref name="start"/>, in order.</summary>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Slice({start}, {count}) does not fit in a dataset of {Count} samples.");
        return new Dataset(
            this,
            _features.AsSpan(start * SampleSize, count * SampleSize).ToArray(),
            _labels?.AsSpan(start, count).ToArray(),
            ClassCount,
            _targets?.AsSpan(start * TargetSize, count * TargetSize).ToArray(),
            TargetSize);
    }

    /// <summary>The same samples in the order of a Fisher–Yates shuffle driven by <see cref="SeededRandom"/>(<paramref name="seed"/>).</summary>
    public Dataset Shuffle(int seed) => Subset(Permutation(Count, seed));

    /// <summary>The samples whose label satisfies <paramref name="keep"/>, in order, with the labels unchanged.</summary>
    /// <example><c>mnist.FilterLabels(label => label >= 5)</c> keeps the digits 5 to 9.</example>
    public Dataset FilterLabels(Func<int, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        ReadOnlySpan<int> labels = Labels;
        var indices = new List<int>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (keep(labels[i])) indices.Add(i);
        }
        return Subset(indices.ToArray());
    }

    /// <summary>The same samples with each label replaced by <c>map(label)</c>, which must lie in [0, <paramref name="classCount"/>).</summary>
    /// <example>For transfer learning on the digits 5 to 9: <c>mnist.FilterLabels(l => l >= 5).RemapLabels(l => l - 5, classCount: 5)</c>.</example>
    public Dataset RemapLabels(Func<int, int> map, int classCount)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (classCount < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A classification dataset needs at least one class.");
        ReadOnlySpan<int> labels = Labels;
        var mapped = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = map(labels[i]);
            if ((uint)label >= (uint)classCount)
                throw new ArgumentException($"RemapLabels mapped label {labels[i]} of sample {i} to {label}, which is not a class index in [0, {classCount}).", nameof(map));
            mapped[i] = label;
        }
        return new Dataset(this, _features, mapped, classCount, null, 0, keepClassNames: false);
    }

    /// <summary>
    /// The same samples with one-hot float targets instead of labels (<see cref="TargetSize"/> = <see cref="ClassCount"/>),
    /// for training a classifier with mean squared error as some Keras examples do.
    /// </summary>
    public Dataset ToOneHot()
    {
        ReadOnlySpan<int> labels = Labels;
        var targets = new float[labels.Length * ClassCount];
        for (int i = 0; i < labels.Length; i++) targets[i * ClassCount + labels[i]] = 1f;
        return new Dataset(this, _features, null, 0, targets, ClassCount);
    }

    /// <summary>
    /// The same samples of a two-class dataset with one float target each, 0 for class 0 and 1 for class 1: what a
    /// network with one output and <see cref="Loss.BinaryCrossEntropy"/> trains on. (<see cref="ToOneHot"/> gives two.)
    /// With <see cref="ClassNames"/>, class 1 (the positive class) is <c>ClassNames[1]</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The dataset has float targets, or other than two classes.</exception>
    public Dataset ToBinaryTargets()
    {
        ReadOnlySpan<int> labels = Labels;
        if (ClassCount != 2)
            throw new InvalidOperationException($"ToBinaryTargets needs two classes, but this dataset has {ClassCount}{DescribeClassNames()}; use one output per class with SoftmaxCrossEntropy instead.");
        var targets = new float[labels.Length];
        for (int i = 0; i < labels.Length; i++) targets[i] = labels[i];
        return new Dataset(this, _features, null, 0, targets, 1);
    }

    /// <summary>The same samples with the classes named <paramref name="classNames"/>, in class-index order.</summary>
    /// <exception cref="ArgumentException">The dataset has targets, or the names are not <see cref="ClassCount"/> distinct non-empty strings.</exception>
    public Dataset WithClassNames(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (_labels is null) throw new ArgumentException("Only a dataset with class labels has class names.", nameof(classNames));
        var encoder = new LabelEncoder(classNames);
        if (encoder.ClassCount != ClassCount)
            throw new ArgumentException($"{encoder.ClassCount} class names were given ({encoder.Describe()}), but the dataset has {ClassCount} classes.", nameof(classNames));
        return new Dataset(this, _features, _labels, ClassCount, null, 0, classNames: [.. classNames]);
    }

    /// <summary>The same samples with the features named <paramref name="featureNames"/> (e.g. CSV columns).</summary>
    /// <exception cref="ArgumentException">There are not <see cref="SampleSize"/> names, or a name is null.</exception>
    public Dataset WithFeatureNames(IReadOnlyList<string> featureNames)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        if (featureNames.Count != SampleSize)
            throw new ArgumentException($"{featureNames.Count} feature names were given, but samples have {SampleSize} features.", nameof(featureNames));
        for (int i = 0; i < featureNames.Count; i++)
        {
            if (featureNames[i] is null) throw new ArgumentException($"Feature name {i} is null.", nameof(featureNames));
        }
        return new Dataset(this, _features, _labels, ClassCount, _targets, TargetSize, featureNames: [.. featureNames]);
    }

    /// <summary>The same labels or targets with other features of the same shape; used by the feature scalers.</summary>
    internal Dataset WithFeatures(float[] features) => new(this, features, _labels, ClassCount, _targets, TargetSize);

    /// <summary>The same features and labels with other targets of the same size; used by <see cref="TargetScaling"/>.</summary>
    internal Dataset WithTargets(float[] targets) => new(this, _features, null, 0, targets, TargetSize);

    /// <summary>A one-line description, e.g. <c>Dataset: 150 samples of [4], 3 classes (setosa, versicolor, virginica)</c>.</summary>
    public override string ToString() =>
        $"Dataset: {Count} samples of [{string.Join(", ", _sampleShape)}], "
        + (HasLabels ? $"{ClassCount} classes{DescribeClassNames()}" : $"{TargetSize} targets each");

    private string DescribeClassNames() => _classNames is null ? "" : $" ({string.Join(", ", _classNames)})";

    /// <summary>0 .. count-1 shuffled with stream 0 of <paramref name="seed"/>.</summary>
    internal static int[] Permutation(int count, int seed)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        new SeededRandom(seed).Shuffle(order.AsSpan());
        return order;
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Sample index {index} is outside [0, {Count}).");
        return index;
    }

    private static int CheckShape(int[] sampleShape)
    {
        if (sampleShape.Length == 0) throw new ArgumentException("The sample shape needs at least one dimension, e.g. [784] or [1, 28, 28].", nameof(sampleShape));
        long size = 1;
        foreach (int dimension in sampleShape)
        {
            if (dimension < 1)
                throw new ArgumentException($"Sample shape [{string.Join(", ", sampleShape)}] has a dimension {dimension}; every dimension must be at least 1.", nameof(sampleShape));
            size *= dimension;
            if (size > Array.MaxLength)
                throw new ArgumentException($"Sample shape [{string.Join(", ", sampleShape)}] has more elements than an array can hold.", nameof(sampleShape));
        }
        return (int)size;
    }

    private static void CheckFeatureLength(float[] features, int count, int sampleSize, int[] sampleShape, string what)
    {
        if (features.Length != (long)count * sampleSize)
            throw new ArgumentException(
                $"features has {features.Length} floats, but {what} with sample shape [{string.Join(", ", sampleShape)}] ({sampleSize} floats each) need exactly {(long)count * sampleSize}.",
                nameof(features));
    }

    private static void CheckFinite(float[] values, int perSample, string argument, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException(
                    $"{char.ToUpperInvariant(what[0])}{what[1..]} {i % perSample} of sample {i / perSample} is {values[i].ToString(CultureInfo.InvariantCulture)}; {argument} must be finite.", argument);
        }
    }
}
