namespace Myelin.Integration.Tests;

/// <summary>Generated networks reject bad arguments with messages that name the network, the argument and the numbers.</summary>
public sealed class BadInputTests
{
    private readonly NoisyClassifier _net = new(seed: 1, maxBatchSize: 8);

    [Fact]
    public void An_input_of_the_wrong_length_names_the_expected_count()
    {
        var error = Assert.Throws<ArgumentException>(() => _net.Forward(new float[19], new float[4]));
        Assert.Equal("input", error.ParamName);
        Assert.StartsWith("NoisyClassifier: input has 19 floats, but a batch of 1 needs exactly 20 (1 x 20 per sample).", error.Message);
    }

    [Fact]
    public void A_batch_larger_than_the_capacity_says_how_to_grow_it()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _net.Forward(new float[9 * 20], new float[9 * 4], 9));
        Assert.Contains("a batch of 9 exceeds MaxBatchSize 8", error.Message);
        Assert.Contains("EnsureBatchCapacity(9)", error.Message);

        _net.EnsureBatchCapacity(9);
        _net.Forward(new float[9 * 20], new float[9 * 4], 9);
        Assert.Equal(9, _net.MaxBatchSize);
    }

    [Fact]
    public void A_label_outside_the_classes_names_its_position_and_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _net.ForwardBackward(new float[3 * 20], new[] { 0, 3, 4 }, 3));
        Assert.Contains("label 4 at batch index 2 is not a class index in [0, 4)", error.Message);
    }

    [Fact]
    public void Labels_that_do_not_match_the_batch_size_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => _net.ForwardBackward(new float[3 * 20], new[] { 0, 1 }, 3));
        Assert.Contains("labels has 2 entries, but a batch of 3 needs exactly 3", error.Message);
    }

    [Fact]
    public void Float_targets_for_a_cross_entropy_network_through_the_interface_point_to_the_label_overload()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ((ITrainableNetwork)_net).ForwardBackward(new float[20], new float[4], 1));
        Assert.Contains("takes class-index labels, not float targets", error.Message);
    }

    [Fact]
    public void An_output_span_that_is_too_small_names_what_the_batch_produces()
    {
        var error = Assert.Throws<ArgumentException>(() => _net.Forward(new float[2 * 20], new float[7], 2));
        Assert.Equal("outputs", error.ParamName);
        Assert.Contains("has room for 7 floats, but a batch of 2 produces 8", error.Message);
    }

    [Fact]
    public void Targets_of_the_wrong_length_for_a_regression_network_are_rejected()
    {
        var regressor = new Regressor(seed: 1, maxBatchSize: 4);
        var error = Assert.Throws<ArgumentException>(() => regressor.ForwardBackward(new float[2 * 3], new float[3], 2));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("targets has 3 floats, but a batch of 2 needs exactly 4", error.Message);
    }

    [Fact]
    public void A_layer_index_out_of_range_names_the_range()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _net.SetTrainable(5, false));
        Assert.Contains("layer index 5 is not in [0, 5)", error.Message);
    }
}
