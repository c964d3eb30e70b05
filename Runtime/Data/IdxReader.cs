using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Myelin.Data;

/// <summary>
/// Reads IDX files, the format of the MNIST distribution: a big-endian magic number <c>00 00 type rank</c>, then
/// <c>rank</c> big-endian 32-bit dimensions, then the elements in row-major order, big-endian. Files may be gzipped;
/// gzip is recognised by its magic bytes <c>1f 8b</c>, not by the file name.
/// </summary>
public static class IdxReader
{
    private const int MaxRank = 255; // the rank is one byte

    /// <summary>Reads the IDX file at <paramref name="path"/>, raw or gzipped.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX file; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, path);
    }

    /// <summary>Reads an IDX array, raw or gzipped, from <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">The data; read to the end, not disposed.</param>
    /// <param name="source">A name for the data (usually its path), used in error messages and <see cref="IdxArray.Source"/>.</param>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX array.</exception>
    public static IdxArray Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);

        // Peek at the first two bytes without losing them: seekable streams rewind, others are buffered.
        Stream input = stream.CanSeek ? stream : CopyToMemory(stream);
        long start = input.Position;
        Span<byte> peek = stackalloc byte[2];
        int peeked = input.ReadAtLeast(peek, 2, throwOnEndOfStream: false);
        input.Position = start;
        bool gzipped = peeked == 2 && peek[0] == 0x1F && peek[1] == 0x8B;

        if (!gzipped) return ReadIdx(input, source, compressed: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
        return ReadIdx(gzip, source, compressed: true);
    }

    private static IdxArray ReadIdx(Stream input, string source, bool compressed)
    {
        string what = compressed ? "decompressed IDX data" : "IDX data";

        Span<byte> magic = stackalloc byte[4];
        int got = ReadUpTo(input, magic, source);
        if (got < 4)
            throw Error(source, $"is truncated: the {what} has {got} bytes, fewer than the 4-byte magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw Error(source, $"is not an IDX file: its magic number is {Hex(magic)}, but IDX files start with 00 00 <type> <rank>" +
                (compressed ? "." : " (gzip files start with 1f 8b)."));

        var dataType = (IdxDataType)magic[2];
        if (!Enum.IsDefined(dataType))
            throw Error(source, $"has unknown IDX element type 0x{magic[2]:X2} (magic {Hex(magic)}); known types are 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float and 0x0E double.");
        int rank = magic[3];
        if (rank == 0)
            throw Error(source, $"has rank 0 (magic {Hex(magic)}); an IDX array needs at least one dimension.");

        int headerSize = 4 + 4 * rank;
        var header = new byte[4 * rank];
        got = ReadUpTo(input, header, source);
        if (got < header.Length)
            throw Error(source, $"is truncated in its header: rank {rank} needs {headerSize} header bytes, but the {what} has only {4 + got}.");

        var dimensions = new int[rank];
        long length = 1;
        int elementSize = IdxArray.ElementSize(dataType);
        for (int i = 0; i < rank; i++)
        {
            uint dimension = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 * i));
            // Checked by division so that the check itself cannot overflow.
            if (dimension > int.MaxValue || (dimension != 0 && length > Array.MaxLength / elementSize / dimension))
                throw Error(source, $"has dimensions {FormatDimensions(header, rank)} whose product times the {elementSize}-byte element size is more than the {Array.MaxLength:N0} bytes a .NET array can hold.");
            dimensions[i] = (int)dimension;
            length *= dimension;
        }

        long byteCount = length * elementSize;
        var data = new byte[byteCount];
        got = ReadUpTo(input, data, source);
        if (got < byteCount)
            throw Error(source, $"is truncated: dimensions {string.Join(" x ", dimensions)} of {dataType} need {byteCount:N0} data bytes after the {headerSize}-byte header, but the {what} has only {got:N0}.");
        Span<byte> extra = stackalloc byte[1];
        if (ReadUpTo(input, extra, source) != 0)
        {
            long trailing = 1 + CountRemaining(input, source);
            throw Error(source, $"has {trailing:N0} bytes after the {byteCount:N0} data bytes that dimensions {string.Join(" x ", dimensions)} of {dataType} need; it is probably not the file it claims to be.");
        }

        if (BitConverter.IsLittleEndian) ToNativeOrder(data, dataType);
        return new IdxArray(source, dataType, dimensions, (int)length, data);
    }

    private static void ToNativeOrder(byte[] data, IdxDataType dataType)
    {
        // Floats and doubles are swapped as integers of the same size: only the byte order changes.
        switch (IdxArray.ElementSize(dataType))
        {
            case 2:
                Span<short> shorts = MemoryMarshal.Cast<byte, short>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(shorts, shorts);
                break;
            case 4:
                Span<int> ints = MemoryMarshal.Cast<byte, int>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(ints, ints);
                break;
            case 8:
                Span<long> longs = MemoryMarshal.Cast<byte, long>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(longs, longs);
                break;
        }
    }

    private static MemoryStream CopyToMemory(Stream stream)
    {
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    private static long CountRemaining(Stream input, string source)
    {
        var buffer = new byte[1 << 16];
        long count = 0;
        int read;
        while ((read = ReadUpTo(input, buffer, source)) > 0) count += read;
        return count;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the data ends; returns the bytes read.</summary>
    private static int ReadUpTo(Stream input, Span<byte> buffer, string source)
    {
        try
        {
            return input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // Only GZipStream throws this here, and its message does not say which file was corrupt.
            throw Error(source, $"starts like gzip (1f 8b) but does not decompress: {e.Message}", e);
        }
    }

    private static string FormatDimensions(ReadOnlySpan<byte> header, int rank)
    {
        var parts = new string[rank];
        for (int i = 0; i < rank; i++) parts[i] = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(4 * i)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(" x ", parts);
    }

    private static string Hex(ReadOnlySpan<byte> magic) => $"{magic[0]:x2} {magic[1]:x2} {magic[2]:x2} {magic[3]:x2}";

    private static InvalidDataException Error(string source, string problem, Exception? inner = null) =>
        new($"IDX file '{source}' {problem}", inner);
}
