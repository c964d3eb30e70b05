using System;
using System.IO;

namespace Myelin.Checkpoints;

/// <summary>
/// Writes a file the way <see cref="Checkpoint.Save"/> does: completely or not at all, never over anything but a
/// regular file, and without leaving temporary files behind. Use it for other outputs that sit beside checkpoints
/// (plots, exported metrics), and <see cref="CheckWritable"/> to check an output path before long work starts.
/// </summary>
/// <remarks>
/// <para>
/// A write goes to a new hidden file beside the target, <c>.&lt;name&gt;.&lt;pid&gt;.&lt;random&gt;.tmp</c>, which is
/// locked while it is written (an exclusive <c>flock</c> on Unix, a sharing mode on Windows), flushed to the disk, and
/// renamed over the target in one step. On any failure the temporary file is deleted and the target is left as it
/// was. A process killed mid-write leaves its temporary file; the next write of the same target removes it once it is
/// stale: no process holds its lock and the process that made it is gone (or, for a reused process id, the file is
/// more than ten minutes old).
/// </para>
/// <para>
/// Only a missing target or a regular file is replaced. A folder, a device (<c>/dev/null</c>, <c>/dev/full</c>), a
/// named pipe or a socket at the path is refused with an <see cref="IOException"/> naming it, because renaming over
/// it would silently replace it with a regular file (as root, even in <c>/dev</c>). Devices, pipes and sockets are
/// recognised on Linux and Windows; elsewhere only folders and links are.
/// </para>
/// <para>
/// A symbolic link is written through: the link's final target is replaced atomically (its temporary file sits beside
/// the target, on the target's file system) and the link itself is left untouched, so <c>latest.safetensors</c>
/// pointing at <c>run7/model.safetensors</c> keeps pointing there and reads the new content. The target must be a
/// regular file or missing, as above; a dangling link creates its target.
/// </para>
/// <para>
/// The rename is atomic: readers see the old file or the new one, whole. It is durable once the operating system
/// writes the folder's entry back, which <c>fsync</c> on the file alone does not force; a power cut right after a
/// save may bring back the previous file, never a torn one.
/// </para>
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> can be written: its folder exists and accepts new
    /// files (a temporary file is created and deleted there), and the path is missing, a regular file, or a symbolic
    /// link to one.
    /// </summary>
    /// <param name="path">The file to be written.</param>
    /// <returns>The full path that a write replaces: <paramref name="path"/>'s, or its link's final target.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist or is not a folder.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder does not let this process create files.</exception>
    /// <exception cref="IOException">The path is a folder, a device, a pipe or a socket, or the folder cannot take a new file (read-only file system).</exception>
    public static string CheckWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = ResolveTarget(path);
        string temporary = TemporaryFiles.NewName(target);
        try
        {
            using (FileOperations.Real.CreateTemporary(temporary)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(path, target, temporary, e);
        }
        FileOperations.Real.Delete(temporary);
        return target;
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically: <paramref name="write"/> fills a temporary file beside it, which is
    /// flushed to the disk and renamed over <paramref name="path"/>. On any failure nothing at <paramref name="path"/>
    /// changes and the temporary file is removed.
    /// </summary>
    /// <param name="path">The file to write; see the remarks for links and special files.</param>
    /// <param name="write">Writes the whole content to the stream it is given; it must not dispose the stream.</param>
    /// <exception cref="IOException">The path is not a regular file, or a step failed; the message names <paramref name="path"/>, never the temporary file.</exception>
    public static void Write(string path, Action<Stream> write) => Write(path, write, FileOperations.Real);

    /// <summary><see cref="Write(string, Action{Stream})"/> through <paramref name="files"/>, the seam tests inject faults with.</summary>
    internal static void Write(string path, Action<Stream> write, FileOperations files)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var pending = Begin(path, files);
        pending.Write(write);
        pending.Flush();
        pending.Commit();
    }

    /// <summary>
    /// Starts an atomic write: checks the target, removes stale temporary files of earlier crashed writes of it, and
    /// creates and locks a new temporary file. Dispose the result; unless <see cref="PendingFile.Commit"/> ran, that
    /// deletes the temporary file.
    /// </summary>
    internal static PendingFile Begin(string path, FileOperations files)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = ResolveTarget(path);
        TemporaryFiles.RemoveStale(target);
        string temporary = TemporaryFiles.NewName(target);
        FileStream file;
        try
        {
            file = files.CreateTemporary(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(path, target, temporary, e);
        }
        return new PendingFile(path, target, temporary, file, files);
    }

    /// <summary>
    /// The full path a write of <paramref name="path"/> replaces, after following symbolic links; throws unless it is
    /// missing or a regular file in an existing folder.
    /// </summary>
    internal static string ResolveTarget(string path)
    {
        string full = Path.GetFullPath(path);
        string target = full;
        var kind = FileKinds.Of(full);
        if (kind == FileKind.SymbolicLink)
        {
            try
            {
                target = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
            }
            catch (IOException e)
            {
                throw new IOException($"Cannot write '{path}': it is a symbolic link that cannot be followed ({e.Message}).", e);
            }
            kind = FileKinds.Of(target);
        }
        if (kind is not (FileKind.Missing or FileKind.RegularFile))
        {
            string what = target == full
                ? $"it is {FileKinds.Describe(kind)}"
                : $"it is a symbolic link to '{target}', which is {FileKinds.Describe(kind)}";
            throw new IOException($"Cannot write '{path}': {what}; only a regular file is replaced.");
        }

        string directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' is a root directory, not a file path.", nameof(path));
        var directoryKind = FileKinds.Of(directory);
        if (directoryKind == FileKind.Missing)
            throw new DirectoryNotFoundException($"Cannot save '{path}': the directory '{directory}' does not exist.");
        if (directoryKind != FileKind.Directory && !Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save '{path}': '{directory}' is {FileKinds.Describe(directoryKind)}, not a folder.");
        return target;
    }

    /// <summary>The folder of <paramref name="target"/> refused a new file: say which and why, naming the user's path.</summary>
    private static Exception NotWritable(string path, string target, string temporary, Exception e)
    {
        string message = $"Cannot write '{path}': the folder '{Path.GetDirectoryName(target)}' does not accept new files ({TemporaryFiles.Reason(e, temporary)}).";
        return e is UnauthorizedAccessException ? new UnauthorizedAccessException(message, e) : new IOException(message, e);
    }
}
