using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>
/// A save replaces only a regular file. Anything else at the path (a device, a named pipe, a socket, a folder) is
/// refused before a byte is written, and left exactly as it was. A symbolic link is written through: its target is
/// replaced atomically and the link stays a link.
/// </summary>
public sealed class SaveTargetTests
{
    [Fact]
    public void Saving_to_a_device_node_is_refused_and_the_node_stays_a_device()
    {
        using var directory = new TempDirectory();
        string device = SpecialFiles.CharacterDevice(directory.Path);

        var error = Assert.Throws<IOException>(() => Checkpoint.Save(FakeNetwork.Standard(1), device));

        Assert.Equal($"Cannot write '{device}': it is a character device; only a regular file is replaced.", error.Message);
        Assert.True(SpecialFiles.IsCharacterDevice(device));
        Assert.DoesNotContain(directory.FileNames, name => name.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void Saving_to_a_named_pipe_is_refused_without_blocking_and_the_pipe_stays()
    {
        using var directory = new TempDirectory();
        string pipe = directory.File("model.safetensors");
        SpecialFiles.MakeFifo(pipe);

        var error = Assert.Throws<IOException>(() => Checkpoint.Save(FakeNetwork.Standard(1), pipe));

        Assert.Equal($"Cannot write '{pipe}': it is a named pipe (FIFO); only a regular file is replaced.", error.Message);
        Assert.True(SpecialFiles.IsFifo(pipe));
        Assert.Equal(["model.safetensors"], directory.FileNames);
    }

    [Fact]
    public void Saving_to_a_socket_is_refused_and_the_socket_stays()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        using var socket = SpecialFiles.BindSocket(path);

        var error = Assert.Throws<IOException>(() => Checkpoint.Save(FakeNetwork.Standard(1), path));

        Assert.Equal($"Cannot write '{path}': it is a socket; only a regular file is replaced.", error.Message);
        Assert.True(SpecialFiles.IsSocket(path));
        Assert.Equal(["model.safetensors"], directory.FileNames);
    }

    [Fact]
    public void Saving_to_a_folder_is_refused_naming_it_and_the_folder_keeps_its_files()
    {
        using var directory = new TempDirectory();
        string folder = directory.File("model.safetensors");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");

        var error = Assert.Throws<IOException>(() => Checkpoint.Save(FakeNetwork.Standard(1), folder));

        Assert.Equal($"Cannot write '{folder}': it is a folder; only a regular file is replaced.", error.Message);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.Empty(directory.FileNames);
    }

    [Fact]
    public void Saving_through_a_symbolic_link_replaces_its_target_and_keeps_the_link()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(directory.File("run7"));
        string target = directory.File(Path.Combine("run7", "model.safetensors"));
        string link = directory.File("latest.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), target);
        File.CreateSymbolicLink(link, target);

        Checkpoint.Save(FakeNetwork.Standard(2), link);

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        var loaded = FakeNetwork.Standard(3);
        Checkpoint.Load(loaded, target);
        Assert.Equal(FakeNetwork.Standard(2).ParameterSnapshot, loaded.ParameterSnapshot);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(directory.File("run7")).Select(Path.GetFileName));
    }

    [Fact]
    public void Saving_through_a_dangling_symbolic_link_creates_its_target()
    {
        using var directory = new TempDirectory();
        string target = directory.File("real.safetensors");
        string link = directory.File("link.safetensors");
        File.CreateSymbolicLink(link, target);

        Checkpoint.Save(FakeNetwork.Standard(4), link);

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        var loaded = FakeNetwork.Standard(5);
        Checkpoint.Load(loaded, target);
        Assert.Equal(FakeNetwork.Standard(4).ParameterSnapshot, loaded.ParameterSnapshot);
    }

    [Fact]
    public void Saving_through_a_symbolic_link_to_a_named_pipe_is_refused_naming_both()
    {
        using var directory = new TempDirectory();
        string pipe = directory.File("pipe");
        string link = directory.File("model.safetensors");
        SpecialFiles.MakeFifo(pipe);
        File.CreateSymbolicLink(link, pipe);

        var error = Assert.Throws<IOException>(() => Checkpoint.Save(FakeNetwork.Standard(1), link));

        Assert.Equal($"Cannot write '{link}': it is a symbolic link to '{pipe}', which is a named pipe (FIFO); only a regular file is replaced.", error.Message);
        Assert.True(SpecialFiles.IsFifo(pipe));
        Assert.Equal(pipe, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void A_training_state_whose_optimizer_file_would_land_on_a_folder_changes_neither_file()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        Directory.CreateDirectory(Checkpoint.OptimizerStatePath(path));
        var optimizer = new FakeOptimizer("Adam");

        var error = Assert.Throws<IOException>(() =>
            Checkpoint.SaveTrainingState(FakeNetwork.Standard(1), optimizer, path, new TrainingProgress(1, 10, 0)));

        Assert.Contains("it is a folder", error.Message, StringComparison.Ordinal);
        Assert.Empty(directory.FileNames);
    }
}
