using Myelin.Data;

namespace Myelin.Tests.Data;

/// <summary>Shuffled, stratified and positional splits, on class-sorted data like most public CSV files.</summary>
public sealed class SplitTests
{
    /// <summary>Samples sorted by class: <paramref name="perClass"/>[c] samples of class c, feature 0 = the sample's index.</summary>
    private static Dataset ClassSorted(params int[] perClass)
    {
        var labels = new List<int>();
        for (int c = 0; c < perClass.Length; c++) labels.AddRange(Enumerable.Repeat(c, perClass[c]));
        var features = labels.Select((_, i) => (float)i).ToArray();
        return new Dataset(features, [1], labels.ToArray(), perClass.Length).WithClassNames(perClass.Select((_, c) => "class" + c).ToArray());
    }

    private static int[] Indices(Dataset part) => part.Features.ToArray().Select(f => (int)f).ToArray();

    [Fact]
    public void A_stratified_split_keeps_every_class_share_in_both_parts()
    {
        var data = ClassSorted(50, 50, 50);

        var (train, test) = data.Split(0.8, seed: 7, stratify: true);

        Assert.Equal(new[] { 40, 40, 40 }, train.ClassCounts());
        Assert.Equal(new[] { 10, 10, 10 }, test.ClassCounts());
        Assert.Equal(Enumerable.Range(0, 150), Indices(train).Concat(Indices(test)).Order());
        Assert.Equal(data.ClassNames, train.ClassNames);
        // Shuffled, not class-sorted: the training part does not start with a run of one class.
        Assert.Contains(train.Labels[..10].ToArray(), label => label != train.Label(0));
    }

    [Fact]
    public void Stratified_counts_add_up_to_the_rounded_first_part_with_largest_remainders()
    {
        // 7, 3 and 1 samples at 0.5: exact shares 3.5, 1.5 and 0.5 of a first part of round(5.5) = 6.
        var (first, second) = ClassSorted(7, 3, 1).Split(0.5, seed: 1, stratify: true);

        Assert.Equal(6, first.Count);
        Assert.Equal(5, second.Count);
        // Floors 3, 1, 0 leave 2; the remainders tie at 0.5, so the larger classes get them first.
        Assert.Equal(new[] { 4, 2, 0 }, first.ClassCounts());
    }

    [Theory]
    [InlineData(new[] { 13, 29, 8 }, 0.7)]
    [InlineData(new[] { 1, 1, 1, 97 }, 0.25)]
    [InlineData(new[] { 5 }, 0.33)]
    [InlineData(new[] { 0, 12, 0, 3 }, 0.9)]
    public void Stratified_quotas_match_a_reference_allocation(int[] perClass, double fraction)
    {
        int total = perClass.Sum();
        int first = (int)Math.Round(total * fraction, MidpointRounding.AwayFromZero);

        int[] quota = Dataset.StratifiedQuotas(perClass, first, total);

        // Reference: exact shares in double, floors, then the largest fractional parts (ties: larger class, lower index).
        double[] exact = perClass.Select(n => (double)n * first / total).ToArray();
        int[] expected = exact.Select(e => (int)Math.Floor(e)).ToArray();
        var order = Enumerable.Range(0, perClass.Length)
            .OrderByDescending(c => exact[c] - Math.Floor(exact[c])).ThenByDescending(c => perClass[c]).ThenBy(c => c).ToArray();
        for (int i = 0; expected.Sum() < first; i++) expected[order[i]]++;
        Assert.Equal(expected, quota);
        Assert.Equal(first, quota.Sum());
        Assert.All(Enumerable.Range(0, perClass.Length), c => Assert.InRange(quota[c], 0, perClass[c]));
    }

    [Fact]
    public void The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        var data = ClassSorted(30, 30);

        var (a, _) = data.Split(0.8, seed: 3, stratify: true);
        var (b, _) = data.Split(0.8, seed: 3, stratify: true);
        var (c, _) = data.Split(0.8, seed: 4, stratify: true);

        Assert.Equal(Indices(a), Indices(b));
        Assert.NotEqual(Indices(a), Indices(c));
    }

    [Fact]
    public void A_split_without_a_seed_is_shuffled_with_seed_0_and_never_takes_the_tail()
    {
        var data = ClassSorted(50, 50, 50);

        var (train, test) = data.Split(0.8);

        Assert.Equal(Indices(data.Split(0.8, seed: 0).Second), Indices(test));
        Assert.All(train.ClassCounts(), count => Assert.True(count > 0));
        Assert.NotEqual(Enumerable.Range(120, 30), Indices(test));
    }

    [Fact]
    public void Stratifying_float_targets_is_refused_with_advice()
    {
        var data = ClassSorted(4, 4).ToBinaryTargets();

        var error = Assert.Throws<ArgumentException>(() => data.Split(0.5, seed: 1, stratify: true));

        Assert.Contains("Split before ToBinaryTargets()", error.Message);
    }

    [Fact]
    public void A_positional_split_that_holds_out_a_whole_class_is_refused()
    {
        var data = ClassSorted(50, 50, 50);

        var ordered = Assert.Throws<InvalidOperationException>(() => data.SplitOrdered(0.6));
        var keras = Assert.Throws<InvalidOperationException>(() => data.SplitValidation(0.4));

        Assert.Contains("SplitOrdered(0.6) splits by position, and all 50 samples of class 2 ('class2') fall in the held-out part", ordered.Message);
        Assert.Contains("SplitValidation(0.4)", keras.Message);
        Assert.Contains("stratify: true", keras.Message);
    }

    [Fact]
    public void A_positional_split_that_keeps_every_class_in_training_is_allowed()
    {
        var interleaved = new Dataset([0, 1, 2, 3, 4, 5], [1], [0, 1, 0, 1, 0, 1], 2);

        var (train, validation) = interleaved.SplitValidation(0.5);

        Assert.Equal(new[] { 0f, 1f, 2f }, train.Features.ToArray());
        Assert.Equal(new[] { 3f, 4f, 5f }, validation.Features.ToArray());
    }

    [Fact]
    public void Binary_targets_come_from_two_class_labels_as_one_float_column()
    {
        var data = ClassSorted(2, 3);

        var binary = data.ToBinaryTargets();

        Assert.Equal(1, binary.TargetSize);
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, 1f }, binary.Targets.ToArray());
        Assert.Equal(data.Features.ToArray(), binary.Features.ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => ClassSorted(1, 1, 1).ToBinaryTargets());
        Assert.Contains("needs two classes, but this dataset has 3 (class0, class1, class2)", error.Message);
    }

    [Fact]
    public void Subsets_and_slices_keep_the_names_and_remapping_drops_the_class_names()
    {
        var data = ClassSorted(2, 2).WithFeatureNames(["index"]);

        Assert.Equal(data.ClassNames, data.Subset([3, 0]).ClassNames);
        Assert.Equal(["index"], data.Slice(1, 2).FeatureNames!);
        Assert.Null(data.RemapLabels(l => 1 - l, 2).ClassNames);
        Assert.Equal(["index"], data.RemapLabels(l => 1 - l, 2).FeatureNames!);
    }
}
