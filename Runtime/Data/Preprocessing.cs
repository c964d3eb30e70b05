using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;

namespace Myelin.Data;

/// <summary>How <see cref="Preprocessing.Fit"/> scales features.</summary>
public enum FeatureScaling
{
    /// <summary>Features are used as they are.</summary>
    None = 0,

    /// <summary>Per-feature standardisation, <c>(x - mean) / std</c> (<see cref="Normalization"/>, scikit-learn's <c>StandardScaler</c>).</summary>
    Standardize = 1,

    /// <summary>Per-feature scaling to [0, 1] (<see cref="MinMaxScaling"/>, scikit-learn's <c>MinMaxScaler</c>).</summary>
    MinMax = 2,
}

/// <summary>
/// Everything between raw tabular rows and a network, fitted on the training split only and saved with the model:
/// the feature names (the CSV columns, in order), a feature scaler, the class names of a classifier and the target
/// scaling of a regressor. A reloaded model with its <see cref="Preprocessing"/> predicts from raw rows and answers
/// with class names or values in the original units (see <see cref="TabularModel"/>).
/// </summary>
/// <example>
/// <code>
/// var (train, test) = Csv.Load("iris.csv", "species").Split(0.8, seed: 1, stratify: true);
/// var preprocessing = Preprocessing.Fit(train);          // statistics of the training split only
/// net.Fit(preprocessing.Transform(train), options);
/// Checkpoint.Save(net, "iris.safetensors", preprocessing); // weights and preprocessing in one file
/// </code>
/// </example>
public sealed partial class Preprocessing
{
    private readonly string[]? _featureNames;

    /// <summary>Assembles a preprocessing from its parts; <see cref="Fit"/> is the usual way to get one.</summary>
    /// <param name="featureCount">The number of raw features per row, at least 1.</param>
    /// <param name="featureNames">The name of each feature (a CSV column), or null.</param>
    /// <param name="features">The feature scaler, or null to use features as they are.</param>
    /// <param name="classes">The class names of a classifier, or null.</param>
    /// <param name="targets">The target scaling of a regressor, or null.</param>
    /// <exception cref="ArgumentException">The parts disagree about the feature count, or both classes and targets are given.</exception>
    public Preprocessing(int featureCount, IReadOnlyList<string>? featureNames = null, IFeatureScaler? features = null,
        LabelEncoder? classes = null, TargetScaling? targets = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (featureNames is not null)
        {
            if (featureNames.Count != featureCount)
                throw new ArgumentException($"{featureNames.Count} feature names were given for {featureCount} features.", nameof(featureNames));
            _featureNames = new string[featureCount];
            for (int i = 0; i < featureCount; i++)
                _featureNames[i] = featureNames[i] ?? throw new ArgumentException($"Feature name {i} is null.", nameof(featureNames));
            FeatureNames = new ReadOnlyCollection<string>(_featureNames);
        }
        if (features?.FeatureCount is int scaled && scaled != featureCount)
            throw new ArgumentException($"The feature scaler has statistics for {scaled} features, but there are {featureCount}.", nameof(features));
        if (classes is not null && targets is not null)
            throw new ArgumentException("A preprocessing has class names (a classifier) or target scaling (a regressor), not both.", nameof(targets));
        FeatureCount = featureCount;
        Features = features;
        Classes = classes;
        Targets = targets;
    }

    /// <summary>The number of raw features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>The feature names in the order the network takes them, or null when unnamed.</summary>
    public IReadOnlyList<string>? FeatureNames { get; }

    /// <summary>The feature scaler, or null when features are used as they are.</summary>
    public IFeatureScaler? Features { get; }

    /// <summary>The classes of a classifier, with their names; null for a regressor or unnamed classes.</summary>
    public LabelEncoder? Classes { get; }

    /// <summary>The target scaling of a regressor; null when targets are not scaled.</summary>
    public TargetScaling? Targets { get; }

