using System;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace Myelin.Data;

/// <summary>
/// Turns a path or a stream into text for <see cref="CsvReader"/>: gzip is decompressed when the first bytes are its
/// signature (whatever the name), other archive formats are refused by name, and the encoding is UTF-8 unless a byte
/// order mark says otherwise.
/// </summary>
internal static class CsvSource
{
    private const int SignatureLength = 6;

    /// <summary>The description used in errors for a file.</summary>
    public static string Describe(string path) => $"CSV file '{path}'";

    /// <summary>The description used in errors for a stream or reader, by the name the caller gave.</summary>
    public static string Describe(string? name, string kind) => name is null ? $"CSV {kind}" : $"CSV '{name}'";

    /// <summary>Opens <paramref name="path"/> as text, decompressing gzip.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TextReader OpenFile(string path, string source)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{source} does not exist.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            bool gzipName = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
            return OpenStream(stream, source, gzipName, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Wraps <paramref name="stream"/> as text, decompressing gzip.</summary>
    /// <param name="stream">Read from its current position.</param>
    /// <param name="source">The description for errors.</param>
    /// <param name="gzipName">Whether the name ends in <c>.gz</c>, so that a file without the signature is reported as such.</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves <paramref name="stream"/> open.</param>
    public static TextReader OpenStream(Stream stream, string source, bool gzipName, bool leaveOpen)
    {
        if (!stream.CanRead) throw new ArgumentException($"{source}: the stream cannot be read.", nameof(stream));
        var signature = new byte[SignatureLength];
        int length = 0;
        while (length < signature.Length)
        {
            int read = stream.Read(signature, length, signature.Length - length);
            if (read == 0) break;
            length += read;
        }
        ReadOnlySpan<byte> start = signature.AsSpan(0, length);
        Stream text = new PrefixedStream(signature, length, stream, leaveOpen, corruptMessage: null);

        if (start.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            var gzip = new GZipStream(text, CompressionMode.Decompress, leaveOpen: false);
            text = new PrefixedStream([], 0, gzip, leaveOpen: false, corruptMessage: $"{source}: the gzip data is corrupt or truncated");
        }
        else
        {
            if (Archive(start) is string format)
                throw new InvalidDataException($"{source} is a {format} archive, not text; extract the CSV file from it first (only gzip is read directly).");
            if (gzipName)
                throw new InvalidDataException($"{source} ends in .gz but does not start with the gzip signature (1F 8B); it is damaged, or not gzip-compressed (rename it).");
        }
        return new StreamReader(text, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: false);
    }

    /// <summary>The name of a compression or archive format other than gzip recognised by its signature.</summary>
    private static string? Archive(ReadOnlySpan<byte> start)
    {
        if (start.StartsWith("PK\u0003\u0004"u8)) return "zip";
        if (start.StartsWith("BZh"u8)) return "bzip2";
        if (start.StartsWith((ReadOnlySpan<byte>)[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])) return "xz";
        if (start.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD])) return "zstd";
        if (start.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C])) return "7z";
        return null;
    }

    /// <summary>
    /// A read-only stream that returns the signature bytes already read, then the rest of <c>inner</c>; and, when
    /// given a message, turns <c>inner</c>'s decoding errors (gzip's) into errors that name the source.
    /// </summary>
    private sealed class PrefixedStream(byte[] prefix, int prefixLength, Stream inner, bool leaveOpen, string? corruptMessage) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < prefixLength)
            {
                int n = Math.Min(buffer.Length, prefixLength - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            if (corruptMessage is null) return inner.Read(buffer);
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{corruptMessage}: {e.Message}", e);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !leaveOpen) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
