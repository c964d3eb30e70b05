using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

public sealed class AtomicSaveTests
{
    [Fact]
    public void A_failure_while_writing_leaves_the_previous_checkpoint_intact_and_no_temporary_file()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        byte[] previous = File.ReadAllBytes(path);

        var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(2), metadata: null);
        int written = 0;
        writer.AfterTensorWritten = _ =>
        {
            // Halfway through: the new bytes are in a temporary file beside the target, which is still the old one.
            if (++written < 3) return;
            Assert.Equal(2, directory.FileNames.Length);
            Assert.Equal(previous, File.ReadAllBytes(path));
            throw new IOException("disk full (injected)");
        };

        var error = Assert.Throws<IOException>(() => writer.Save(path));

        Assert.Equal("disk full (injected)", error.Message);
        Assert.Equal(["model.safetensors"], directory.FileNames);
        Assert.Equal(previous, File.ReadAllBytes(path));
        var network = FakeNetwork.Standard(3);
        Checkpoint.Load(network, path);
        Assert.Equal(FakeNetwork.Standard(1).ParameterSnapshot, network.ParameterSnapshot);
    }

    [Fact]
    public void A_failure_while_writing_a_new_checkpoint_leaves_no_file_at_all()
    {
        using var directory = new TempDirectory();
        var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(2), metadata: null);
        writer.AfterTensorWritten = name => throw new InvalidOperationException($"failed after {name} (injected)");

        Assert.Throws<InvalidOperationException>(() => writer.Save(directory.File("model.safetensors")));

        Assert.Empty(directory.FileNames);
    }

    [Fact]
    public void The_temporary_file_is_renamed_over_the_target_only_once_complete()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(4), metadata: null);
        var namesDuringWrite = new List<string[]>();
        writer.AfterTensorWritten = _ => namesDuringWrite.Add(directory.FileNames);

        writer.Save(path);

        Assert.All(namesDuringWrite, names =>
        {
            string temporary = Assert.Single(names);
            Assert.StartsWith(".model.safetensors.", temporary, StringComparison.Ordinal);
            Assert.EndsWith(".tmp", temporary, StringComparison.Ordinal);
        });
        Assert.Equal(["model.safetensors"], directory.FileNames);
    }

    [Fact]
    public void Saving_into_a_directory_that_does_not_exist_names_it_and_creates_nothing()
    {
        using var directory = new TempDirectory();
        string missing = Path.Combine(directory.Path, "no", "such");
        var error = Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(FakeNetwork.Standard(1), Path.Combine(missing, "model.safetensors")));

        Assert.Contains($"the directory '{missing}' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public void Saving_over_a_longer_file_replaces_it_completely()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        File.WriteAllBytes(path, new byte[100_000]);

        Checkpoint.Save(FakeNetwork.Standard(5), path);

        var network = FakeNetwork.Standard(6);
        Checkpoint.Load(network, path);
        Assert.Equal(FakeNetwork.Standard(5).ParameterSnapshot, network.ParameterSnapshot);
        Assert.True(new FileInfo(path).Length < 1000);
    }
}
