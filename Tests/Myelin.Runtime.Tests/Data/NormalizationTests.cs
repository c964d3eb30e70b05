using Myelin.Data;

namespace Myelin.Tests.Data;

public sealed class NormalizationTests
{
    /// <summary><paramref name="count"/> samples of <paramref name="shape"/> with feature f drawn around 3 f with spread 1 + f.</summary>
    private static Dataset Random(int count, int[] shape, int seed)
    {
        int size = shape.Aggregate(1, (a, b) => a * b);
        var random = new SeededRandom(seed);
        var features = new float[count * size];
        for (int i = 0; i < features.Length; i++)
        {
            int f = i % size;
            features[i] = (float)(3 * f + (1 + f) * random.NextGaussian());
        }
        return new Dataset(features, shape, new int[count], classCount: 1);
    }

    /// <summary>Mean and population std of the features selected by <paramref name="inGroup"/>, in double.</summary>
    private static (double Mean, double Std) Reference(Dataset data, Func<int, bool> inGroup)
    {
        var values = new List<double>();
        for (int i = 0; i < data.Features.Length; i++)
        {
            if (inGroup(i % data.SampleSize)) values.Add(data.Features[i]);
        }
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
        return (mean, std);
    }

    [Fact]
    public void Fit_per_feature_matches_a_double_precision_mean_and_population_std()
    {
        Dataset train = Random(200, [5], seed: 1);

        Normalization scaler = Normalization.Fit(train);

        Assert.Equal(NormalizationScope.PerFeature, scaler.Scope);
        Assert.Equal(5, scaler.Mean.Length);
        for (int f = 0; f < 5; f++)
        {
            var (mean, std) = Reference(train, feature => feature == f);
            // Both are rounded once from double to float: half an ulp, well under 1e-6 relative.
            Assert.Equal(mean, scaler.Mean[f], Math.Abs(mean) * 1e-6 + 1e-7);
            Assert.Equal(std, scaler.Std[f], std * 1e-6);
        }
    }

    [Fact]
    public void Transform_applies_the_training_statistics_to_other_data_like_a_double_reference()
    {
        Dataset train = Random(200, [4], seed: 2);
        Dataset test = Random(50, [4], seed: 3);
        Normalization scaler = Normalization.Fit(train);

        Dataset scaled = scaler.Transform(test);

        for (int i = 0; i < test.Features.Length; i++)
        {
            var (mean, std) = Reference(train, feature => feature == i % 4);
            double expected = (test.Features[i] - mean) / std;
            // Float arithmetic on values of magnitude up to ~20: allow 1e-5 absolute.
            Assert.Equal(expected, scaled.Features[i], 1e-5);
        }
    }

    [Fact]
    public void Standardised_training_data_has_zero_mean_and_unit_std_per_feature()
    {
        Dataset train = Random(300, [3], seed: 4);

        Dataset scaled = Normalization.Fit(train).Transform(train);

        for (int f = 0; f < 3; f++)
        {
            var (mean, std) = Reference(scaled, feature => feature == f);
            Assert.Equal(0, mean, 1e-5);
            Assert.Equal(1, std, 1e-5);
        }
    }

