using Myelin.Data;

namespace Myelin.Tests.Data;

public sealed class DatasetTests
{
    /// <summary>
    /// <paramref name="count"/> samples of shape [2, 3] whose features encode their index (feature f of sample i is
    /// 100 i + f) and whose label is i mod <paramref name="classes"/>, so every test can tell which sample went where.
    /// </summary>
    internal static Dataset Numbered(int count, int classes = 10)
    {
        var features = new float[count * 6];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            for (int f = 0; f < 6; f++) features[i * 6 + f] = 100 * i + f;
            labels[i] = i % classes;
        }
        return new Dataset(features, [2, 3], labels, classes);
    }

    /// <summary>As <see cref="Numbered"/>, with the sample's index as its one float target instead of a label.</summary>
    internal static Dataset NumberedTargets(int count)
    {
        var data = Numbered(count);
        var targets = new float[count];
        for (int i = 0; i < count; i++) targets[i] = i;
        return new Dataset(data.Features.ToArray(), [2, 3], targets, targetSize: 1);
    }

    /// <summary>The index a <see cref="Numbered"/> sample was created with.</summary>
    internal static int IndexOf(ReadOnlySpan<float> sample) => (int)(sample[0] / 100);

    [Fact]
    public void A_classification_dataset_exposes_its_samples_labels_and_shape()
    {
        Dataset data = Numbered(5, classes: 3);

        Assert.Equal(5, data.Count);
        Assert.Equal([2, 3], data.SampleShape);
        Assert.Equal(6, data.SampleSize);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal(0, data.TargetSize);
        Assert.True(data.HasLabels);
        Assert.Equal(new float[] { 300, 301, 302, 303, 304, 305 }, data.Sample(3).ToArray());
        Assert.Equal(1, data.Label(4));
        Assert.Equal(new[] { 2, 2, 1 }, data.ClassCounts());
        Assert.Equal("Dataset: 5 samples of [2, 3], 3 classes", data.ToString());
    }

    [Fact]
    public void A_target_dataset_exposes_its_targets_and_refuses_labels()
    {
        var data = new Dataset([1, 2, 3, 4], [2], [0.5f, -1f, 2f, 3f], targetSize: 2);

        Assert.Equal(2, data.Count);
        Assert.False(data.HasLabels);
        Assert.Equal(0, data.ClassCount);
        Assert.Equal(2, data.TargetSize);
        Assert.Equal(new[] { 2f, 3f }, data.Target(1).ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => data.Labels.Length);
        Assert.Contains("float targets", error.Message);
    }

    [Fact]
    public void A_label_dataset_refuses_targets_and_suggests_one_hot()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Numbered(3).Targets.Length);

        Assert.Contains("ToOneHot", error.Message);
    }

    [Fact]
    public void A_feature_count_that_does_not_match_the_labels_and_shape_is_an_error_with_both_numbers()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset(new float[10], [2, 3], [0, 1], 2));

        Assert.Contains("features has 10 floats", error.Message);
        Assert.Contains("2 labels", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("exactly 12", error.Message);
    }

    [Fact]
    public void A_target_count_that_is_not_a_whole_number_of_samples_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset(new float[4], [2], new float[3], targetSize: 2));

        Assert.Contains("targets has 3 floats", error.Message);
        Assert.Contains("2 targets each", error.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_is_an_error_naming_the_sample()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[3], [1], [0, 4, 1], classCount: 3));

        Assert.Contains("Label 4 of sample 1", error.Message);
        Assert.Contains("[0, 3)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[1], [1], [-1], classCount: 3));
    }

    [Fact]
    public void A_NaN_or_infinite_feature_is_an_error_naming_the_sample_and_feature()
    {
        float[] features = [0, 1, 2, 3, float.NaN, 5];
        float[] infinite = [0, 1, 2, float.PositiveInfinity, 4, 5];

        var nan = Assert.Throws<ArgumentException>(() => new Dataset(features, [3], [0, 1], 2));
        var inf = Assert.Throws<ArgumentException>(() => new Dataset(infinite, [3], new float[2], 1));

        Assert.Contains("Feature 1 of sample 1 is NaN", nan.Message);
        Assert.Contains("Feature 0 of sample 1 is Infinity", inf.Message);
    }

    [Fact]
    public void A_NaN_target_is_an_error_naming_the_sample_and_target()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset(new float[2], [1], [0f, 1f, 2f, float.NaN], targetSize: 2));

        Assert.Contains("Target 1 of sample 1 is NaN", error.Message);
    }

    [Fact]
    public void A_sample_shape_with_a_zero_dimension_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset([], [3, 0], Array.Empty<int>(), 2));

        Assert.Contains("[3, 0]", error.Message);
    }

    [Fact]
    public void Subset_gathers_samples_in_the_given_order_with_their_labels()
    {
        Dataset data = Numbered(10, classes: 10);

        Dataset subset = data.Subset([7, 2, 7]);

        Assert.Equal(3, subset.Count);
        Assert.Equal([7, 2, 7], Enumerable.Range(0, 3).Select(i => IndexOf(subset.Sample(i))));
        Assert.Equal(new[] { 7, 2, 7 }, subset.Labels.ToArray());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([1, 10]));
        Assert.Contains("index 10 at position 1", error.Message);
    }

    [Fact]
    public void Slice_copies_a_contiguous_range_and_rejects_one_that_does_not_fit()
    {
        Dataset data = Numbered(10);

        Dataset slice = data.Slice(3, 4);

        Assert.Equal([3, 4, 5, 6], Enumerable.Range(0, 4).Select(i => IndexOf(slice.Sample(i))));
        Assert.Equal(new[] { 3, 4, 5, 6 }, slice.Labels.ToArray());
        Assert.Equal(0, data.Slice(10, 0).Count);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => data.Slice(8, 3));
        Assert.Contains("Slice(8, 3)", error.Message);
    }

    [Fact]
    public void SplitOrdered_is_by_position()
    {
        var (first, second) = Numbered(10, classes: 1).SplitOrdered(0.7);

        Assert.Equal([0, 1, 2, 3, 4, 5, 6], Enumerable.Range(0, first.Count).Select(i => IndexOf(first.Sample(i))));
        Assert.Equal([7, 8, 9], Enumerable.Range(0, second.Count).Select(i => IndexOf(second.Sample(i))));
    }

    [Fact]
    public void Split_rounds_the_first_part_to_the_nearest_sample()
    {
        // 100 * 0.29 is 28.999999999999996 in double; flooring would give 28.
        var (first, second) = Numbered(100).Split(0.29);

        Assert.Equal(29, first.Count);
        Assert.Equal(71, second.Count);
    }

    [Fact]
    public void Split_shuffles_deterministically_into_disjoint_parts_that_cover_everything()
    {
        Dataset data = Numbered(50);

        var (first, second) = data.Split(0.8, seed: 3);
        var (again, _) = data.Split(0.8, seed: 3);
        var (other, _) = data.Split(0.8, seed: 4);

        int[] firstIndices = Enumerable.Range(0, first.Count).Select(i => IndexOf(first.Sample(i))).ToArray();
        int[] secondIndices = Enumerable.Range(0, second.Count).Select(i => IndexOf(second.Sample(i))).ToArray();
        Assert.Equal(40, firstIndices.Length);
        Assert.Equal(Enumerable.Range(0, 50), firstIndices.Concat(secondIndices).Order());
        Assert.NotEqual(Enumerable.Range(0, 40), firstIndices);
        Assert.Equal(first.Features, again.Features);
        Assert.NotEqual(first.Features.ToArray(), other.Features.ToArray());
        // Labels travel with their samples.
        for (int i = 0; i < first.Count; i++) Assert.Equal(firstIndices[i] % 10, first.Label(i));
    }

    [Fact]
    public void SplitValidation_holds_out_the_last_fraction_like_Keras()
    {
        foreach (var (count, fraction) in new[] { (10, 0.25), (100, 0.29), (7, 0.5), (10_000, 0.2), (3, 0.0), (3, 1.0) })
        {
            var (train, validation) = NumberedTargets(count).SplitValidation(fraction);

            // Keras: split_at = int(num_samples * (1 - validation_split)), computed here in the same double arithmetic.
            int splitAt = (int)Math.Floor(count * (1.0 - fraction));
            Assert.Equal(splitAt, train.Count);
            Assert.Equal(count - splitAt, validation.Count);
            if (validation.Count > 0) Assert.Equal(splitAt, IndexOf(validation.Sample(0)));
        }
    }

    [Fact]
    public void Fractions_outside_zero_to_one_are_rejected()
    {
        Dataset data = Numbered(4);

        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.SplitValidation(-0.1));
    }

    [Fact]
    public void Shuffle_permutes_the_samples_with_their_labels_and_depends_only_on_the_seed()
    {
        Dataset data = Numbered(30, classes: 7);

        Dataset a = data.Shuffle(11);
        Dataset b = data.Shuffle(11);
        Dataset c = data.Shuffle(12);

        int[] order = Enumerable.Range(0, 30).Select(i => IndexOf(a.Sample(i))).ToArray();
        Assert.Equal(Enumerable.Range(0, 30), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 30), order);
        Assert.Equal(order.Select(i => i % 7), a.Labels.ToArray());
        Assert.Equal(a.Features, b.Features);
        Assert.NotEqual(a.Features.ToArray(), c.Features.ToArray());
        // The documented order: Fisher–Yates driven by SeededRandom(seed).
        int[] expected = Enumerable.Range(0, 30).ToArray();
        new SeededRandom(11).Shuffle(expected.AsSpan());
        Assert.Equal(expected, order);
        // The source is untouched.
        Assert.Equal(Enumerable.Range(0, 30), Enumerable.Range(0, 30).Select(i => IndexOf(data.Sample(i))));
    }

    [Fact]
    public void Filtering_digits_five_to_nine_and_remapping_them_gives_classes_zero_to_four()
    {
        Dataset digits = Numbered(40, classes: 10);

        Dataset upper = digits.FilterLabels(label => label >= 5).RemapLabels(label => label - 5, classCount: 5);

        Assert.Equal(20, upper.Count);
        Assert.Equal(5, upper.ClassCount);
        for (int i = 0; i < upper.Count; i++)
        {
            int original = IndexOf(upper.Sample(i));
            Assert.True(original % 10 >= 5);
            Assert.Equal(original % 10 - 5, upper.Label(i));
        }
        Assert.Equal(new[] { 4, 4, 4, 4, 4 }, upper.ClassCounts());
    }

    [Fact]
    public void RemapLabels_rejects_a_mapping_outside_the_new_classes()
    {
        var error = Assert.Throws<ArgumentException>(() => Numbered(10).RemapLabels(label => label, classCount: 5));

        Assert.Contains("label 5 of sample 5 to 5", error.Message);
        Assert.Contains("[0, 5)", error.Message);
    }

    [Fact]
    public void ToOneHot_turns_labels_into_one_hot_targets()
    {
        Dataset data = Numbered(4, classes: 3).ToOneHot();

        Assert.False(data.HasLabels);
        Assert.Equal(3, data.TargetSize);
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0 }, data.Targets.ToArray());
    }
}
