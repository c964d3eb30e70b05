using System.IO.Compression;
using Myelin.Data;

namespace Myelin.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // An unsigned-byte rank-3 array [2, 2, 3] written out by hand: magic 00 00 08 03, three big-endian dimensions, 12 bytes.
    private static readonly byte[] UnsignedBytes3D =
    [
        0x00, 0x00, 0x08, 0x03,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x03,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 255,
    ];

    private static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal)) gzip.Write(raw);
        return memory.ToArray();
    }

    [Fact]
    public void An_unsigned_byte_file_written_byte_by_byte_reads_back_with_its_shape_and_values()
    {
        string path = _temp.Write("cube.idx", UnsignedBytes3D);

        IdxArray array = IdxReader.Read(path);

        Assert.Equal(IdxDataType.UnsignedByte, array.DataType);
        Assert.Equal([2, 2, 3], array.Dimensions);
        Assert.Equal(3, array.Rank);
        Assert.Equal(12, array.Length);
        Assert.Equal(UnsignedBytes3D[16..], array.AsSpan<byte>().ToArray());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 255 }, array.ToSingleArray());
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 255 }, array.ToInt32Array());
        Assert.Equal(path, array.Source);
    }

    [Fact]
    public void A_gzipped_file_is_recognised_by_its_magic_bytes_whatever_its_name()
    {
        string gzippedWithoutExtension = _temp.Write("cube.idx", Gzip(UnsignedBytes3D));
        string rawWithGzExtension = _temp.Write("cube-raw.gz", UnsignedBytes3D);

        IdxArray fromGzip = IdxReader.Read(gzippedWithoutExtension);
        IdxArray fromRaw = IdxReader.Read(rawWithGzExtension);

        Assert.Equal([2, 2, 3], fromGzip.Dimensions);
        Assert.Equal(UnsignedBytes3D[16..], fromGzip.AsSpan<byte>().ToArray());
        Assert.Equal(UnsignedBytes3D[16..], fromRaw.AsSpan<byte>().ToArray());
    }

    [Fact]
    public void A_non_seekable_gzipped_stream_is_read_too()
    {
        using var stream = new NonSeekableStream(Gzip(UnsignedBytes3D));

        IdxArray array = IdxReader.Read(stream, "network stream");

        Assert.Equal(UnsignedBytes3D[16..], array.AsSpan<byte>().ToArray());
    }

    [Fact]
    public void Multi_byte_element_types_are_read_as_big_endian()
    {
        // int16 [3]: 1, -2, 0x1234
        byte[] shorts = [0, 0, 0x0B, 1, 0, 0, 0, 3, 0x00, 0x01, 0xFF, 0xFE, 0x12, 0x34];
        // int32 [2]: 0x01020304, -1
        byte[] ints = [0, 0, 0x0C, 1, 0, 0, 0, 2, 0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFF];
        // float [2, 1]: 1.5 (3F C0 00 00), -0.25 (BE 80 00 00)
        byte[] floats = [0, 0, 0x0D, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0x3F, 0xC0, 0x00, 0x00, 0xBE, 0x80, 0x00, 0x00];
        // double [1]: 2.5 (40 04 00 00 00 00 00 00)
        byte[] doubles = [0, 0, 0x0E, 1, 0, 0, 0, 1, 0x40, 0x04, 0, 0, 0, 0, 0, 0];
        // sbyte [2]: -128, 127
        byte[] sbytes = [0, 0, 0x09, 1, 0, 0, 0, 2, 0x80, 0x7F];

        IdxArray s = IdxReader.Read(_temp.Write("s.idx", shorts));
        IdxArray i = IdxReader.Read(_temp.Write("i.idx.gz", Gzip(ints)));
        IdxArray f = IdxReader.Read(_temp.Write("f.idx", floats));
        IdxArray d = IdxReader.Read(_temp.Write("d.idx", doubles));
        IdxArray b = IdxReader.Read(_temp.Write("b.idx", sbytes));

        Assert.Equal(new short[] { 1, -2, 0x1234 }, s.AsSpan<short>().ToArray());
        Assert.Equal(new[] { 1, -2, 0x1234 }, s.ToInt32Array());
        Assert.Equal(new[] { 0x01020304, -1 }, i.AsSpan<int>().ToArray());
        Assert.Equal([2, 1], f.Dimensions);
        Assert.Equal(new[] { 1.5f, -0.25f }, f.AsSpan<float>().ToArray());
        Assert.Equal(new[] { 2.5 }, d.AsSpan<double>().ToArray());
        Assert.Equal(new[] { 2.5f }, d.ToSingleArray());
        Assert.Equal(new sbyte[] { -128, 127 }, b.AsSpan<sbyte>().ToArray());
        Assert.Equal(IdxDataType.Double, d.DataType);
    }

    [Fact]
    public void Asking_for_the_wrong_element_type_names_the_file_and_both_types()
    {
        string path = _temp.Write("cube.idx", UnsignedBytes3D);
        IdxArray array = IdxReader.Read(path);

        var error = Assert.Throws<InvalidOperationException>(() => array.AsSpan<float>().Length);

        Assert.Contains(path, error.Message);
        Assert.Contains("UnsignedByte", error.Message);
        Assert.Contains("Single", error.Message);
    }

    [Fact]
    public void Floats_cannot_be_read_as_integers()
    {
        byte[] floats = [0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0x00, 0x00];
        IdxArray array = IdxReader.Read(_temp.Write("f.idx", floats));

        var error = Assert.Throws<InvalidOperationException>(() => array.ToInt32Array());

        Assert.Contains("not integers", error.Message);
    }

    [Fact]
    public void A_bad_magic_number_is_an_error_naming_the_file_and_the_bytes_found()
    {
        string path = _temp.Write("text.idx", "hello, world"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("magic number is 68 65 6c 6c", error.Message);
        Assert.Contains("00 00 <type> <rank>", error.Message);
    }

    [Fact]
    public void An_unknown_element_type_is_an_error_naming_the_type_byte()
    {
        string path = _temp.Write("odd.idx", [0, 0, 0x0A, 1, 0, 0, 0, 1, 7]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("unknown IDX element type 0x0A", error.Message);
    }

    [Fact]
    public void Rank_zero_is_an_error()
    {
        string path = _temp.Write("scalar.idx", [0, 0, 0x08, 0, 7]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("rank 0", error.Message);
    }

    [Fact]
    public void Truncated_data_is_an_error_with_the_expected_and_actual_byte_counts()
    {
        // [3, 4] unsigned bytes need 12 data bytes; only 10 follow the header.
        byte[] file = [0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0, 0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        string raw = _temp.Write("short.idx", file);
        string gzipped = _temp.Write("short.idx.gz", Gzip(file));

        var rawError = Assert.Throws<InvalidDataException>(() => IdxReader.Read(raw));
        var gzipError = Assert.Throws<InvalidDataException>(() => IdxReader.Read(gzipped));

        Assert.Contains(raw, rawError.Message);
        Assert.Contains("truncated", rawError.Message);
        Assert.Contains("need 12 data bytes", rawError.Message);
        Assert.Contains("has only 10", rawError.Message);
        Assert.Contains(gzipped, gzipError.Message);
        Assert.Contains("decompressed IDX data has only 10", gzipError.Message);
    }

    [Fact]
    public void A_truncated_header_is_an_error_with_the_header_size()
    {
        // Rank 3 needs a 16-byte header; the file ends after 10 bytes.
        string path = _temp.Write("header.idx", [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("needs 16 header bytes", error.Message);
        Assert.Contains("has only 10", error.Message);
    }

    [Fact]
    public void Dimensions_whose_product_overflows_an_array_are_an_error()
    {
        // 65536 x 65536 ints = 2^34 bytes, far beyond any array.
        string path = _temp.Write("huge.idx", [0, 0, 0x0C, 2, 0, 1, 0, 0, 0, 1, 0, 0]);
        // A single dimension above int.MaxValue: 0x80000000.
        string wide = _temp.Write("wide.idx", [0, 0, 0x08, 1, 0x80, 0, 0, 0]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        var wideError = Assert.Throws<InvalidDataException>(() => IdxReader.Read(wide));

        Assert.Contains(path, error.Message);
        Assert.Contains("65536 x 65536", error.Message);
        Assert.Contains("more than", error.Message);
        Assert.Contains("2147483648", wideError.Message);
    }

    [Fact]
    public void Bytes_after_the_data_are_an_error()
    {
        byte[] file = [.. UnsignedBytes3D, 1, 2, 3];
        string path = _temp.Write("long.idx", file);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("has 3 bytes after the 12 data bytes", error.Message);
    }

    [Fact]
    public void A_corrupt_gzip_file_is_an_error_naming_the_file()
    {
        string path = _temp.Write("corrupt.gz", [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x13]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("gzip", error.Message);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error_naming_it()
    {
        string path = Path.Combine(_temp.Path, "absent.idx");

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
