using Myelin.Checkpoints;
using Myelin.Tests.Checkpoints;

namespace Myelin.Tests.Core;

/// <summary>The in-memory state dictionary: by PyTorch name, validated as file checkpoints are.</summary>
public sealed class NetworkStateTests
{
    [Fact]
    public void GetTensor_is_a_view_of_the_network_by_PyTorch_name()
    {
        var network = FakeNetwork.Standard(seed: 1);

        Span<float> weight = network.GetTensor("dense.weight");
        weight[5] = 42f;

        Assert.Equal(12, weight.Length);
        Assert.Equal(42f, network.Values("dense.weight")[5]);
        Assert.Equal(network.Values("bn1.running_var"), network.GetTensor("bn1.running_var").ToArray());
        Assert.Equal([7f], network.GetTensor("bn1.num_batches_tracked").ToArray());
    }

    [Fact]
    public void An_unknown_name_lists_the_tensors_there_are()
    {
        var network = FakeNetwork.Standard(seed: 1);

        var error = Assert.Throws<KeyNotFoundException>(() => network.GetTensor("dense1.weight"));

        Assert.Contains("FakeNetwork has no tensor named 'dense1.weight'", error.Message);
        Assert.Contains("dense.weight, dense.bias, bn1.weight", error.Message);
    }

    [Fact]
    public void SetTensor_copies_checked_values()
    {
        var network = FakeNetwork.Standard(seed: 1);

        network.SetTensor("dense.bias", [1f, 2f, 3f]);

        Assert.Equal(new[] { 1f, 2f, 3f }, network.Values("dense.bias"));
    }

    [Theory]
    [InlineData("dense.bias", new[] { 1f, 2f }, "'dense.bias' has shape [3] (3 elements), but 2 values were given")]
    [InlineData("dense.bias", new[] { 1f, float.NaN, 3f }, "value 1 of dense.bias is NaN; every value must be finite")]
    [InlineData("bn1.num_batches_tracked", new[] { 2.5f }, "counter bn1.num_batches_tracked is 2.5; it must be a non-negative whole number")]
    public void SetTensor_refuses_a_wrong_count_or_a_bad_value_and_changes_nothing(string name, float[] values, string problem)
    {
        var network = FakeNetwork.Standard(seed: 1);
        float[] before = network.ParameterSnapshot.Concat(network.BufferSnapshot).ToArray();

        var error = Assert.Throws<ArgumentException>(() => network.SetTensor(name, values));

        Assert.Contains(problem, error.Message);
        Assert.Equal(before, network.ParameterSnapshot.Concat(network.BufferSnapshot));
    }

    [Fact]
    public void ExportState_then_LoadState_copies_every_tensor_in_order()
    {
        var source = FakeNetwork.Standard(seed: 1, counter: 12);
        var target = FakeNetwork.Standard(seed: 2);

        var state = source.ExportState();
        var result = target.LoadState(state);

        Assert.Equal(source.Tensors.Select(t => t.Name), state.Keys);
        Assert.Equal([3, 4], state["dense.weight"].Shape);
        Assert.Empty(state["bn1.num_batches_tracked"].Shape);
        Assert.Equal(source.ParameterSnapshot, target.ParameterSnapshot);
        Assert.Equal(source.BufferSnapshot, target.BufferSnapshot);
        Assert.True(result.AllKeysMatched);
        Assert.Equal(source.Tensors.Select(t => t.Name), result.LoadedKeys);
    }

    [Fact]
    public void The_exported_state_is_a_copy()
    {
        var network = FakeNetwork.Standard(seed: 1);

        var state = network.ExportState();
        state["dense.bias"].Values[0] = 1000f;

        Assert.NotEqual(1000f, network.Values("dense.bias")[0]);
    }

    [Fact]
    public void Strict_loading_lists_every_problem_and_writes_nothing()
    {
        var network = FakeNetwork.Standard(seed: 1);
        float[] before = network.ParameterSnapshot;
        var state = FakeNetwork.Standard(seed: 2).ExportState().ToDictionary();
        state.Remove("bn1.bias");
        state["head.weight"] = new TensorData([2], [1f, 2f]);
        state["dense.weight"] = new TensorData([4, 3], new float[12]);
        state["bn1.weight"] = new TensorData([3], [1f, float.PositiveInfinity, 1f]);

        var error = Assert.Throws<CheckpointMismatchException>(() => network.LoadState(state));

        Assert.Contains("size mismatch for dense.weight: the state has shape [4, 3], the network expects [3, 4]", error.Message);
        Assert.Contains("value 1 of bn1.weight is Infinity; every value must be finite", error.Message);
        Assert.Equal(["bn1.bias"], error.MissingKeys);
        Assert.Equal(["head.weight"], error.UnexpectedKeys);
        Assert.Equal(before, network.ParameterSnapshot);
    }

    [Fact]
    public void Non_strict_loading_loads_the_matches_and_reports_the_rest()
    {
        var network = FakeNetwork.Standard(seed: 1);
        var source = FakeNetwork.Standard(seed: 2);
        var state = source.ExportState().ToDictionary();
        state.Remove("dense.bias");
        state["extra"] = new TensorData([1], [0f]);
        state["bn1.num_batches_tracked"] = new TensorData([1], [3f]); // the [1] shape of old PyTorch checkpoints

        var result = network.LoadState(state, strict: false);

        Assert.Equal(["dense.bias"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        Assert.Equal(source.Values("dense.weight"), network.Values("dense.weight"));
        Assert.NotEqual(source.Values("dense.bias"), network.Values("dense.bias"));
        Assert.Equal([3f], network.Values("bn1.num_batches_tracked"));
    }

    [Fact]
    public void A_shape_mismatch_is_an_error_even_when_not_strict()
    {
        var network = FakeNetwork.Standard(seed: 1);
        var state = new Dictionary<string, TensorData> { ["dense.bias"] = new TensorData([1, 3], [1f, 2f, 3f]) };

        var error = Assert.Throws<CheckpointMismatchException>(() => network.LoadState(state, strict: false));

        Assert.Contains("size mismatch for dense.bias", error.Message);
    }

    [Fact]
    public void Tensor_data_checks_its_shape_against_its_values()
    {
        var error = Assert.Throws<ArgumentException>(() => new TensorData([2, 3], new float[5]));

        Assert.Contains("Shape [2, 3] holds 6 elements, but 5 values were given", error.Message);
    }
}
