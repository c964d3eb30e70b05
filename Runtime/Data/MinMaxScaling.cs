using System;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// Min-max scaling of every feature to a range, <c>x' = low + (x - min) * (high - low) / (max - min)</c>, with the
/// minimum and maximum of each feature fitted on training data, like scikit-learn's <c>MinMaxScaler</c>. A feature
/// that is constant in the training data is shifted to <c>low</c> and not scaled (scikit-learn's handling of a zero
/// range). Data outside the fitted range maps outside <c>[low, high]</c>; it is not clipped.
/// </summary>
public sealed class MinMaxScaling : IFeatureScaler
{
    private readonly float[] _min;   // [features]
    private readonly float[] _max;   // [features]

    /// <summary>Creates a scaler from known statistics, e.g. ones saved from an earlier <see cref="Fit"/>.</summary>
    /// <param name="min">The minimum of each feature.</param>
    /// <param name="max">The maximum of each feature, at least its minimum.</param>
    /// <param name="low">The lower end of the target range.</param>
    /// <param name="high">The upper end of the target range, above <paramref name="low"/>.</param>
    public MinMaxScaling(ReadOnlySpan<float> min, ReadOnlySpan<float> max, float low = 0f, float high = 1f)
    {
        if (min.Length != max.Length) throw new ArgumentException($"min has {min.Length} values but max has {max.Length}; they need one each per feature.", nameof(max));
        if (min.IsEmpty) throw new ArgumentException("Min-max scaling needs at least one feature.", nameof(min));
        if (!float.IsFinite(low) || !float.IsFinite(high) || !(high > low))
            throw new ArgumentException($"The range [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}] must be finite with low below high.", nameof(high));
        for (int i = 0; i < min.Length; i++)
        {
            if (!float.IsFinite(min[i]) || !float.IsFinite(max[i]) || max[i] < min[i])
                throw new ArgumentException($"Feature {i} has min {min[i].ToString(CultureInfo.InvariantCulture)} and max {max[i].ToString(CultureInfo.InvariantCulture)}; both must be finite with min <= max.", nameof(min));
        }
        _min = min.ToArray();
        _max = max.ToArray();
        Low = low;
        High = high;
    }

    /// <summary>The minimum of each feature in the data it was fitted on.</summary>
    public ReadOnlySpan<float> Min => _min;

    /// <summary>The maximum of each feature in the data it was fitted on.</summary>
    public ReadOnlySpan<float> Max => _max;

    /// <summary>The value the minimum maps to.</summary>
    public float Low { get; }

    /// <summary>The value the maximum maps to.</summary>
    public float High { get; }

    /// <inheritdoc />
    public int? FeatureCount => _min.Length;

    /// <summary>Fits the minimum and maximum of every feature of <paramref name="data"/> (one per element of a sample).</summary>
    public static MinMaxScaling Fit(Dataset data, float low = 0f, float high = 1f)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException("Cannot fit min-max scaling on an empty dataset.", nameof(data));
        int size = data.SampleSize;
        var min = data.Sample(0).ToArray();
        var max = data.Sample(0).ToArray();
        for (int s = 1; s < data.Count; s++)
        {
            ReadOnlySpan<float> sample = data.Sample(s);
            for (int f = 0; f < size; f++)
            {
                min[f] = Math.Min(min[f], sample[f]);
                max[f] = Math.Max(max[f], sample[f]);
            }
        }
        return new MinMaxScaling(min, max, low, high);
    }

    /// <inheritdoc />
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSize(data.SampleSize);
        var features = data.Features.ToArray();
        Apply(features);
        return data.WithFeatures(features);
    }

    /// <inheritdoc />
    public void TransformInPlace(Span<float> samples, int sampleSize)
    {
        CheckSize(sampleSize);
        if (samples.Length % sampleSize != 0)
            throw new ArgumentException($"samples has {samples.Length} floats, which is not a whole number of samples of {sampleSize} floats.", nameof(samples));
        Apply(samples);
    }

    private void Apply(Span<float> values)
    {
        int size = _min.Length;
        for (int i = 0; i < values.Length; i++)
        {
            int f = i % size;
            // In double, so that the fitted minimum and maximum map to low and high up to float rounding.
            double range = (double)_max[f] - _min[f];
            double scale = range > 0 ? ((double)High - Low) / range : 1.0;
            values[i] = (float)(Low + (values[i] - (double)_min[f]) * scale);
        }
    }

    private void CheckSize(int sampleSize)
    {
        if (sampleSize != _min.Length)
            throw new ArgumentException($"This min-max scaling has statistics for {_min.Length} features, but the samples have {sampleSize}.");
    }
}
