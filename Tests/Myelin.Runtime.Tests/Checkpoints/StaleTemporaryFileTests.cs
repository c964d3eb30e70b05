using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>
/// A save killed part-way leaves its hidden temporary file; the next save of the same target removes it once no
/// writer can still be using it, and never touches a file it did not make.
/// </summary>
public sealed class StaleTemporaryFileTests
{
    private const string Random16 = "0123456789abcdef";

    [Fact]
    public void A_save_removes_the_temporary_file_of_an_earlier_save_killed_with_SIGKILL()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        byte[] previous = File.ReadAllBytes(path);

        ChildProcess.KillWhenReady(ChildProcess.SaveAndHang, path);

        // The killed save left its temporary file, and the previous checkpoint as it was.
        Assert.Equal(2, directory.FileNames.Length);
        Assert.Equal(previous, File.ReadAllBytes(path));

        Checkpoint.Save(FakeNetwork.Standard(2), path);

        Assert.Equal(["model.safetensors"], directory.FileNames);
        var loaded = FakeNetwork.Standard(3);
        Checkpoint.Load(loaded, path);
        Assert.Equal(FakeNetwork.Standard(2).ParameterSnapshot, loaded.ParameterSnapshot);
    }

    [Fact]
    public void A_temporary_file_of_a_process_that_has_ended_is_removed_by_the_next_save()
    {
        using var directory = new TempDirectory();
        string stale = Plant(directory, $".model.safetensors.{EndedProcessId()}.{Random16}.tmp", age: TimeSpan.Zero);

        Checkpoint.Save(FakeNetwork.Standard(1), directory.File("model.safetensors"));

        Assert.False(File.Exists(stale));
        Assert.Equal(["model.safetensors"], directory.FileNames);
    }

    [Fact]
    public void A_temporary_file_that_a_writer_holds_locked_is_left_alone_however_old()
    {
        using var directory = new TempDirectory();
        string held = Plant(directory, $".model.safetensors.{EndedProcessId()}.{Random16}.tmp", age: TimeSpan.FromDays(1));
        using (new FileStream(held, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            Checkpoint.Save(FakeNetwork.Standard(1), directory.File("model.safetensors"));

            Assert.True(File.Exists(held));
        }
    }

    [Fact]
    public void An_unlocked_temporary_file_of_a_running_process_is_kept_until_it_is_ten_minutes_old()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        // Process 1 always runs; an unlocked file of it is either in the instant before its writer locks it, or left
        // by an earlier process that had the same id.
        string fresh = Plant(directory, $".model.safetensors.1.{Random16}.tmp", age: TimeSpan.FromMinutes(9));
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        Assert.True(File.Exists(fresh));

        File.SetLastWriteTimeUtc(fresh, DateTime.UtcNow - TimeSpan.FromMinutes(11));
        Checkpoint.Save(FakeNetwork.Standard(1), path);
        Assert.False(File.Exists(fresh));
    }

    [Fact]
    public void A_temporary_file_of_an_older_Myelin_without_a_process_id_is_removed_once_ten_minutes_old()
    {
        using var directory = new TempDirectory();
        string old = Plant(directory, ".model.safetensors.0123456789abcdef0123456789abcdef.tmp", age: TimeSpan.FromHours(1));
        string recent = Plant(directory, ".model.safetensors.fedcba9876543210fedcba9876543210.tmp", age: TimeSpan.Zero);

        Checkpoint.Save(FakeNetwork.Standard(1), directory.File("model.safetensors"));

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
    }

    [Fact]
    public void Files_that_only_look_like_temporary_files_of_the_target_are_never_touched()
    {
        using var directory = new TempDirectory();
        int ended = EndedProcessId();
        string[] others =
        [
            $".other.safetensors.{ended}.{Random16}.tmp",        // another target's
            $".model.safetensors.notes.tmp",                        // not our pattern
            $".model.safetensors.{ended}.{Random16}.tmp.bak",    // not ending in .tmp
            $"model.safetensors.{ended}.{Random16}.tmp",         // not hidden
            $".model.safetensors.{ended}.{Random16[..15]}.tmp",  // 15 digits
            $".model.safetensors.x{ended}.{Random16}.tmp",       // not a process id
        ];
        foreach (string name in others) Plant(directory, name, age: TimeSpan.FromDays(1));

        Checkpoint.Save(FakeNetwork.Standard(1), directory.File("model.safetensors"));

        Assert.Equal(others.Append("model.safetensors").Order(StringComparer.Ordinal), directory.FileNames);
    }

    /// <summary>A megabyte file named <paramref name="name"/>, last written <paramref name="age"/> ago.</summary>
    private static string Plant(TempDirectory directory, string name, TimeSpan age)
    {
        string path = directory.File(name);
        File.WriteAllBytes(path, new byte[1 << 20]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    /// <summary>The id of a process that has run and ended (and been reaped).</summary>
    private static int EndedProcessId()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }
}