    [Fact]
    public void A_constant_feature_gets_std_one_and_is_only_centred()
    {
        var data = new Dataset([2, 5, 2, 7, 2, 9], [2], [0, 0, 0], classCount: 1);

        Normalization scaler = Normalization.Fit(data);
        Dataset scaled = scaler.Transform(data);

        Assert.Equal(2f, scaler.Mean[0]);
        Assert.Equal(1f, scaler.Std[0]);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(0f, scaled.Sample(i)[0]));
        Assert.All(scaled.Features.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Scalar_normalization_with_the_MNIST_statistics_matches_a_double_reference()
    {
        Dataset pixels = new([0f, 0.1307f, 0.5f, 1f], [4], [0], classCount: 1);

        Dataset scaled = Normalization.Scalar(Mnist.PixelMean, Mnist.PixelStd).Transform(pixels);

        for (int i = 0; i < 4; i++)
        {
            double expected = (pixels.Features[i] - 0.1307) / 0.3081;
            Assert.Equal(expected, scaled.Features[i], 1e-6);
        }
    }

    [Fact]
    public void Scalar_normalization_one_half_maps_the_unit_interval_to_minus_one_to_one()
    {
        Dataset pixels = new([0f, 0.25f, 1f], [3], [0], classCount: 1);

        Dataset scaled = Normalization.Scalar(0.5f, 0.5f).Transform(pixels);

        Assert.Equal(new[] { -1f, -0.5f, 1f }, scaled.Features.ToArray());
    }

    [Fact]
    public void Fit_per_channel_pools_each_channel_of_a_channels_first_image()
    {
        Dataset images = Random(40, [3, 2, 2], seed: 5);

        Normalization scaler = Normalization.Fit(images, NormalizationScope.PerChannel);
        Dataset scaled = scaler.Transform(images);

        Assert.Equal(3, scaler.Mean.Length);
        for (int c = 0; c < 3; c++)
        {
            var (mean, std) = Reference(images, feature => feature / 4 == c);
            Assert.Equal(mean, scaler.Mean[c], Math.Abs(mean) * 1e-6 + 1e-7);
            Assert.Equal(std, scaler.Std[c], std * 1e-6);
            for (int i = 0; i < images.Features.Length; i++)
            {
                if (i % 12 / 4 == c) Assert.Equal((images.Features[i] - mean) / std, scaled.Features[i], 1e-5);
            }
        }
    }

    [Fact]
    public void Fit_scalar_computes_one_mean_and_std_over_every_feature()
    {
        Dataset data = Random(30, [4], seed: 6);

        Normalization scaler = Normalization.Fit(data, NormalizationScope.Scalar);

        var (mean, std) = Reference(data, _ => true);
        Assert.Equal(mean, scaler.Mean[0], Math.Abs(mean) * 1e-6);
        Assert.Equal(std, scaler.Std[0], std * 1e-6);
    }

    [Fact]
    public void Transform_returns_a_new_dataset_and_leaves_the_input_and_labels_alone()
    {
        var data = new Dataset([1, 2, 3, 4], [2], [1, 0], classCount: 2);
        float[] before = data.Features.ToArray();

        Dataset scaled = Normalization.Scalar(1, 2).Transform(data);

        Assert.Equal(before, data.Features.ToArray());
        Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f }, scaled.Features.ToArray());
        Assert.Equal(new[] { 1, 0 }, scaled.Labels.ToArray());
        Assert.Equal(2, scaled.ClassCount);
    }

    [Fact]
    public void TransformInPlace_standardises_raw_samples_for_inference()
    {
        Normalization scaler = Normalization.PerFeature([1f, 10f], [2f, 5f]);
        float[] samples = [3, 20, 1, 0];

        scaler.TransformInPlace(samples, sampleSize: 2);

        Assert.Equal(new[] { 1f, 2f, 0f, -2f }, samples);
    }

    [Fact]
    public void Statistics_for_another_shape_are_rejected_with_both_sizes()
    {
        Normalization scaler = Normalization.Fit(Random(10, [3], seed: 7));
        Dataset other = Random(10, [4], seed: 8);

        var error = Assert.Throws<ArgumentException>(() => scaler.Transform(other));
        var channels = Assert.Throws<ArgumentException>(() => Normalization.PerChannel([0f, 0f], [1f, 1f]).Transform(Random(2, [3, 2], seed: 9)));

        Assert.Contains("3 features", error.Message);
        Assert.Contains("have 4", error.Message);
        Assert.Contains("2 channels", channels.Message);
        Assert.Contains("3 channels", channels.Message);
    }

    [Fact]
    public void A_non_positive_std_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => Normalization.Scalar(0, 0));

        Assert.Contains("std[0] is 0", error.Message);
        Assert.Throws<ArgumentException>(() => Normalization.PerFeature([0f, 1f], [1f]));
    }
}
