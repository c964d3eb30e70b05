using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Myelin.Checkpoints;

/// <summary>
/// An open safetensors file: its header (tensor entries and metadata), fully validated, with each tensor's data read
/// on demand. The counterpart of Python's <c>safe_open</c>; use it to inspect any safetensors file, including a
/// <c>state_dict</c> exported from PyTorch.
/// </summary>
/// <remarks>
/// <para>
/// Layout: 8 bytes little-endian <c>u64</c> header length N, then N bytes of UTF-8 JSON (the header, possibly padded
/// with trailing spaces), then the data buffer. Every tensor's <c>data_offsets</c> are relative to the start of the
/// data buffer; together the tensors cover it exactly, without gaps or overlaps.
/// </para>
/// <para>
/// <see cref="Open"/> reads only the header, so inspecting a large file is cheap. The file stays open (shared for
/// reading) until <see cref="Dispose"/>, so every read sees the same file even if a new checkpoint atomically replaces
/// it meanwhile. Reads are positional, so several threads may read tensors at once. Every inconsistency is reported as an <see cref="InvalidDataException"/> naming the file.
/// </para>
/// </remarks>
public sealed partial class SafeTensorsFile : IDisposable
{
    /// <summary>The largest header accepted, as in the reference implementation: larger ones mean a corrupt or foreign file.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string path, SafeFileHandle handle, long headerLength, long dataLength,
        IReadOnlyList<SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        HeaderLength = headerLength;
        DataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, SafeTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in tensors) _byName.Add(tensor.Name, tensor);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>The header length N, in bytes, including any padding. The data buffer starts at byte <c>8 + N</c>.</summary>
    public long HeaderLength { get; }

    /// <summary>The length of the data buffer in bytes.</summary>
    public long DataLength { get; }

    /// <summary>The tensor entries in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens <paramref name="path"/>, reads and validates its header and checks that the data buffer matches it.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        // Delete sharing lets an atomic save replace the file while it is open here (on Windows too); this handle
        // keeps reading the old contents.
        var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw Corrupt(fullPath, $"the file is {fileLength} bytes long, too short for the 8-byte header length that starts every safetensors file");

            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, fullPath);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderLength)
                throw Corrupt(fullPath, $"the header length is {headerLength} bytes, above the {MaxHeaderLength}-byte limit; the file is corrupt or not a safetensors file");
            if (headerLength > (ulong)(fileLength - 8))
                throw Corrupt(fullPath, $"the header length is {headerLength} bytes, but only {fileLength - 8} bytes follow the length prefix; the file is truncated");

            var header = new byte[(int)headerLength];
            ReadExactly(handle, header, 8, fullPath);
            long dataLength = fileLength - 8 - (long)headerLength;
            var (tensors, metadata) = HeaderParser.Parse(header, dataLength, fullPath);
            return new SafeTensorsFile(fullPath, handle, (long)headerLength, dataLength, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file has a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Looks up the entry of the tensor called <paramref name="name"/>.</summary>
    public bool TryGetTensor(string name, out SafeTensorInfo tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The entry of the tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public SafeTensorInfo GetTensor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out var tensor)) return tensor;
        throw new KeyNotFoundException($"'{Path}' has no tensor named '{name}'. It has {Tensors.Count} tensors.");
    }

    /// <summary>Reads the raw little-endian bytes of a tensor into a new array.</summary>
    public byte[] ReadBytes(string name)
    {
        var tensor = GetTensor(name);
        if (tensor.ByteLength > Array.MaxLength)
            throw new NotSupportedException($"Tensor '{name}' in '{Path}' is {tensor.ByteLength} bytes, more than one .NET array holds.");
        var bytes = new byte[tensor.ByteLength];
        ReadBytes(tensor, bytes);
        return bytes;
    }

    /// <summary>Reads the raw little-endian bytes of a tensor into <paramref name="destination"/>, which must be exactly its byte length.</summary>
    public void ReadBytes(string name, Span<byte> destination) => ReadBytes(GetTensor(name), destination);

    /// <summary>
    /// Reads a tensor's elements converted to <see cref="float"/>: exact for F32, F16, BF16, F8 and small integers;
    /// rounded to the nearest float for F64 and for integers above 2^24 in magnitude. Booleans become 0 and 1.
    /// </summary>
    public float[] ReadFloats(string name)
    {
        var tensor = GetTensor(name);
        if (tensor.ElementCount > Array.MaxLength)
            throw new NotSupportedException($"Tensor '{name}' in '{Path}' has {tensor.ElementCount} elements, more than one .NET array holds.");
        var values = new float[tensor.ElementCount];
        ReadFloats(tensor, values);
        return values;
    }

    /// <summary>As <see cref="ReadFloats(string)"/>, into <paramref name="destination"/>, which must hold exactly the tensor's elements.</summary>
    public void ReadFloats(string name, Span<float> destination) => ReadFloats(GetTensor(name), destination);

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private void ReadBytes(SafeTensorInfo tensor, Span<byte> destination)
    {
        if (destination.Length != tensor.ByteLength)
            throw new ArgumentException($"Tensor '{tensor.Name}' in '{Path}' is {tensor.ByteLength} bytes, but the destination holds {destination.Length}.", nameof(destination));
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        ReadExactly(_handle, destination, 8 + HeaderLength + tensor.DataBegin, Path);
    }

    private void ReadFloats(SafeTensorInfo tensor, Span<float> destination)
    {
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"Tensor '{tensor.Name}' in '{Path}' has {tensor.ElementCount} elements, but the destination holds {destination.Length}.", nameof(destination));
        if (tensor.DType == SafeTensorsDType.F32 && BitConverter.IsLittleEndian)
        {
            // The file's bytes are already the in-memory floats: read them in place.
            ReadBytes(tensor, MemoryMarshal.AsBytes(destination));
            return;
        }

        // Convert in chunks so that memory stays bounded whatever the tensor's size.
        const int ChunkBytes = 1 << 16;
        int elementSize = tensor.DType.ElementSize();
        int chunkElements = ChunkBytes / elementSize;
        byte[] rented = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long fileOffset = 8 + HeaderLength + tensor.DataBegin;
            for (int start = 0; start < destination.Length; start += chunkElements)
            {
                int count = Math.Min(chunkElements, destination.Length - start);
                var bytes = rented.AsSpan(0, count * elementSize);
                ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
                ReadExactly(_handle, bytes, fileOffset + (long)start * elementSize, Path);
                ElementConverter.ToSingle(tensor.DType, bytes, destination.Slice(start, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long fileOffset, string path)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, fileOffset);
            if (read == 0)
                throw Corrupt(path, $"the file ended at byte {fileOffset} while {destination.Length} more bytes were expected; it was truncated while open");
            destination = destination[read..];
            fileOffset += read;
        }
    }

    internal static InvalidDataException Corrupt(string path, string problem, Exception? inner = null) =>
        new($"'{path}' is not a valid safetensors file: {problem}.", inner);
}
