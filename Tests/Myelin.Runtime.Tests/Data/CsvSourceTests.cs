using System.IO.Compression;
using System.Text;
using Myelin.Data;

namespace Myelin.Tests.Data;

/// <summary>Headers, skipped lines, streams, readers and compression.</summary>
public sealed class CsvSourceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// scikit-learn's breast_cancer.csv layout: a metadata line (samples, features, class names), then headerless rows
    /// with the label last.
    /// </summary>
    private const string Cancer =
        "4,5,malignant,benign\n" +
        "17.99,10.38,122.8,1001,0.1184,0\n" +
        "20.57,17.77,132.9,1326,0.08474,0\n" +
        "13.54,14.36,87.46,566.3,0.09779,1\n" +
        "7.76,24.54,47.92,181,0.05263,1\n";

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    [Fact]
    public void A_metadata_first_line_taken_for_a_header_is_reported_with_the_skip_lines_hint()
    {
        string path = _temp.WriteText("cancer.csv", Cancer);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, 3));

        Assert.Contains($"'{path}', line 2", error.Message);
        Assert.Contains("the row has 6 fields, but the header (line 1) has 4 columns ('4', '5', 'malignant', 'benign')", error.Message);
        Assert.Contains("If line 1 is a metadata line rather than column names", error.Message);
        Assert.Contains("CsvOptions.SkipLines = 1", error.Message);
    }

    [Fact]
    public void Skipping_the_metadata_line_loads_every_row_of_a_headerless_file()
    {
        string path = _temp.WriteText("cancer.csv", Cancer);

        var data = Csv.Load(path, 5, new CsvOptions { SkipLines = 1 });

        Assert.Equal(4, data.Count);
        Assert.Equal(["column1", "column2", "column3", "column4", "column5"], data.FeatureNames!);
        Assert.Equal(new[] { 0, 0, 1, 1 }, data.Labels.ToArray());
        Assert.Equal(17.99f, data.Sample(0)[0]);
        Assert.Equal(0.05263f, data.Sample(3)[4]);
    }

    [Fact]
    public void A_metadata_line_read_as_data_says_to_skip_it_when_the_label_is_not_found()
    {
        string path = _temp.WriteText("meta.csv", "150,4,setosa,versicolor,virginica\nx,y,species\n1,2,setosa\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "species"));
        var skipped = Csv.Load(path, "species", new CsvOptions { SkipLines = 1 });

        Assert.Contains("no column named 'species' for the label", error.Message);
        Assert.Contains("if it is a metadata line, skip it with CsvOptions.SkipLines", error.Message);
        Assert.Equal(["x", "y"], skipped.FeatureNames!);
    }

    [Fact]
    public void A_headerless_numeric_file_keeps_its_first_sample()
    {
        string path = _temp.WriteText("digits.csv", "0,1,2,0\n3,4,5,1\n6,7,8,2\n");

        var detected = Csv.Load(path, 3);
        var declared = Csv.Load(path, 3, new CsvOptions { HasHeader = CsvHeader.No });

        Assert.Equal(3, detected.Count);
        Assert.Equal(new[] { 0f, 1f, 2f }, detected.Sample(0).ToArray());
        Assert.Equal(detected.Features.ToArray(), declared.Features.ToArray());
    }

    [Fact]
    public void A_headerless_file_with_names_as_labels_is_detected_as_data()
    {
        string path = _temp.WriteText("iris.csv", "5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,virginica\n");

        var data = Csv.Load(path, 4);

        Assert.Equal(3, data.Count);
        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames!);
    }

    [Fact]
    public void A_declared_header_is_taken_even_when_it_is_numeric()
    {
        string path = _temp.WriteText("numbers.csv", "1,2,3\n4,5,0\n7,8,1\n");

        var data = Csv.Load(path, "3", new CsvOptions { HasHeader = CsvHeader.Yes });

        Assert.Equal(2, data.Count);
        Assert.Equal(["1", "2"], data.FeatureNames!);
    }

    [Fact]
    public void Line_numbers_in_errors_count_the_skipped_lines()
    {
        string path = _temp.WriteText("skip.csv", "# exported 2024\n# units: cm\nx,label\n1,0\noops,1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { SkipLines = 2 }));

        Assert.Contains($"'{path}', line 5", error.Message);
        Assert.Contains("column 1 ('x')", error.Message);
    }

    [Fact]
    public void Skipping_more_lines_than_the_file_has_is_an_error()
    {
        string path = _temp.WriteText("short.csv", "x,label\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { SkipLines = 3 }));

        Assert.Contains("has only 1 line, but CsvOptions.SkipLines is 3", error.Message);
    }

    [Fact]
    public void A_gzip_file_is_read_by_its_extension_and_signature()
    {
        string plain = _temp.WriteText("iris.csv", "x,y,species\n1,2,setosa\n3,4,virginica\n");
        string compressed = _temp.Write("iris.csv.gz", Gzip(File.ReadAllText(plain)));
        string unnamed = _temp.Write("iris.data", Gzip(File.ReadAllText(plain)));

        var expected = Csv.Load(plain, "species");

        foreach (string path in new[] { compressed, unnamed })
        {
            var data = Csv.Load(path, "species");
            Assert.Equal(expected.Features.ToArray(), data.Features.ToArray());
            Assert.Equal(expected.Labels.ToArray(), data.Labels.ToArray());
            Assert.Equal(expected.ClassNames, data.ClassNames);
        }
    }

    [Fact]
    public void A_gz_name_without_the_gzip_signature_is_an_error_naming_the_file()
    {
        string path = _temp.WriteText("plain.csv.gz", "x,label\n1,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains($"CSV file '{path}' ends in .gz but does not start with the gzip signature", error.Message);
    }

    [Fact]
    public void Corrupt_gzip_data_is_an_error_naming_the_file()
    {
        byte[] bytes = Gzip(string.Concat(Enumerable.Repeat("1,2,0\n", 2000)));
        for (int i = 20; i < bytes.Length - 10; i += 7) bytes[i] ^= 0x5A;
        string path = _temp.Write("broken.csv.gz", bytes);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, 2));

        Assert.Contains($"CSV file '{path}'", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0 }, "zip")]
    [InlineData(new byte[] { 0x42, 0x5A, 0x68, 0x39, 0, 0 }, "bzip2")]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0, 0 }, "zstd")]
    public void Other_archive_formats_are_refused_by_name(byte[] signature, string format)
    {
        string path = _temp.Write("data.bin", [.. signature, .. new byte[64]]);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, 0));

        Assert.Contains($"is a {format} archive, not text", error.Message);
    }

    [Fact]
    public void A_binary_file_is_reported_as_not_text_instead_of_garbage_column_names()
    {
        string path = _temp.Write("model.bin", [0x01, 0x00, 0x02, 0x03, 0x2C, 0x41, 0x0A, 0x31, 0x2C, 0x32]);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, 0));

        Assert.Contains("is not text", error.Message);
        Assert.Contains("NUL", error.Message);
    }

    [Fact]
    public void A_stream_is_read_from_its_position_gzip_included_and_left_open()
    {
        byte[] compressed = Gzip("x,label\n1.5,0\n2.5,1\n");
        using var stream = new MemoryStream([0xAA, 0xBB, .. compressed]);
        stream.Position = 2;

        var data = Csv.Load(stream, "label", name: "upload.csv.gz");

        Assert.Equal(new[] { 1.5f, 2.5f }, data.Features.ToArray());
        Assert.True(stream.CanRead);
    }

    [Fact]
    public void Errors_from_a_stream_or_reader_use_the_given_name()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("x,label\nbad,0\n"));
        using var reader = new StringReader("x,label\nbad,0\n");

        var named = Assert.Throws<InvalidDataException>(() => Csv.Load(stream, "label", name: "s3://bucket/train.csv"));
        var unnamed = Assert.Throws<InvalidDataException>(() => Csv.Load(reader, "label"));

        Assert.StartsWith("CSV 's3://bucket/train.csv', line 2: column 1 ('x')", named.Message);
        Assert.StartsWith("CSV text, line 2:", unnamed.Message);
    }

    [Fact]
    public void A_text_reader_is_left_open()
    {
        using var reader = new StringReader("x,label\n1,0\n2,1\n");

        var data = Csv.Load(reader, "label");

        Assert.Equal(2, data.Count);
        Assert.Equal(-1, reader.Peek()); // read to the end, and not disposed (Peek on a disposed reader throws)
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_line_ends_are_handled()
    {
        string path = _temp.Write("bom.csv", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("x,label\r\n1,0\r\n")]);

        var data = Csv.Load(path, "label");

        Assert.Equal(["x"], data.FeatureNames!);
        Assert.Equal(1, data.Count);
    }

    [Fact]
    public void A_quoted_field_may_span_lines_and_later_lines_keep_their_numbers()
    {
        string path = _temp.WriteText("notes.csv", "note,x,label\n\"two\nlines\",1,0\nshort,oops,1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { IgnoreColumns = ["note"] }));

        Assert.Contains("line 4", error.Message);
        Assert.Contains("'oops' is not a number", error.Message);
    }

    [Fact]
    public void A_thousands_separator_is_not_a_number()
    {
        string path = _temp.WriteText("money.csv", "income,label\n\"1,234.5\",0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("'1,234.5' is not a number", error.Message);
    }

    [Fact]
    public void LoadFeatures_reads_named_columns_in_the_given_order_and_ignores_the_rest()
    {
        string path = _temp.WriteText("new.csv", "id,b,a,label\nx1,2,1,setosa\nx2,4,3,virginica\n");

        float[] rows = Csv.LoadFeatures(path, ["a", "b"]);

        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, rows);
    }

    [Fact]
    public void LoadFeatures_names_a_missing_column_and_the_columns_there_are()
    {
        string path = _temp.WriteText("new.csv", "a,c\n1,2\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.LoadFeatures(path, ["a", "b"]));

        Assert.Contains("no column named 'b' for a feature", error.Message);
        Assert.Contains("'a', 'c'", error.Message);
    }

    [Fact]
    public void A_column_name_that_differs_only_in_case_is_pointed_out()
    {
        string path = _temp.WriteText("case.csv", "x,Species\n1,a\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "species"));

        Assert.Contains("'Species' differs only in case", error.Message);
    }

    [Theory]
    [InlineData('"')]
    [InlineData('\n')]
    [InlineData(' ')]
    public void An_impossible_delimiter_is_refused_before_the_file_is_opened(char delimiter)
    {
        var error = Assert.Throws<ArgumentException>(() => Csv.Load(Path.Combine(_temp.Path, "absent.csv"), 0, new CsvOptions { Delimiter = delimiter }));

        Assert.Contains("CsvOptions.Delimiter cannot be", error.Message);
    }
}
