using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>
/// A NaN or an infinity in a checkpoint makes a network useless, so loading refuses it by default and names the first
/// bad tensor and element, and saving a network that holds one is refused the same way.
/// </summary>
public sealed class NonFiniteValueTests
{
    [Fact]
    public void Loading_a_checkpoint_with_a_NaN_weight_names_the_tensor_and_element_and_leaves_the_network_unchanged()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        CheckpointPatch.SetFloat(path, "dense.weight", 6, float.NaN); // [3, 4]: row 1, column 2
        var network = FakeNetwork.Standard(2);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(network, path));

        Assert.Equal(
            $"'{path}' holds a non-finite value: tensor 'dense.weight' is NaN at [1, 2] (element 6 of 12). The checkpoint was saved from a diverged network or is damaged; load it with allowNonFinite: true to inspect it anyway.",
            error.Message);
        Assert.Equal(FakeNetwork.Standard(2).ParameterSnapshot, network.ParameterSnapshot);
    }

    [Fact]
    public void Loading_names_the_first_non_finite_value_in_tensor_order_even_in_a_buffer()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        CheckpointPatch.SetFloat(path, "bn1.running_var", 2, float.NegativeInfinity);
        CheckpointPatch.SetFloat(path, "bn1.running_mean", 1, float.PositiveInfinity);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(FakeNetwork.Standard(2), path));

        Assert.Contains("tensor 'bn1.running_mean' is Infinity at [1] (element 1 of 3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saving_a_network_with_an_infinite_weight_is_refused_and_writes_nothing()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var network = FakeNetwork.Standard(1);
        network.Parameters[network.Find("bn1.bias").Offset + 2] = float.PositiveInfinity;

        var error = Assert.Throws<ArgumentException>(() => Checkpoint.Save(network, path));

        Assert.StartsWith(
            "FakeNetwork holds a non-finite value: tensor 'bn1.bias' is Infinity at [2] (element 2 of 3). A network with NaN or infinite values cannot be used, so it is not saved; pass allowNonFinite: true to save it anyway.",
            error.Message, StringComparison.Ordinal);
        Assert.Equal("network", error.ParamName);
        Assert.Empty(directory.FileNames);
    }

    [Fact]
    public void Saving_a_training_state_whose_optimizer_moments_hold_NaN_is_refused_and_writes_nothing()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var optimizer = new FakeOptimizer("Adam");
        optimizer.State = optimizer.State with { Tensors = new Dictionary<string, float[]> { ["dense.bias.exp_avg"] = [0.5f, float.NaN, 1f] } };

        var error = Assert.Throws<ArgumentException>(() =>
            Checkpoint.SaveTrainingState(FakeNetwork.Standard(1), optimizer, path, new TrainingProgress(1, 4, 0)));

        Assert.StartsWith("The Adam optimizer state holds a non-finite value: tensor 'dense.bias.exp_avg' is NaN at [1] (element 1 of 3).", error.Message, StringComparison.Ordinal);
        Assert.Empty(directory.FileNames);
    }

    [Fact]
    public void Loading_a_training_state_whose_optimizer_file_holds_NaN_is_refused_and_changes_nothing()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var saved = new FakeOptimizer("Adam");
        saved.State = saved.State with { Tensors = new Dictionary<string, float[]> { ["dense.bias.exp_avg"] = [0.5f, 0.25f, 1f] } };
        Checkpoint.SaveTrainingState(FakeNetwork.Standard(1), saved, path, new TrainingProgress(1, 4, 0));
        string optimizerPath = Checkpoint.OptimizerStatePath(path);
        CheckpointPatch.SetFloat(optimizerPath, "dense.bias.exp_avg", 0, float.NaN);
        var network = FakeNetwork.Standard(2);
        var optimizer = new FakeOptimizer("Adam");

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadTrainingState(network, optimizer, path));

        Assert.StartsWith($"'{optimizerPath}' holds a non-finite value: tensor 'dense.bias.exp_avg' is NaN at [0] (element 0 of 3).", error.Message, StringComparison.Ordinal);
        Assert.Equal(FakeNetwork.Standard(2).ParameterSnapshot, network.ParameterSnapshot);
        Assert.Empty(optimizer.State.Tensors);
    }

    [Fact]
    public void With_allowNonFinite_a_diverged_network_saves_and_loads_with_its_NaN_intact()
    {
        using var directory = new TempDirectory();
        string path = directory.File("diverged.safetensors");
        var network = FakeNetwork.Standard(1);
        network.Parameters[3] = float.NaN;
        network.Buffers[0] = float.NegativeInfinity;

        Checkpoint.Save(network, path, allowNonFinite: true);
        var loaded = FakeNetwork.Standard(2);
        Checkpoint.Load(loaded, path, allowNonFinite: true);

        Assert.True(float.IsNaN(loaded.Parameters[3]));
        Assert.Equal(float.NegativeInfinity, loaded.Buffers[0]);
        Assert.Equal(network.ParameterSnapshot.Select(BitConverter.SingleToInt32Bits), loaded.ParameterSnapshot.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(new float[] { 1, 2, 3 }, -1)]
    [InlineData(new float[] { float.NaN }, 0)]
    [InlineData(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, float.NegativeInfinity, 19, float.PositiveInfinity }, 17)]
    [InlineData(new float[] { 0, float.MaxValue, float.MinValue, float.Epsilon, -0f, float.PositiveInfinity }, 5)]
    public void The_first_non_finite_value_is_found_with_or_without_SIMD_lanes(float[] values, int expected)
    {
        // The reference is the scalar definition: the first index whose value is not finite.
        int reference = Array.FindIndex(values, v => !float.IsFinite(v));
        Assert.Equal(expected, reference);
        Assert.Equal(reference, Checkpoint.FirstNonFinite(values));
    }
}
