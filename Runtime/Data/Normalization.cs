using System;
using System.Globalization;

namespace Myelin.Data;

/// <summary>Which features share one mean and one standard deviation in a <see cref="Normalization"/>.</summary>
public enum NormalizationScope
{
    /// <summary>One mean and std for every feature, like <c>transforms.Normalize((0.1307,), (0.3081,))</c> on MNIST.</summary>
    Scalar,

    /// <summary>One mean and std per channel, the first dimension of the sample shape (channels, height, width), like torchvision's <c>Normalize</c> on RGB images.</summary>
    PerChannel,

    /// <summary>One mean and std per feature, like scikit-learn's <c>StandardScaler</c>.</summary>
    PerFeature,
}

/// <summary>
/// Standardisation <c>x' = (x - mean) / std</c>, with the statistics either given (<see cref="Scalar"/>,
/// <see cref="PerChannel"/>, <see cref="PerFeature"/>) or fitted on training data (<see cref="Fit"/>) and then applied
/// unchanged to validation and test data. Transforming returns a new dataset; nothing is changed in place.
/// </summary>
/// <example>
/// <code>
/// var scaler = Normalization.Fit(train);        // per-feature mean and std of the training data only
/// var trainScaled = scaler.Transform(train);
/// var testScaled = scaler.Transform(test);       // the training statistics, not the test set's
/// var mnist = Normalization.Scalar(Mnist.PixelMean, Mnist.PixelStd).Transform(digits);
/// </code>
/// </example>
public sealed class Normalization : IFeatureScaler
{
    private readonly float[] _mean; // one per group: 1, channel count or feature count values
    private readonly float[] _std;

    private Normalization(NormalizationScope scope, float[] mean, float[] std)
    {
        if (mean.Length != std.Length)
            throw new ArgumentException($"mean has {mean.Length} values but std has {std.Length}; they need one each per {Describe(scope)}.", nameof(std));
        if (mean.Length == 0) throw new ArgumentException($"A {scope} normalization needs at least one mean and std.", nameof(mean));
        for (int i = 0; i < mean.Length; i++)
        {
            if (!float.IsFinite(mean[i])) throw new ArgumentException($"mean[{i}] is {mean[i].ToString(CultureInfo.InvariantCulture)}; it must be finite.", nameof(mean));
            if (!(std[i] > 0) || !float.IsFinite(std[i])) throw new ArgumentException($"std[{i}] is {std[i].ToString(CultureInfo.InvariantCulture)}; it must be positive and finite.", nameof(std));
        }
        Scope = scope;
        _mean = mean;
        _std = std;
    }

    /// <summary>Which features share a mean and std.</summary>
    public NormalizationScope Scope { get; }

    /// <summary>The means: one value (<see cref="NormalizationScope.Scalar"/>), one per channel or one per feature.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>The standard deviations, laid out as <see cref="Mean"/>; all positive.</summary>
    public ReadOnlySpan<float> Std => _std;

    /// <summary><c>(x - mean) / std</c> for every feature, e.g. <c>Scalar(0.5f, 0.5f)</c> maps [0, 1] to [-1, 1].</summary>
    public static Normalization Scalar(float mean, float std) => new(NormalizationScope.Scalar, [mean], [std]);

    /// <summary><c>(x - mean[c]) / std[c]</c> for every feature of channel <c>c</c> (the first dimension of the sample shape).</summary>
    public static Normalization PerChannel(ReadOnlySpan<float> mean, ReadOnlySpan<float> std) =>
        new(NormalizationScope.PerChannel, mean.ToArray(), std.ToArray());

    /// <summary><c>(x - mean[f]) / std[f]</c> for feature <c>f</c>, e.g. with statistics saved from an earlier <see cref="Fit"/>.</summary>
    public static Normalization PerFeature(ReadOnlySpan<float> mean, ReadOnlySpan<float> std) =>
        new(NormalizationScope.PerFeature, mean.ToArray(), std.ToArray());

    /// <summary>
    /// Fits the mean and the population standard deviation (divided by n, as scikit-learn's <c>StandardScaler</c> and
    /// NumPy's default) of each group of features in <paramref name="data"/>, accumulated in double with two passes.
    /// A group whose values are all equal gets std 1 instead of 0, so it is centred and not divided by zero.
    /// </summary>
    public static Normalization Fit(Dataset data, NormalizationScope scope = NormalizationScope.PerFeature)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException("Cannot fit a normalization on an empty dataset.", nameof(data));

