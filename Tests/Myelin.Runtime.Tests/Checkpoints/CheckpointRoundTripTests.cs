using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

public sealed class CheckpointRoundTripTests
{
    [Fact]
    public void Save_then_Load_restores_every_parameter_buffer_and_counter_bit_for_bit()
    {
        using var directory = new TempDirectory();
        var saved = FakeNetwork.Standard(seed: 1, counter: 123_456);
        // Values whose bits a lossy path would change: negative zero, the smallest subnormal, NaN with a payload.
        saved.Parameters[0] = -0f;
        saved.Parameters[1] = float.Epsilon;
        saved.Parameters[2] = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        string path = directory.File("model.safetensors");
        // The NaN is refused by default (NonFiniteValueTests); opting in must still keep its bits.
        Checkpoint.Save(saved, path, allowNonFinite: true);

        var loaded = FakeNetwork.Standard(seed: 2, counter: 0);
        var result = Checkpoint.Load(loaded, path, allowNonFinite: true);

        Assert.Equal(saved.ParameterSnapshot.Select(BitConverter.SingleToInt32Bits), loaded.ParameterSnapshot.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(saved.BufferSnapshot.Select(BitConverter.SingleToInt32Bits), loaded.BufferSnapshot.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal([123_456f], loaded.Values("bn1.num_batches_tracked"));
        Assert.True(result.AllKeysMatched);
        Assert.Equal(FakeNetwork.StandardTable.Select(t => t.Name), result.LoadedKeys);
        Assert.Equal("<All keys matched successfully>", result.ToString());
        Assert.Null(result.Progress);
    }

    [Fact]
    public void Parameters_and_buffers_are_F32_with_the_table_shape_and_the_counter_is_an_I64_scalar_as_in_PyTorch()
    {
        using var directory = new TempDirectory();
        var network = FakeNetwork.Standard(seed: 3, counter: 42);
        string path = directory.File("model.safetensors");
        Checkpoint.Save(network, path);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(network.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var tensor in network.Tensors)
        {
            var entry = file.GetTensor(tensor.Name);
            if (tensor.Kind == TensorKind.Counter)
            {
                Assert.Equal(SafeTensorsDType.I64, entry.DType);
                Assert.Empty(entry.Shape);
                Assert.Equal(42L, BitConverter.ToInt64(file.ReadBytes(tensor.Name)));
            }
            else
            {
                Assert.Equal(SafeTensorsDType.F32, entry.DType);
                Assert.Equal(tensor.Shape.Select(d => (long)d), entry.Shape);
                Assert.Equal(network.Values(tensor.Name), file.ReadFloats(tensor.Name));
            }
        }
    }

    [Fact]
    public void Metadata_holds_format_pt_the_network_type_the_runtime_version_and_the_user_entries()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(4), path, new Dictionary<string, string> { ["dataset"] = "mnist", ["note"] = "ünïcode \"quoted\" +" });

        var result = Checkpoint.Load(FakeNetwork.Standard(5), path);
        Assert.Equal("pt", result.Metadata["format"]);
        Assert.Equal(typeof(FakeNetwork).FullName, result.Metadata[CheckpointMetadata.Network]);
        Assert.Equal(Checkpoint.RuntimeVersion, result.Metadata[CheckpointMetadata.Version]);
        Assert.StartsWith("0.1.0", Checkpoint.RuntimeVersion, StringComparison.Ordinal);
        Assert.Equal("mnist", result.Metadata["dataset"]);
        Assert.Equal("ünïcode \"quoted\" +", result.Metadata["note"]);
        Assert.Equal(5, result.Metadata.Count);
    }

    [Theory]
    [InlineData("format")]
    [InlineData("myelin.epoch")]
    public void Reserved_metadata_keys_are_rejected_before_any_file_is_written(string key)
    {
        using var directory = new TempDirectory();
        var error = Assert.Throws<ArgumentException>(() =>
            Checkpoint.Save(FakeNetwork.Standard(6), directory.File("model.safetensors"), new Dictionary<string, string> { [key] = "x" }));
        Assert.Contains($"'{key}' is reserved", error.Message, StringComparison.Ordinal);
        Assert.Empty(directory.FileNames);
    }

    [Fact]
    public void A_counter_that_holds_a_fraction_is_refused_with_its_name_instead_of_being_truncated()
    {
        using var directory = new TempDirectory();
        var error = Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(FakeNetwork.Standard(7, counter: 2.5f), directory.File("m.safetensors")));
        Assert.Contains("bn1.num_batches_tracked", error.Message, StringComparison.Ordinal);
        Assert.Contains("2.5", error.Message, StringComparison.Ordinal);
        Assert.Empty(directory.FileNames);
    }

    [Theory]
    [InlineData(SafeTensorsDType.I64, new long[0])]
    [InlineData(SafeTensorsDType.I32, new long[0])]
    [InlineData(SafeTensorsDType.F32, new long[0])]
    [InlineData(SafeTensorsDType.I64, new long[] { 1 })]
    public void A_counter_loads_from_I64_I32_or_F32_and_from_a_one_element_vector_as_PyTorch_allows(SafeTensorsDType dtype, long[] shape)
    {
        using var directory = new TempDirectory();
        var source = FakeNetwork.Standard(8);
        var writer = new SafeTensorsWriter();
        foreach (var tensor in source.Tensors.Where(t => t.Kind != TensorKind.Counter))
            writer.AddFloats(tensor.Name, source.Values(tensor.Name), tensor.Shape.Select(d => (long)d).ToArray());
        byte[] counter = dtype switch
        {
            SafeTensorsDType.I64 => BitConverter.GetBytes(9L),
            SafeTensorsDType.I32 => BitConverter.GetBytes(9),
            _ => BitConverter.GetBytes(9f),
        };
        writer.Add("bn1.num_batches_tracked", dtype, shape, counter);
        string path = directory.File("m.safetensors");
        writer.Save(path);

        var target = FakeNetwork.Standard(9, counter: 0);
        Checkpoint.Load(target, path);
        Assert.Equal([9f], target.Values("bn1.num_batches_tracked"));
        Assert.Equal(source.ParameterSnapshot, target.ParameterSnapshot);
    }
}
