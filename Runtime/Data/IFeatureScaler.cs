using System;

namespace Myelin.Data;

/// <summary>
/// A feature transform fitted on training data and then applied unchanged to validation, test and new data:
/// <see cref="Normalization"/> (standardisation) or <see cref="MinMaxScaling"/>. A <see cref="Preprocessing"/> saves
/// one with the model.
/// </summary>
public interface IFeatureScaler
{
    /// <summary>The number of features the statistics are for, or null when they do not depend on it (a scalar or per-channel normalization).</summary>
    int? FeatureCount { get; }

    /// <summary>A new dataset with every feature transformed and the same labels or targets.</summary>
    /// <exception cref="ArgumentException">The dataset's shape does not fit the statistics.</exception>
    Dataset Transform(Dataset data);

    /// <summary>Transforms whole samples of <paramref name="sampleSize"/> floats each, in place.</summary>
    /// <exception cref="ArgumentException">The length or sample size does not fit the statistics.</exception>
    void TransformInPlace(Span<float> samples, int sampleSize);
}
