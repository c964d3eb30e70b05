using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

public sealed class CheckpointMismatchTests
{
    private static string SaveStandard(TempDirectory directory, int seed = 1)
    {
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(seed), path);
        return path;
    }

    /// <summary>The standard table without batch norm's weight and bias, and with two extra tensors.</summary>
    private static FakeNetwork OtherNetwork() => new(
    [
        ("dense.weight", [3, 4], TensorKind.Parameter),
        ("dense.bias", [3], TensorKind.Parameter),
        ("head.weight", [2, 3], TensorKind.Parameter),
        ("head.bias", [2], TensorKind.Parameter),
        ("bn1.running_mean", [3], TensorKind.Buffer),
        ("bn1.running_var", [3], TensorKind.Buffer),
        ("bn1.num_batches_tracked", [], TensorKind.Counter),
    ]);

    [Fact]
    public void A_strict_load_lists_every_missing_and_every_unexpected_key_and_changes_nothing()
    {
        using var directory = new TempDirectory();
        string path = SaveStandard(directory);
        var network = OtherNetwork();
        network.InitializeParameters(5);
        var before = (network.ParameterSnapshot, network.BufferSnapshot);

        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(network, path));

        Assert.Equal(["head.weight", "head.bias"], error.MissingKeys);
        Assert.Equal(["bn1.weight", "bn1.bias"], error.UnexpectedKeys);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Missing keys (in the network, not in the checkpoint): \"head.weight\", \"head.bias\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"bn1.weight\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"bn1.bias\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("strict: false", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.ParameterSnapshot, network.ParameterSnapshot);
        Assert.Equal(before.BufferSnapshot, network.BufferSnapshot);
    }

    [Fact]
    public void A_non_strict_load_fills_the_matching_tensors_and_reports_the_rest_like_PyTorch()
    {
        using var directory = new TempDirectory();
        string path = SaveStandard(directory, seed: 11);
        var saved = FakeNetwork.Standard(11);
        var network = OtherNetwork();
        network.InitializeParameters(5);
        float[] headBefore = network.Values("head.weight");

        var result = Checkpoint.Load(network, path, strict: false);

        Assert.Equal(["head.weight", "head.bias"], result.MissingKeys);
        Assert.Equal(["bn1.weight", "bn1.bias"], result.UnexpectedKeys);
        Assert.Equal(["dense.weight", "dense.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"], result.LoadedKeys);
        foreach (string name in result.LoadedKeys) Assert.Equal(saved.Values(name), network.Values(name));
        Assert.Equal(headBefore, network.Values("head.weight"));
        Assert.False(result.AllKeysMatched);
        Assert.StartsWith("IncompatibleKeys(missing_keys=[head.weight, head.bias]", result.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_shape_mismatch_is_an_error_naming_the_tensor_and_both_shapes_even_when_not_strict(bool strict)
    {
        using var directory = new TempDirectory();
        string path = SaveStandard(directory);
        var network = new FakeNetwork(
        [
            ("dense.weight", [4, 3], TensorKind.Parameter),
            ("dense.bias", [3], TensorKind.Parameter),
            ("bn1.weight", [3], TensorKind.Parameter),
            ("bn1.bias", [3], TensorKind.Parameter),
            ("bn1.running_mean", [3, 1], TensorKind.Buffer),
            ("bn1.running_var", [3], TensorKind.Buffer),
            ("bn1.num_batches_tracked", [], TensorKind.Counter),
        ]);
        network.InitializeParameters(3);
        var before = network.ParameterSnapshot;

        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(network, path, strict));

        Assert.Equal(2, error.Mismatches.Count);
        Assert.Contains("size mismatch for dense.weight: the checkpoint has shape [3, 4], the network expects [4, 3].", error.Message, StringComparison.Ordinal);
        Assert.Contains("size mismatch for bn1.running_mean: the checkpoint has shape [3], the network expects [3, 1].", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(FakeNetwork), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, network.ParameterSnapshot);
    }

    [Fact]
    public void A_dtype_mismatch_names_the_tensor_and_both_dtypes()
    {
        using var directory = new TempDirectory();
        var source = FakeNetwork.Standard(2);
        var writer = new SafeTensorsWriter();
        foreach (var tensor in source.Tensors.Where(t => t.Name != "dense.bias" && t.Kind != TensorKind.Counter))
            writer.AddFloats(tensor.Name, source.Values(tensor.Name), tensor.Shape.Select(d => (long)d).ToArray());
        writer.Add("dense.bias", SafeTensorsDType.F16, [3], new byte[6]);
        writer.Add("bn1.num_batches_tracked", SafeTensorsDType.F64, [], new byte[8]);
        string path = directory.File("half.safetensors");
        writer.Save(path);
        var network = FakeNetwork.Standard(3);
        var before = network.ParameterSnapshot;

        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(network, path));

        Assert.Contains("dtype mismatch for dense.bias: the checkpoint has F16, the network expects F32.", error.Message, StringComparison.Ordinal);
        Assert.Contains("dtype mismatch for bn1.num_batches_tracked: the checkpoint has F64, the network expects I64 (or I32 or F32).", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, network.ParameterSnapshot);
    }

    [Fact]
    public void A_corrupt_file_is_reported_and_leaves_the_network_unchanged()
    {
        using var directory = new TempDirectory();
        string path = SaveStandard(directory);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^2]);
        var network = FakeNetwork.Standard(4);
        var before = (network.ParameterSnapshot, network.BufferSnapshot);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(network, path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.ParameterSnapshot, network.ParameterSnapshot);
        Assert.Equal(before.BufferSnapshot, network.BufferSnapshot);
    }
}