        int groups = GroupCount(scope, data.SampleShape[0], data.SampleSize);
        var (mean, std) = MeanAndStd(data.Features, data.SampleSize, groups, GroupWidth(scope, data.SampleSize, groups));
        return new Normalization(scope, mean, std);
    }

    /// <summary>
    /// The mean and population standard deviation of each group of <paramref name="values"/>, accumulated in double
    /// with two passes; a group whose values are all equal gets std 1. Element <c>i</c> of a row of
    /// <paramref name="rowSize"/> belongs to group <c>i / groupWidth</c>.
    /// </summary>
    internal static (float[] Mean, float[] Std) MeanAndStd(ReadOnlySpan<float> values, int rowSize, int groups, int groupWidth)
    {
        var sum = new double[groups];
        var count = new long[groups];
        for (int i = 0; i < values.Length; i++)
        {
            int g = i % rowSize / groupWidth;
            sum[g] += values[i];
            count[g]++;
        }
        var mean = new double[groups];
        for (int g = 0; g < groups; g++) mean[g] = sum[g] / count[g];

        var squares = new double[groups];
        for (int i = 0; i < values.Length; i++)
        {
            int g = i % rowSize / groupWidth;
            double d = values[i] - mean[g];
            squares[g] += d * d;
        }

        var meanF = new float[groups];
        var stdF = new float[groups];
        for (int g = 0; g < groups; g++)
        {
            meanF[g] = (float)mean[g];
            float std = (float)Math.Sqrt(squares[g] / count[g]);
            stdF[g] = std > 0 ? std : 1f;
        }
        return (meanF, stdF);
    }

    /// <inheritdoc />
    public int? FeatureCount => Scope == NormalizationScope.PerFeature ? _mean.Length : null;

    /// <summary>A new dataset with every feature standardised and the same labels or targets.</summary>
    /// <exception cref="ArgumentException">The dataset's shape does not match the statistics (feature or channel count).</exception>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data.SampleShape[0], data.SampleSize);
        var features = data.Features.ToArray();
        Apply(features, data.SampleSize);
        return data.WithFeatures(features);
    }

    /// <summary>
    /// Standardises raw samples in place, e.g. an input before <see cref="INetwork.Forward(ReadOnlySpan{float}, Span{float})"/>.
    /// </summary>
    /// <param name="samples">Whole samples of <paramref name="sampleSize"/> floats each.</param>
    /// <param name="sampleSize">Floats per sample. For <see cref="NormalizationScope.PerChannel"/> the channels are
    /// equal consecutive blocks of each sample (channels first).</param>
    public void TransformInPlace(Span<float> samples, int sampleSize)
    {
        if (sampleSize < 1 || samples.Length % sampleSize != 0)
            throw new ArgumentException($"samples has {samples.Length} floats, which is not a whole number of samples of {sampleSize} floats.", nameof(samples));
        int channels = Scope == NormalizationScope.PerChannel ? _mean.Length : 1;
        CheckShape(channels, sampleSize);
        Apply(samples, sampleSize);
    }

    private void Apply(Span<float> values, int sampleSize)
    {
        int groupWidth = GroupWidth(Scope, sampleSize, _mean.Length);
        for (int i = 0; i < values.Length; i++)
        {
            int g = i % sampleSize / groupWidth;
            values[i] = (values[i] - _mean[g]) / _std[g];
        }
    }

    private void CheckShape(int firstDimension, int sampleSize)
    {
        switch (Scope)
        {
            case NormalizationScope.PerFeature when sampleSize != _mean.Length:
                throw new ArgumentException($"This normalization has statistics for {_mean.Length} features, but the samples have {sampleSize}.");
            case NormalizationScope.PerChannel when firstDimension != _mean.Length:
                throw new ArgumentException($"This normalization has statistics for {_mean.Length} channels, but the samples have {firstDimension} channels in their first dimension.");
            case NormalizationScope.PerChannel when sampleSize % _mean.Length != 0:
                throw new ArgumentException($"Samples of {sampleSize} floats cannot be split into {_mean.Length} equal channels.");
        }
    }

    private static int GroupCount(NormalizationScope scope, int channels, int sampleSize) => scope switch
    {
        NormalizationScope.Scalar => 1,
        NormalizationScope.PerChannel => channels,
        NormalizationScope.PerFeature => sampleSize,
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown normalization scope."),
    };

    // Features per group: a whole sample (scalar), a channel's height x width block, or one feature.
    private static int GroupWidth(NormalizationScope scope, int sampleSize, int groups) => scope switch
    {
        NormalizationScope.Scalar => sampleSize,
        NormalizationScope.PerChannel => sampleSize / groups,
        _ => 1,
    };

    private static string Describe(NormalizationScope scope) => scope switch
    {
        NormalizationScope.Scalar => "normalization",
        NormalizationScope.PerChannel => "channel",
        _ => "feature",
    };
}
