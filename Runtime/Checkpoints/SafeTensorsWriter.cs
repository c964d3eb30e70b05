using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Myelin.Checkpoints;

/// <summary>
/// Builds a safetensors file: add tensors and metadata, then <see cref="Save"/> (atomic) or <see cref="WriteTo"/>.
/// The counterpart of Python's <c>safetensors.torch.save_file</c>.
/// </summary>
/// <remarks>
/// <para>
/// Layout decisions: tensors are stored by element size, largest first (8-byte types, then 4, 2, 1), and in the order
/// they were added within one size, as the reference implementation orders by alignment. With the header padded
/// with spaces to a multiple of 8 bytes, every tensor then starts at a multiple of its element size both in the data
/// buffer and in the file, so a reader may map it in place. The header lists <c>__metadata__</c> first (keys in ordinal
/// order), then the tensors in data order, so the same content always gives the same bytes.
/// </para>
/// <para>The writer copies the data when a tensor is added, so later changes to the source do not reach the file.</para>
/// </remarks>
public sealed class SafeTensorsWriter
{
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>The tensors added so far, in the order they were added.</summary>
    public int Count => _tensors.Count;

    /// <summary>The metadata added so far.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;

    /// <summary>Test seam: called with each tensor's name right after its bytes reach the stream.</summary>
    internal Action<string>? AfterTensorWritten { get; set; }

    /// <summary>Adds or replaces a <c>__metadata__</c> entry. Safetensors metadata values are always strings.</summary>
    public SafeTensorsWriter AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckText(key, "metadata key", nameof(key));
        CheckText(value, $"metadata value '{key}'", nameof(value));
        _metadata[key] = value;
        return this;
    }

    /// <summary>Adds an F32 tensor. <paramref name="values"/> holds the elements in row-major order.</summary>
    /// <param name="name">The key, e.g. <c>dense1.weight</c>.</param>
    /// <param name="values">The elements; their count must be the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The dimensions, e.g. <c>[128, 784]</c>; empty for a scalar.</param>
    public SafeTensorsWriter AddFloats(string name, ReadOnlySpan<float> values, ReadOnlySpan<long> shape)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return AddOwned(name, SafeTensorsDType.F32, shape, bytes);
    }

    /// <summary>Adds an I64 tensor, e.g. a scalar step counter with shape <c>[]</c>.</summary>
    public SafeTensorsWriter AddInt64s(string name, ReadOnlySpan<long> values, ReadOnlySpan<long> shape)
    {
        var bytes = new byte[checked(values.Length * sizeof(long))];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return AddOwned(name, SafeTensorsDType.I64, shape, bytes);
    }

    /// <summary>Adds a tensor of any dtype from its raw little-endian bytes.</summary>
    public SafeTensorsWriter Add(string name, SafeTensorsDType dtype, ReadOnlySpan<long> shape, ReadOnlySpan<byte> littleEndianData) =>
        AddOwned(name, dtype, shape, littleEndianData.ToArray());

    /// <summary>Writes the file to <paramref name="stream"/>, from its current position.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ordered = DataOrder();
        byte[] header = BuildHeader(ordered);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var tensor in ordered)
        {
            stream.Write(tensor.Data);
            AfterTensorWritten?.Invoke(tensor.Name);
        }
    }

    /// <summary>
    /// Writes the file to <paramref name="path"/> atomically, as <see cref="AtomicFile.Write(string, Action{Stream})"/>
    /// does: to a new temporary file in the same directory, flushed to disk, then renamed over <paramref name="path"/>.
    /// On any failure the temporary file is deleted and an existing file at <paramref name="path"/> is left as it was,
    /// so a crash never leaves a half-written checkpoint. Only a regular file is replaced; a symbolic link is written
    /// through to its target (see <see cref="AtomicFile"/>).
    /// </summary>
    /// <exception cref="IOException">The path is a folder, device, pipe or socket, or the write failed; the previous file is unchanged.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    public void Save(string path) => AtomicFile.Write(path, WriteTo, Files);

    /// <summary>Test seam: the file-system calls <see cref="Save"/> makes, to inject I/O faults.</summary>
    internal FileOperations Files { get; set; } = FileOperations.Real;

    private SafeTensorsWriter AddOwned(string name, SafeTensorsDType dtype, ReadOnlySpan<long> shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw new ArgumentException("A tensor name must not be empty.", nameof(name));
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved for the metadata map and cannot name a tensor.", nameof(name));
        CheckText(name, "tensor name", nameof(name));
        _ = dtype.ElementSize(); // rejects values outside the enum
        long elements = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
                throw new ArgumentException($"Tensor '{name}': dimension {i} of shape {SafeTensorInfo.FormatShape(shape.ToArray())} is negative.", nameof(shape));
            elements = checked(elements * shape[i]);
        }
        long expected = checked(elements * dtype.ElementSize());
        if (data.Length != expected)
            throw new ArgumentException(
                $"Tensor '{name}': {dtype.SpecName()} with shape {SafeTensorInfo.FormatShape(shape.ToArray())} needs {expected} bytes ({elements} elements), but {data.Length} bytes were given.",
                nameof(data));
        if (!_names.Add(name)) throw new ArgumentException($"A tensor named '{name}' was already added.", nameof(name));
        _tensors.Add(new PendingTensor(name, dtype, shape.ToArray(), data));
        return this;
    }

    /// <summary>Largest element size first, insertion order within a size (a stable sort).</summary>
    private List<PendingTensor> DataOrder()
    {
        var ordered = new List<PendingTensor>(_tensors.Count);
        foreach (int size in (ReadOnlySpan<int>)[8, 4, 2, 1])
        {
            foreach (var tensor in _tensors)
            {
                if (tensor.DType.ElementSize() == size) ordered.Add(tensor);
            }
        }
        return ordered;
    }

    private byte[] BuildHeader(List<PendingTensor> ordered)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps '+' (in versions) and non-ASCII names readable; quotes and control characters are
        // still escaped, and the header is never embedded in HTML.
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in _metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in ordered)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.SpecName());
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }
            json.WriteEndObject();
        }

        // Pad with spaces so that 8 + N, where the data starts, is a multiple of 8.
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Rejects strings that cannot be encoded as UTF-8 (lone surrogates), before any file is touched.</summary>
    private static void CheckText(string text, string what, string parameter)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i]))
                throw new ArgumentException($"The {what} '{text}' has a lone UTF-16 surrogate at index {i}, which UTF-8 cannot encode.", parameter);
        }
    }

    private sealed record PendingTensor(string Name, SafeTensorsDType DType, long[] Shape, byte[] Data);
}