    /// <summary>
    /// Fits on <paramref name="train"/>, which should be the training split only, so that no statistic of the
    /// validation or test data leaks into training: the feature scaler, the class names
    /// (<see cref="Dataset.ClassNames"/>) and, for float targets, the target scaling.
    /// </summary>
    /// <param name="train">The training split, raw.</param>
    /// <param name="features">How to scale features; standardisation by default.</param>
    /// <param name="scaleTargets">Whether to standardise float targets (regression). Pass false for 0/1 targets of binary cross-entropy.</param>
    public static Preprocessing Fit(Dataset train, FeatureScaling features = FeatureScaling.Standardize, bool scaleTargets = true)
    {
        ArgumentNullException.ThrowIfNull(train);
        IFeatureScaler? scaler = features switch
        {
            FeatureScaling.None => null,
            FeatureScaling.Standardize => Normalization.Fit(train, NormalizationScope.PerFeature),
            FeatureScaling.MinMax => MinMaxScaling.Fit(train),
            _ => throw new ArgumentOutOfRangeException(nameof(features), features, "Unknown feature scaling."),
        };
        LabelEncoder? classes = train.ClassNames is { } names ? new LabelEncoder(names) : null;
        TargetScaling? targets = !train.HasLabels && scaleTargets ? TargetScaling.Fit(train) : null;
        return new Preprocessing(train.SampleSize, train.FeatureNames, scaler, classes, targets);
    }

    /// <summary>
    /// <paramref name="data"/> with its features scaled and, when this preprocessing scales targets and the data has
    /// targets, its targets standardised. Labels are unchanged. Checks that the features are the ones it was fitted
    /// on: the same count and, when both are named, the same names in the same order.
    /// </summary>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckFeatures(data);
        var result = Features?.Transform(data) ?? data;
        if (Targets is not null && !data.HasLabels) result = Targets.Transform(result);
        return result;
    }

    /// <summary>Scales raw rows in place, <see cref="FeatureCount"/> floats each, in the order of <see cref="FeatureNames"/>.</summary>
    public void TransformFeatures(Span<float> rows)
    {
        if (rows.Length % FeatureCount != 0)
            throw new ArgumentException($"rows has {rows.Length} floats, which is not a whole number of rows of {FeatureCount} features.", nameof(rows));
        Features?.TransformInPlace(rows, FeatureCount);
    }

    /// <summary>Maps a regressor's outputs back to the original units (nothing to do without target scaling).</summary>
    public void InverseTransformTargets(Span<float> values) => Targets?.InverseTransformInPlace(values);

    /// <summary>The name of class <paramref name="index"/>, or the index as text when the classes are unnamed.</summary>
    public string ClassName(int index) => Classes?.Decode(index) ?? index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks that this preprocessing fits <paramref name="network"/>: the network takes <see cref="FeatureCount"/>
    /// inputs, has one output per class (or one output for two classes, a binary classifier) and one per scaled target.
    /// </summary>
    /// <exception cref="ArgumentException">A count does not match; the message names both numbers.</exception>
    public void CheckFits(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        string name = network.GetType().Name;
        if (network.InputSize != FeatureCount)
            throw new ArgumentException($"{name} takes {network.InputSize} inputs, but the preprocessing produces {FeatureCount} features{DescribeNames()}.", nameof(network));
        if (Classes is { ClassCount: var classes } && network.OutputSize != classes && !(classes == 2 && network.OutputSize == 1))
            throw new ArgumentException($"{name} has {network.OutputSize} outputs, but the preprocessing has {classes} classes ({Classes.Describe()}).", nameof(network));
        if (Targets is { TargetCount: var targetCount } && network.OutputSize != targetCount)
            throw new ArgumentException($"{name} has {network.OutputSize} outputs, but the preprocessing scales {targetCount} targets.", nameof(network));
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string scaling = Features switch
        {
            null => "unscaled",
            Normalization n => $"{n.Scope} standardisation",
            MinMaxScaling m => string.Create(CultureInfo.InvariantCulture, $"min-max scaling to [{m.Low}, {m.High}]"),
            _ => Features.GetType().Name,
        };
        string output = Classes is not null ? $", classes {Classes.Describe()}" : Targets is not null ? $", {Targets.TargetCount} standardised target(s)" : "";
        return $"Preprocessing: {FeatureCount} features{DescribeNames()}, {scaling}{output}";
    }

    private void CheckFeatures(Dataset data)
    {
        if (data.SampleSize != FeatureCount)
            throw new ArgumentException($"The preprocessing was fitted on {FeatureCount} features{DescribeNames()}, but the data has {data.SampleSize}.", nameof(data));
        if (_featureNames is null || data.FeatureNames is not { } names) return;
        for (int i = 0; i < _featureNames.Length; i++)
        {
            if (!string.Equals(_featureNames[i], names[i], StringComparison.Ordinal))
                throw new ArgumentException($"Feature {i + 1} of the data is '{names[i]}', but the preprocessing was fitted with '{_featureNames[i]}' there; the columns must be the same, in the same order.", nameof(data));
        }
    }

    private string DescribeNames() => _featureNames is null ? "" : $" ({LabelEncoder.Quote(_featureNames)})";
}
