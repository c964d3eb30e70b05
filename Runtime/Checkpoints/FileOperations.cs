using System;
using System.IO;

namespace Myelin.Checkpoints;

/// <summary>
/// The file-system calls an atomic save makes, one virtual method per step, so that tests can make any step fail the
/// way a disk does (an error while creating, writing, flushing or renaming) and check what the save leaves behind.
/// Not public: users get <see cref="Real"/> through <see cref="AtomicFile"/>.
/// </summary>
internal class FileOperations
{
    /// <summary>The operating system's calls.</summary>
    public static FileOperations Real { get; } = new();

    /// <summary>
    /// Creates <paramref name="path"/>, which must not exist, for writing, and holds it locked until the returned stream
    /// is disposed: on Unix an exclusive <c>flock</c> (what <see cref="FileShare.None"/> takes), on Windows a sharing
    /// mode that lets only a rename or delete through. A later save sees the lock and leaves the file alone.
    /// </summary>
    public virtual FileStream CreateTemporary(string path) => new(path, FileMode.CreateNew, FileAccess.Write,
        OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None, bufferSize: 1 << 16);

    /// <summary>The stream the content is written to; tests wrap <paramref name="file"/> to fail part-way.</summary>
    public virtual Stream ForWriting(FileStream file) => file;

    /// <summary>Flushes <paramref name="file"/>'s buffers and asks the OS to put its bytes on the disk (<c>fsync</c>).</summary>
    public virtual void FlushToDisk(FileStream file) => file.Flush(flushToDisk: true);

    /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> in one step (<c>rename(2)</c>).</summary>
    public virtual void Replace(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <summary>Deletes <paramref name="path"/>; a missing file is not an error.</summary>
    public virtual void Delete(string path) => File.Delete(path);
}
