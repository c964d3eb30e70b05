using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

public sealed class SafeTensorsFileTests
{
    [Fact]
    public void An_open_file_keeps_reading_its_own_contents_when_a_new_checkpoint_replaces_it()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var first = FakeNetwork.Standard(1);
        Checkpoint.Save(first, path);

        using var file = SafeTensorsFile.Open(path);
        Checkpoint.Save(FakeNetwork.Standard(2), path);

        Assert.Equal(first.Values("dense.weight"), file.ReadFloats("dense.weight"));
        Assert.Equal(first.Values("bn1.running_var"), file.ReadFloats("bn1.running_var"));
    }

    [Fact]
    public void Lookups_and_reads_name_the_file_and_the_tensor_when_they_cannot_be_served()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        var file = SafeTensorsFile.Open(path);

        var missing = Assert.Throws<KeyNotFoundException>(() => file.ReadFloats("dense.kernel"));
        Assert.Contains($"'{path}' has no tensor named 'dense.kernel'", missing.Message, StringComparison.Ordinal);
        var wrongSize = Assert.Throws<ArgumentException>(() => file.ReadFloats("dense.bias", new float[4]));
        Assert.Contains("Tensor 'dense.bias'", wrongSize.Message, StringComparison.Ordinal);
        Assert.Contains("has 3 elements, but the destination holds 4", wrongSize.Message, StringComparison.Ordinal);
        Assert.True(file.Contains("dense.bias"));
        Assert.Equal(8 + file.HeaderLength + file.DataLength, new FileInfo(path).Length);

        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadBytes("dense.bias"));
    }

    [Fact]
    public void Reading_a_large_half_precision_tensor_in_chunks_gives_every_element()
    {
        // 100,000 halves span several 64 KiB conversion chunks; element i holds the integer i % 2048, exact in F16.
        const int count = 100_000;
        var bytes = new byte[2 * count];
        for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (Half)(i % 2048));
        using var directory = new TempDirectory();
        string path = directory.File("halves.safetensors");
        new SafeTensorsWriter().Add("h", SafeTensorsDType.F16, [count], bytes).Save(path);

        using var file = SafeTensorsFile.Open(path);
        float[] values = file.ReadFloats("h");

        Assert.Equal(count, values.Length);
        for (int i = 0; i < count; i++) Assert.Equal(i % 2048, values[i]);
    }
}
