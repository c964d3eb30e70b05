using Myelin.Data;

namespace Myelin.Tests.Data;

/// <summary>Min-max and target scaling against double-precision references, and the preprocessing that travels with a model.</summary>
public sealed class PreprocessingTests
{
    private static Dataset Regression(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 3];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            for (int f = 0; f < 3; f++) features[i * 3 + f] = (float)(random.NextGaussian() * (f + 1) * 10 + f * 100);
            targets[i] = (float)(250_000 + 40_000 * random.NextGaussian());
        }
        return new Dataset(features, [3], targets, 1).WithFeatureNames(["rooms", "area", "age"]);
    }

    private static Dataset Classes() =>
        new Dataset([1, 10, 2, 20, 3, 30, 4, 40], [2], [0, 1, 1, 0], 2).WithClassNames(["benign", "malignant"]).WithFeatureNames(["a", "b"]);

    [Fact]
    public void Min_max_scaling_matches_a_double_reference_and_maps_the_fitted_range_to_the_target_range()
    {
        var data = Regression(50, seed: 1);

        var scaler = MinMaxScaling.Fit(data, low: -1, high: 1);
        var scaled = scaler.Transform(data);

        for (int f = 0; f < 3; f++)
        {
            double min = Enumerable.Range(0, data.Count).Min(i => (double)data.Sample(i)[f]);
            double max = Enumerable.Range(0, data.Count).Max(i => (double)data.Sample(i)[f]);
            for (int i = 0; i < data.Count; i++)
            {
                double expected = -1 + (data.Sample(i)[f] - min) * 2 / (max - min);
                Assert.Equal(expected, scaled.Sample(i)[f], 1e-6);
            }
            Assert.Equal(-1f, Enumerable.Range(0, data.Count).Min(i => scaled.Sample(i)[f]));
            Assert.Equal(1f, Enumerable.Range(0, data.Count).Max(i => scaled.Sample(i)[f]));
        }
        Assert.Equal(data.Targets.ToArray(), scaled.Targets.ToArray());
    }

    [Fact]
    public void A_constant_feature_is_shifted_to_the_low_end_and_not_divided_by_zero()
    {
        var data = new Dataset([5, 1, 5, 2, 5, 3], [2], [0f, 1f, 2f], 1);

        var scaled = MinMaxScaling.Fit(data).Transform(data);

        Assert.Equal(new[] { 0f, 0f, 0f, 0.5f, 0f, 1f }, scaled.Features.ToArray());
    }

    [Fact]
    public void Target_scaling_standardises_with_the_population_std_and_inverts_exactly_enough()
    {
        var data = Regression(40, seed: 2);

        var scaling = TargetScaling.Fit(data);
        var scaled = scaling.Transform(data);

        double mean = data.Targets.ToArray().Average(t => (double)t);
        double std = Math.Sqrt(data.Targets.ToArray().Average(t => ((double)t - mean) * ((double)t - mean)));
        Assert.Equal(mean, scaling.Mean[0], mean * 1e-6);
        Assert.Equal(std, scaling.Std[0], std * 1e-6);
        for (int i = 0; i < data.Count; i++) Assert.Equal((data.Target(i)[0] - mean) / std, scaled.Target(i)[0], 1e-5);

        float[] back = scaled.Targets.ToArray();
        scaling.InverseTransformInPlace(back);
        for (int i = 0; i < back.Length; i++) Assert.Equal(data.Targets[i], back[i], data.Targets[i] * 1e-6f);
    }

    [Fact]
    public void Fit_uses_only_the_data_it_is_given()
    {
        var train = Regression(30, seed: 3);
        var test = Regression(30, seed: 4);

        var preprocessing = Preprocessing.Fit(train);

        var trainStatistics = Normalization.Fit(train);
        var normalization = Assert.IsType<Normalization>(preprocessing.Features);
        Assert.Equal(trainStatistics.Mean.ToArray(), normalization.Mean.ToArray());
        Assert.NotEqual(Normalization.Fit(test).Mean.ToArray(), normalization.Mean.ToArray());
        Assert.Equal(TargetScaling.Fit(train).Mean.ToArray(), preprocessing.Targets!.Mean.ToArray());
        Assert.Equal(["rooms", "area", "age"], preprocessing.FeatureNames!);
    }

    [Fact]
    public void Transform_scales_features_and_targets_and_raw_rows_scale_the_same_way()
    {
        var data = Regression(20, seed: 5);
        var preprocessing = Preprocessing.Fit(data, FeatureScaling.MinMax);

        var transformed = preprocessing.Transform(data);
        float[] rows = data.Features.ToArray();
        preprocessing.TransformFeatures(rows);

        Assert.Equal(transformed.Features.ToArray(), rows);
        Assert.Equal(preprocessing.Targets!.Transform(data).Targets.ToArray(), transformed.Targets.ToArray());
    }

    [Fact]
    public void Columns_in_another_order_are_refused()
    {
        var preprocessing = Preprocessing.Fit(Classes());
        var swapped = Classes().WithFeatureNames(["b", "a"]);

        var error = Assert.Throws<ArgumentException>(() => preprocessing.Transform(swapped));

        Assert.Contains("Feature 1 of the data is 'b', but the preprocessing was fitted with 'a' there", error.Message);
    }

    [Fact]
    public void A_classifier_preprocessing_keeps_the_class_names_and_does_not_scale_labels()
    {
        var data = Classes();

        var preprocessing = Preprocessing.Fit(data);
        var transformed = preprocessing.Transform(data);

        Assert.Equal(["benign", "malignant"], preprocessing.Classes!.Classes);
        Assert.Null(preprocessing.Targets);
        Assert.Equal(data.Labels.ToArray(), transformed.Labels.ToArray());
        Assert.Equal("malignant", preprocessing.ClassName(1));
    }

    [Theory]
    [InlineData(FeatureScaling.Standardize, false)]
    [InlineData(FeatureScaling.MinMax, false)]
    [InlineData(FeatureScaling.None, true)]
    public void Json_round_trips_every_statistic_bit_for_bit(FeatureScaling scaling, bool classifier)
    {
        var original = classifier ? Preprocessing.Fit(Classes(), scaling) : Preprocessing.Fit(Regression(25, seed: 6), scaling);

        var restored = Preprocessing.FromJson(original.ToJson(), "test");

        Assert.Equal(original.ToJson(), restored.ToJson());
        Assert.Equal(original.FeatureNames, restored.FeatureNames);
        Assert.Equal(original.Classes?.Classes, restored.Classes?.Classes);
        switch (original.Features)
        {
            case Normalization n:
                var m = Assert.IsType<Normalization>(restored.Features);
                Assert.Equal(n.Mean.ToArray(), m.Mean.ToArray());
                Assert.Equal(n.Std.ToArray(), m.Std.ToArray());
                break;
            case MinMaxScaling a:
                var b = Assert.IsType<MinMaxScaling>(restored.Features);
                Assert.Equal(a.Min.ToArray(), b.Min.ToArray());
                Assert.Equal(a.Max.ToArray(), b.Max.ToArray());
                break;
            default:
                Assert.Null(restored.Features);
                break;
        }
        if (original.Targets is { } targets)
        {
            Assert.Equal(targets.Mean.ToArray(), restored.Targets!.Mean.ToArray());
            Assert.Equal(targets.Std.ToArray(), restored.Targets.Std.ToArray());
        }
    }

    [Theory]
    [InlineData("{\"version\":2,\"feature_count\":1}", "has version 2")]
    [InlineData("{\"version\":1}", "has no 'feature_count'")]
    [InlineData("{\"version\":1,\"feature_count\":2,\"feature_names\":[\"a\"]}", "1 feature names were given for 2 features")]
    [InlineData("{\"version\":1,\"feature_count\":1,\"feature_scaling\":{\"kind\":\"robust\"}}", "unknown feature scaling 'robust'")]
    [InlineData("{\"version\":1,\"feature_count\":1,\"feature_scaling\":{\"kind\":\"standardize\",\"scope\":\"PerFeature\",\"mean\":[0],\"std\":[0]}}", "std[0] is 0")]
    [InlineData("[1,2]", "is not a JSON object")]
    [InlineData("{\"version\":", "is not a valid preprocessing")]
    public void Malformed_json_is_an_error_naming_the_source_and_the_problem(string json, string problem)
    {
        var error = Assert.Throws<InvalidDataException>(() => Preprocessing.FromJson(json, "'m.safetensors' metadata 'myelin.preprocessing'"));

        Assert.StartsWith("'m.safetensors' metadata 'myelin.preprocessing'", error.Message);
        Assert.Contains(problem, error.Message);
    }
}
