namespace Myelin.Tests.Checkpoints;

/// <summary>
/// A folder on a 64 KiB tmpfs, so that a larger write fails with a real ENOSPC from the kernel. Mounting needs root
/// with CAP_SYS_ADMIN (as on CI); elsewhere <see cref="IsReal"/> is false, the folder is an ordinary temporary one, and
/// tests simulate the full disk with <see cref="FaultyFiles"/> instead.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    public const int Size = 64 * 1024;

    public SmallDisk()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "myelin-small-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        IsReal = SpecialFiles.Run("mount", "-t", "tmpfs", "-o", $"size={Size}", "tmpfs", Path) == 0;
    }

    /// <summary>Whether the folder really is a 64 KiB file system.</summary>
    public bool IsReal { get; }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The file names in the folder, sorted.</summary>
    public string[] FileNames => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>Free bytes on the folder's file system.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose()
    {
        if (IsReal) SpecialFiles.Run("umount", Path);
        Directory.Delete(Path, recursive: true);
    }
}
