using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>
/// For every step of a save at which the disk can fail (creating, writing, flushing, renaming the temporary file), and
/// for a full disk, the previous checkpoint survives byte for byte, no stray file remains, and the error names the
/// path the caller gave, never the temporary file.
/// </summary>
public sealed class FaultInjectionTests
{
    public static TheoryData<SaveStep> Steps => new(Enum.GetValues<SaveStep>());

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_failure_at_each_step_of_a_save_leaves_the_previous_checkpoint_intact_and_no_stray_file(SaveStep step)
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        byte[] previous = File.ReadAllBytes(path);
        var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(2), metadata: null);
        writer.Files = new FaultyFiles { FailOn = step };

        var error = Assert.ThrowsAny<IOException>(() => writer.Save(path));

        Assert.Equal(ExpectedMessage(step, path, existed: true), error.Message);
        Assert.Equal(["model.safetensors"], directory.FileNames);
        Assert.Equal(previous, File.ReadAllBytes(path));
        var loaded = FakeNetwork.Standard(3);
        Checkpoint.Load(loaded, path);
        Assert.Equal(FakeNetwork.Standard(1).ParameterSnapshot, loaded.ParameterSnapshot);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_failure_at_each_step_of_a_first_save_leaves_no_file_at_all(SaveStep step)
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(2), metadata: null);
        writer.Files = new FaultyFiles { FailOn = step };

        var error = Assert.ThrowsAny<IOException>(() => writer.Save(path));

        Assert.Equal(ExpectedMessage(step, path, existed: false), error.Message);
        Assert.Empty(directory.FileNames);
    }

    [Fact]
    public void A_temporary_file_that_could_not_be_deleted_after_a_failure_is_removed_by_the_next_save()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(2), metadata: null);
        writer.Files = new FaultyFiles { FailOn = SaveStep.Write, FailDelete = true };

        Assert.ThrowsAny<IOException>(() => writer.Save(path));
        Assert.Single(directory.FileNames, name => name.StartsWith(".model.safetensors.", StringComparison.Ordinal));

        Checkpoint.Save(FakeNetwork.Standard(1), path);

        Assert.Equal(["model.safetensors"], directory.FileNames);
    }

    /// <summary>(step, which call of it): each of the two files of a training state, up to the first rename.</summary>
    public static TheoryData<SaveStep, int> TrainingStateFaults => new()
    {
        { SaveStep.Create, 1 }, { SaveStep.Create, 2 },
        { SaveStep.Write, 1 }, { SaveStep.Write, 2 },
        { SaveStep.Flush, 1 }, { SaveStep.Flush, 2 },
        { SaveStep.Rename, 1 },
    };

    [Theory]
    [MemberData(nameof(TrainingStateFaults))]
    public void A_failure_before_a_training_state_is_renamed_into_place_leaves_the_previous_pair_loadable(SaveStep step, int call)
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        SaveState(path, seed: 1, epoch: 1, FileOperations.Real);
        byte[] model = File.ReadAllBytes(path), optimizer = File.ReadAllBytes(Checkpoint.OptimizerStatePath(path));

        Assert.ThrowsAny<IOException>(() => SaveState(path, seed: 2, epoch: 2, new FaultyFiles { FailOn = step, FailOnCall = call }));

        Assert.Equal(["run.optim.safetensors", "run.safetensors"], directory.FileNames);
        Assert.Equal(model, File.ReadAllBytes(path));
        Assert.Equal(optimizer, File.ReadAllBytes(Checkpoint.OptimizerStatePath(path)));
        var loaded = Checkpoint.LoadTrainingState(FakeNetwork.Standard(3), new FakeOptimizer("Adam"), path);
        Assert.Equal(1, loaded.Progress!.Epoch);
    }

    [Fact]
    public void A_failure_between_the_two_renames_of_a_training_state_is_detected_when_loading()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        SaveState(path, seed: 1, epoch: 1, FileOperations.Real);

        // The optimizer file is already renamed into place when the model file's rename fails.
        Assert.ThrowsAny<IOException>(() => SaveState(path, seed: 2, epoch: 2, new FaultyFiles { FailOn = SaveStep.Rename, FailOnCall = 2 }));

        Assert.Equal(["run.optim.safetensors", "run.safetensors"], directory.FileNames);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadTrainingState(FakeNetwork.Standard(3), new FakeOptimizer("Adam"), path));
        Assert.Contains("belongs to another save", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_disk_leaves_the_previous_checkpoint_intact_no_stray_file_and_the_space_free()
    {
        using var disk = new SmallDisk();
        string path = disk.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        byte[] previous = File.ReadAllBytes(path);
        long free = disk.FreeBytes;
        // 256 KiB of weights: four times what the small disk holds.
        var writer = new SafeTensorsWriter().AddFloats("big.weight", new float[SmallDisk.Size], [SmallDisk.Size]);
        if (!disk.IsReal) writer.Files = new FaultyFiles { FailOn = SaveStep.Write, DiskSpace = SmallDisk.Size / 2 };

        var error = Assert.ThrowsAny<IOException>(() => writer.Save(path));

        Assert.StartsWith($"Cannot save '{path}': No space left on device while ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; the previous file is unchanged.", error.Message, StringComparison.Ordinal);
        Assert.Equal(["model.safetensors"], disk.FileNames);
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal(free, disk.FreeBytes);
        Checkpoint.Save(FakeNetwork.Standard(2), path); // the disk is not left full
    }

    private static void SaveState(string path, int seed, int epoch, FileOperations files)
    {
        var optimizer = new FakeOptimizer("Adam");
        optimizer.State = optimizer.State with { Tensors = new Dictionary<string, float[]> { ["dense.bias.exp_avg"] = [seed, seed, seed] } };
        Checkpoint.WriteTrainingState(FakeNetwork.Standard(seed), optimizer, path, new TrainingProgress(epoch, epoch * 10, 0), null, false, files);
    }

    /// <summary>What the caller reads: the path they gave, the OS's reason, and what became of their file.</summary>
    private static string ExpectedMessage(SaveStep step, string path, bool existed) => step switch
    {
        SaveStep.Create => $"Cannot write '{path}': the folder '{Path.GetDirectoryName(path)}' does not accept new files (Read-only file system).",
        SaveStep.Write => $"Cannot save '{path}': No space left on device while writing; {(existed ? "the previous file is unchanged" : "nothing was written")}.",
        SaveStep.Flush => $"Cannot save '{path}': Input/output error while flushing to disk; {(existed ? "the previous file is unchanged" : "nothing was written")}.",
        _ => $"Cannot save '{path}': Input/output error while renaming into place; {(existed ? "the previous file is unchanged" : "nothing was written")}.",
    };
}
