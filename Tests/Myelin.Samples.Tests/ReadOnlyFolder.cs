namespace Myelin.Samples.Tests;

/// <summary>
/// A folder in which nobody, root included, can create a file: a read-only tmpfs mounted for the test where this
/// process may mount (root with CAP_SYS_ADMIN, as on CI), else <c>/sys</c>, where the kernel refuses new files to
/// everyone. A folder without write permission would not do: root writes there anyway.
/// </summary>
internal sealed class ReadOnlyFolder : IDisposable
{
    private readonly string? _mountPoint;

    public ReadOnlyFolder()
    {
        string mountPoint = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "myelin-readonly-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mountPoint);
        if (SystemTool.Run("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", mountPoint) == 0)
        {
            _mountPoint = mountPoint;
            Path = mountPoint;
        }
        else
        {
            Directory.Delete(mountPoint);
            Path = "/sys";
        }
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The full path of <paramref name="name"/> in the folder (it cannot be created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (_mountPoint is null) return;
        SystemTool.Run("umount", _mountPoint);
        Directory.Delete(_mountPoint);
    }
}
