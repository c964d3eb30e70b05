using System;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// Standardisation of regression targets, <c>y' = (y - mean) / std</c> per target column, fitted on the training
/// targets: a network trained with mean squared error on house prices in dollars learns far better on standardised
/// targets. <see cref="InverseTransformInPlace"/> maps the network's outputs back to the original units.
/// </summary>
public sealed class TargetScaling
{
    private readonly float[] _mean;   // [targets]
    private readonly float[] _std;    // [targets]

    /// <summary>Creates a scaling from known statistics, e.g. ones saved with a model.</summary>
    /// <param name="mean">The mean of each target column.</param>
    /// <param name="std">The standard deviation of each target column; positive.</param>
    public TargetScaling(ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        if (mean.Length != std.Length) throw new ArgumentException($"mean has {mean.Length} values but std has {std.Length}; they need one each per target.", nameof(std));
        if (mean.IsEmpty) throw new ArgumentException("Target scaling needs at least one target.", nameof(mean));
        for (int i = 0; i < mean.Length; i++)
        {
            if (!float.IsFinite(mean[i])) throw new ArgumentException($"mean[{i}] is {mean[i].ToString(CultureInfo.InvariantCulture)}; it must be finite.", nameof(mean));
            if (!(std[i] > 0) || !float.IsFinite(std[i])) throw new ArgumentException($"std[{i}] is {std[i].ToString(CultureInfo.InvariantCulture)}; it must be positive and finite.", nameof(std));
        }
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>The mean of each target column.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>The standard deviation of each target column (population, as NumPy's default); 1 for a constant column.</summary>
    public ReadOnlySpan<float> Std => _std;

    /// <summary>The number of target columns.</summary>
    public int TargetCount => _mean.Length;

    /// <summary>Fits the mean and population standard deviation of each target column of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The dataset has class labels, or no samples.</exception>
    public static TargetScaling Fit(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.HasLabels) throw new ArgumentException("Target scaling is for float targets, but the dataset has class labels.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("Cannot fit target scaling on an empty dataset.", nameof(data));
        var (mean, std) = Normalization.MeanAndStd(data.Targets, data.TargetSize, data.TargetSize, groupWidth: 1);
        return new TargetScaling(mean, std);
    }

    /// <summary>A new dataset with the same features and every target standardised.</summary>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.HasLabels) throw new ArgumentException("Target scaling is for float targets, but the dataset has class labels.", nameof(data));
        CheckSize(data.TargetSize);
        var targets = data.Targets.ToArray();
        for (int i = 0; i < targets.Length; i++)
        {
            int t = i % _mean.Length;
            targets[i] = (targets[i] - _mean[t]) / _std[t];
        }
        return data.WithTargets(targets);
    }

    /// <summary>Maps standardised values (a network's outputs, <see cref="TargetCount"/> per sample) back to the original units: <c>y = y' * std + mean</c>.</summary>
    public void InverseTransformInPlace(Span<float> values)
    {
        if (values.Length % _mean.Length != 0)
            throw new ArgumentException($"values has {values.Length} floats, which is not a whole number of samples of {_mean.Length} targets.", nameof(values));
        for (int i = 0; i < values.Length; i++)
        {
            int t = i % _mean.Length;
            values[i] = values[i] * _std[t] + _mean[t];
        }
    }

    private void CheckSize(int targetSize)
    {
        if (targetSize != _mean.Length)
            throw new ArgumentException($"This target scaling has statistics for {_mean.Length} targets, but the samples have {targetSize}.");
    }
}
