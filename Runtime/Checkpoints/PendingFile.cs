using System;
using System.IO;

namespace Myelin.Checkpoints;

/// <summary>
/// One atomic write in progress (<see cref="AtomicFile.Begin"/>): a locked temporary file beside the target. Write,
/// <see cref="Flush"/>, <see cref="Commit"/>, then dispose; disposing without a commit deletes the temporary file, so
/// every failure path leaves the target as it was and no stray file.
/// </summary>
/// <remarks>
/// The temporary file stays open, and so locked, until after the rename: a concurrent save that looks for stale
/// temporary files can never take this one for a crashed writer's, not even between the flush and the rename.
/// Every I/O error that names the temporary file is reported as an error of the user's path instead.
/// </remarks>
internal sealed class PendingFile : IDisposable
{
    private readonly FileStream _file;
    private readonly FileOperations _files;
    private readonly bool _targetExisted;
    private bool _committed;
    private bool _disposed;

    internal PendingFile(string path, string target, string temporary, FileStream file, FileOperations files)
    {
        Path = path;
        Target = target;
        Temporary = temporary;
        _file = file;
        _files = files;
        _targetExisted = File.Exists(target);
        TemporaryFiles.Register(temporary);
    }

    /// <summary>The path as the caller gave it, for messages.</summary>
    public string Path { get; }

    /// <summary>The full path that <see cref="Commit"/> replaces (a link's final target).</summary>
    public string Target { get; }

    /// <summary>The hidden temporary file beside <see cref="Target"/>.</summary>
    public string Temporary { get; }

    /// <summary>Writes the content with <paramref name="write"/>.</summary>
    public void Write(Action<Stream> write)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            write(_files.ForWriting(_file));
        }
        catch (Exception e) when (Rephrase(e, "writing") is { } rephrased)
        {
            throw rephrased;
        }
    }

    /// <summary>Flushes the content to the disk.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _files.FlushToDisk(_file);
        }
        catch (Exception e) when (Rephrase(e, "flushing to disk") is { } rephrased)
        {
            throw rephrased;
        }
    }

    /// <summary>Renames the temporary file over the target: from here on the target has the new content.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _files.Replace(Temporary, Target);
        }
        catch (Exception e) when (Rephrase(e, "renaming into place") is { } rephrased)
        {
            throw rephrased;
        }
        _committed = true;
    }

    /// <summary>Closes the file; deletes it unless committed.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _file.Dispose();
        }
        catch (IOException) when (!_committed)
        {
            // Closing flushes what is still buffered, which fails again on a full disk; the file is deleted below.
        }
        finally
        {
            if (!_committed) TryDelete();
            TemporaryFiles.Unregister(Temporary);
        }
    }

    private void TryDelete()
    {
        try
        {
            _files.Delete(Temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one worth reporting. The file is no longer registered as live, so the next
            // save of the same target removes it.
        }
    }

    /// <summary>
    /// An I/O error that names the temporary file, reworded to name the user's path and to say what became of the
    /// target; null for anything else, which is rethrown as it is.
    /// </summary>
    private Exception? Rephrase(Exception e, string step)
    {
        if (e is not (IOException or UnauthorizedAccessException) || !e.Message.Contains(Temporary, StringComparison.Ordinal)) return null;
        string outcome = _targetExisted ? "the previous file is unchanged" : "nothing was written";
        string message = $"Cannot save '{Path}': {TemporaryFiles.Reason(e, Temporary)} while {step}; {outcome}.";
        return e is UnauthorizedAccessException ? new UnauthorizedAccessException(message, e) : new IOException(message, e);
    }
}
