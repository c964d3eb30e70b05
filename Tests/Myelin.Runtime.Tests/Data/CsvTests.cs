using Myelin.Data;

namespace Myelin.Tests.Data;

public sealed class CsvTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string Risk =
        "id,age,income,\"debt, total\",risk\r\n" +
        "a1,34,52000.5,1e3,0\r\n" +
        "\r\n" +
        "a2, 51 ,\"-2.5\",0.25,2\r\n" +
        "\"a\"\"3\",-7,0,1.5E-3,1.0\r\n";

    [Fact]
    public void A_classification_file_loads_with_quoted_fields_blank_lines_and_an_ignored_column()
    {
        string path = _temp.WriteText("risk.csv", Risk);

        Dataset data = Csv.Load(path, "risk", new CsvOptions { IgnoreColumns = ["id"] });

        Assert.Equal(3, data.Count);
        Assert.Equal([3], data.SampleShape);
        Assert.Equal(3, data.ClassCount); // inferred: largest label 2, plus one
        Assert.Equal(new[] { 0, 2, 1 }, data.Labels.ToArray());
        Assert.Equal(new[] { 34f, 52000.5f, 1000f, 51f, -2.5f, 0.25f, -7f, 0f, 0.0015f }, data.Features.ToArray());
    }

    [Fact]
    public void The_label_column_can_be_given_by_index_with_an_explicit_class_count()
    {
        string path = _temp.WriteText("risk.csv", Risk);

        Dataset data = Csv.Load(path, 4, new CsvOptions { IgnoreColumns = ["id"], ClassCount = 5 });

        Assert.Equal(5, data.ClassCount);
        Assert.Equal(new[] { 0, 2, 1 }, data.Labels.ToArray());
    }

    [Fact]
    public void A_regression_file_with_another_delimiter_loads_float_targets()
    {
        string path = _temp.WriteText("houses.tsv", "rooms\tprice\tarea\n3\t250000.5\t80\n5\t-1e2\t120.5\n");

        Dataset data = Csv.Load(path, "price", new CsvOptions { Delimiter = '\t', LabelKind = CsvLabelKind.Target });

        Assert.False(data.HasLabels);
        Assert.Equal(1, data.TargetSize);
        Assert.Equal(new[] { 250000.5f, -100f }, data.Targets.ToArray());
        Assert.Equal(new[] { 3f, 80f, 5f, 120.5f }, data.Features.ToArray());
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_fields_is_an_error_naming_the_line()
    {
        string path = _temp.WriteText("short.csv", "a,b,label\n1,2,0\n3,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains($"CSV file '{path}', line 3", error.Message);
        Assert.Contains("2 fields", error.Message);
        Assert.Contains("3 columns", error.Message);
    }

    [Fact]
    public void A_non_numeric_feature_is_an_error_naming_the_line_and_column()
    {
        string path = _temp.WriteText("text.csv", "age,city,label\n30,1,0\n40,Paris,1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains($"'{path}', line 3", error.Message);
        Assert.Contains("column 2 ('city')", error.Message);
        Assert.Contains("'Paris' is not a number", error.Message);
    }

    [Fact]
    public void A_decimal_comma_is_not_a_number_in_the_invariant_culture()
    {
        string path = _temp.WriteText("comma.csv", "x;label\n1,5;0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { Delimiter = ';' }));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("'1,5' is not a number", error.Message);
    }

    [Fact]
    public void An_empty_feature_is_an_error_naming_the_line_and_column()
    {
        string path = _temp.WriteText("gap.csv", "x,y,label\n1,,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("column 2 ('y')", error.Message);
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void A_fractional_or_negative_label_is_an_error()
    {
        string fractional = _temp.WriteText("fraction.csv", "x,label\n1,0\n2,1.5\n");
        string negative = _temp.WriteText("negative.csv", "x,label\n1,-1\n");

        var fractionError = Assert.Throws<InvalidDataException>(() => Csv.Load(fractional, "label"));
        var negativeError = Assert.Throws<InvalidDataException>(() => Csv.Load(negative, "label"));

        Assert.Contains($"'{fractional}', line 3", fractionError.Message);
        Assert.Contains("column 2 ('label')", fractionError.Message);
        Assert.Contains("'1.5' is not a class index", fractionError.Message);
        Assert.Contains("line 2", negativeError.Message);
        Assert.Contains("'-1' is not a class index", negativeError.Message);
    }

    [Fact]
    public void A_label_at_or_above_the_class_count_is_an_error()
    {
        string path = _temp.WriteText("range.csv", "x,label\n1,0\n2,1\n3,2\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { ClassCount = 2 }));

        Assert.Contains($"'{path}', line 4", error.Message);
        Assert.Contains("label 2 is not a class index in [0, 2)", error.Message);
    }

    [Theory]
    [InlineData("NaN", "NaN")]
    [InlineData("Infinity", "infinite")]
    [InlineData("-Infinity", "infinite")]
    [InlineData("1e39", "beyond the float range")]
    public void A_NaN_or_infinite_feature_is_an_error_naming_the_line_and_column(string value, string problem)
    {
        string path = _temp.WriteText("bad.csv", $"x,y,label\n1,2,0\n3,{value},1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains($"'{path}', line 3", error.Message);
        Assert.Contains("column 2 ('y')", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void A_NaN_target_is_an_error()
    {
        string path = _temp.WriteText("target.csv", "x,y\n1,NaN\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "y", new CsvOptions { LabelKind = CsvLabelKind.Target }));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("target 'NaN' is NaN", error.Message);
    }

    [Fact]
    public void An_empty_file_is_an_error_naming_the_file()
    {
        string path = _temp.WriteText("empty.csv", "\n  \n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains($"CSV file '{path}' is empty", error.Message);
    }

    [Fact]
    public void A_header_without_rows_is_an_error()
    {
        string path = _temp.WriteText("header.csv", "x,label\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains("no data rows", error.Message);
    }

    [Fact]
    public void A_missing_label_column_is_an_error_listing_the_header()
    {
        string path = _temp.WriteText("names.csv", "age,income,Risk\n1,2,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "risk"));

        Assert.Contains($"'{path}', line 1", error.Message);
        Assert.Contains("no column named 'risk'", error.Message);
        Assert.Contains("'age', 'income', 'Risk'", error.Message);
    }

    [Fact]
    public void A_label_index_beyond_the_header_is_an_error()
    {
        string path = _temp.WriteText("index.csv", "a,b\n1,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, 2));

        Assert.Contains("no column at index 2 (counting from 0) for the label", error.Message);
        Assert.Contains("'a', 'b'", error.Message);
    }

    [Fact]
    public void An_ignored_column_that_does_not_exist_is_an_error()
    {
        string path = _temp.WriteText("ignore.csv", "a,b,label\n1,2,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { IgnoreColumns = ["c"] }));

        Assert.Contains("no column named 'c' to ignore", error.Message);
    }

    [Fact]
    public void An_unterminated_quote_is_an_error_naming_the_line()
    {
        string path = _temp.WriteText("quote.csv", "a,label\n\"1,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("not closed", error.Message);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        string path = Path.Combine(_temp.Path, "absent.csv");

        var error = Assert.Throws<FileNotFoundException>(() => Csv.Load(path, "label"));

        Assert.Contains(path, error.Message);
    }
}
