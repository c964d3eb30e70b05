using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>The step of an atomic save at which <see cref="FaultyFiles"/> fails.</summary>
public enum SaveStep
{
    /// <summary>Creating the temporary file.</summary>
    Create,

    /// <summary>Writing it: the disk fills up after a few bytes.</summary>
    Write,

    /// <summary>Flushing it to the disk.</summary>
    Flush,

    /// <summary>Renaming it over the target.</summary>
    Rename,
}

/// <summary>
/// The real file system, except that the <see cref="FailOn"/> step fails the way the OS reports it (.NET's Unix
/// messages name the file: "No space left on device : '/dir/.x.tmp'"), on the <see cref="FailOnCall"/>-th time.
/// </summary>
internal sealed class FaultyFiles : FileOperations
{
    private readonly Dictionary<SaveStep, int> _calls = new();

    public SaveStep? FailOn { get; init; }

    /// <summary>Which call of <see cref="FailOn"/> fails, counting from 1 (a training state makes two of each).</summary>
    public int FailOnCall { get; init; } = 1;

    /// <summary>Bytes written before the simulated disk is full.</summary>
    public long DiskSpace { get; init; } = 100;

    /// <summary>Whether deleting a temporary file after a failure fails too.</summary>
    public bool FailDelete { get; init; }

    public override FileStream CreateTemporary(string path)
    {
        Step(SaveStep.Create, path, "Read-only file system");
        return base.CreateTemporary(path);
    }

    public override Stream ForWriting(FileStream file) =>
        Fails(SaveStep.Write) ? new FullDiskStream(file, DiskSpace) : file;

    public override void FlushToDisk(FileStream file)
    {
        Step(SaveStep.Flush, file.Name, "Input/output error");
        base.FlushToDisk(file);
    }

    public override void Replace(string source, string destination)
    {
        Step(SaveStep.Rename, source, "Input/output error");
        base.Replace(source, destination);
    }

    public override void Delete(string path)
    {
        if (FailDelete) throw new IOException($"Input/output error : '{path}'");
        base.Delete(path);
    }

    private bool Fails(SaveStep step)
    {
        _calls[step] = _calls.GetValueOrDefault(step) + 1;
        return FailOn == step && _calls[step] == FailOnCall;
    }

    private void Step(SaveStep step, string path, string error)
    {
        if (Fails(step)) throw new IOException($"{error} : '{path}'");
    }
}

/// <summary>A stream over a file that takes <c>space</c> bytes and then fails as a full disk does.</summary>
internal sealed class FullDiskStream(FileStream file, long space) : Stream
{
    private long _written;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        long room = space - _written;
        if (buffer.Length > room)
        {
            file.Write(buffer[..(int)Math.Max(room, 0)]);
            _written = space;
            throw new IOException($"No space left on device : '{file.Name}'");
        }
        file.Write(buffer);
        _written += buffer.Length;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }
    public override void Flush() => file.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
