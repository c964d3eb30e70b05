using Myelin.Data;

namespace Myelin.Tests.Data;

/// <summary>Class names, class indices, the class count and targets in the label column.</summary>
public sealed class CsvLabelTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string Iris =
        "sepal length,sepal width,species\n" +
        "5.1,3.5,setosa\n" +
        "4.9,3.0,setosa\n" +
        "7.0,3.2,versicolor\n" +
        "6.3,3.3,virginica\n" +
        "6.4,3.2,versicolor\n";

    [Fact]
    public void Class_names_are_encoded_in_sorted_order_and_kept()
    {
        string path = _temp.WriteText("iris.csv", Iris);

        var data = Csv.Load(path, "species");

        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames!);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal(new[] { 0, 0, 1, 2, 1 }, data.Labels.ToArray());
        Assert.Equal(["sepal length", "sepal width"], data.FeatureNames!);
        Assert.Equal("Dataset: 5 samples of [2], 3 classes (setosa, versicolor, virginica)", data.ToString());
    }

    [Fact]
    public void Declared_class_names_fix_the_order()
    {
        string path = _temp.WriteText("iris.csv", Iris);

        var data = Csv.Load(path, "species", new CsvOptions { ClassNames = ["virginica", "versicolor", "setosa"] });

        Assert.Equal(new[] { 2, 2, 1, 0, 1 }, data.Labels.ToArray());
        Assert.Equal(["virginica", "versicolor", "setosa"], data.ClassNames!);
    }

    [Fact]
    public void A_label_outside_the_declared_names_is_reported_with_its_line()
    {
        string path = _temp.WriteText("iris.csv", Iris);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "species", new CsvOptions { ClassNames = ["setosa", "versicolor"] }));

        Assert.Contains($"'{path}', line 5", error.Message);
        Assert.Contains("column 3 ('species')", error.Message);
        Assert.Contains("label 'virginica' is not one of the declared classes ('setosa', 'versicolor'", error.Message);
    }

    [Fact]
    public void More_names_than_the_declared_class_count_is_reported_at_the_first_extra_label()
    {
        string path = _temp.WriteText("iris.csv", Iris);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "species", new CsvOptions { ClassCount = 2 }));

        Assert.Contains("line 5", error.Message);
        Assert.Contains("label 'virginica' is class number 3 in the file, but CsvOptions.ClassCount is 2", error.Message);
    }

    [Fact]
    public void A_stray_label_in_a_class_index_file_is_reported_at_load_with_its_line()
    {
        // The case: a 3-class file with one label 7 used to load as 8 classes and fail only at Fit.
        string path = _temp.WriteText("stray.csv", "x,label\n1,0\n2,1\n3,2\n4,7\n5,1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label"));

        Assert.Contains($"'{path}', line 5", error.Message);
        Assert.Contains("label 7 makes 8 classes, but classes 3, 4, 5, 6 have no rows", error.Message);
    }

    [Fact]
    public void A_label_at_or_above_a_declared_class_count_is_reported_with_its_line_in_every_label_kind()
    {
        string path = _temp.WriteText("stray.csv", "x,label\n1,0\n2,1\n3,2\n4,7\n");

        foreach (var kind in new[] { CsvLabelKind.Auto, CsvLabelKind.ClassIndex })
        {
            var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "label", new CsvOptions { ClassCount = 3, LabelKind = kind }));
            Assert.Contains("line 5", error.Message);
            Assert.Contains("label 7 is not a class index in [0, 3)", error.Message);
        }
    }

    [Fact]
    public void One_based_labels_are_an_error_that_suggests_names_and_loading_them_as_names_works()
    {
        string path = _temp.WriteText("wine.csv", "alcohol,class\n14.2,1\n13.2,2\n12.4,3\n13.0,1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "class"));
        var names = Csv.Load(path, "class", new CsvOptions { LabelKind = CsvLabelKind.ClassName });

        Assert.Contains("line 4", error.Message);
        Assert.Contains("no row has label 0", error.Message);
        Assert.Contains("LabelKind = ClassName", error.Message);
        Assert.Equal(["1", "2", "3"], names.ClassNames!);
        Assert.Equal(new[] { 0, 1, 2, 0 }, names.Labels.ToArray());
    }

    [Fact]
    public void A_declared_class_count_allows_classes_without_rows()
    {
        string path = _temp.WriteText("subset.csv", "x,label\n1,0\n2,2\n");

        var data = Csv.Load(path, "label", new CsvOptions { ClassCount = 4 });

        Assert.Equal(4, data.ClassCount);
        Assert.Null(data.ClassNames);
    }

    [Fact]
    public void Numeric_names_are_ordered_by_value()
    {
        string path = _temp.WriteText("grades.csv", "x,grade\n1,10\n2,2\n3,1\n4,-1\n");

        var data = Csv.Load(path, "grade", new CsvOptions { LabelKind = CsvLabelKind.ClassName });

        Assert.Equal(["-1", "1", "2", "10"], data.ClassNames!);
        Assert.Equal(new[] { 3, 2, 1, 0 }, data.Labels.ToArray());
    }

    [Fact]
    public void A_fractional_label_in_auto_mode_suggests_a_target_or_names()
    {
        string path = _temp.WriteText("price.csv", "rooms,price\n3,250.5\n4,310\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "price"));
        var targets = Csv.Load(path, "price", new CsvOptions { LabelKind = CsvLabelKind.Target });

        Assert.Contains("line 2", error.Message);
        Assert.Contains("label '250.5' is not a class index", error.Message);
        Assert.Contains("Set CsvOptions.LabelKind to Target", error.Message);
        Assert.Equal(new[] { 250.5f, 310f }, targets.Targets.ToArray());
    }

    [Fact]
    public void A_non_numeric_label_is_an_error_when_class_indices_are_declared()
    {
        string path = _temp.WriteText("iris.csv", Iris);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "species", new CsvOptions { LabelKind = CsvLabelKind.ClassIndex }));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("label 'setosa' is not a number", error.Message);
    }

    [Fact]
    public void An_empty_label_is_an_error_naming_the_line()
    {
        string path = _temp.WriteText("gap.csv", "x,species\n1,setosa\n2,\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, "species"));

        Assert.Contains("line 3", error.Message);
        Assert.Contains("the label is empty", error.Message);
    }

    [Fact]
    public void Contradictory_label_options_are_refused()
    {
        string path = _temp.WriteText("iris.csv", Iris);

        Assert.Throws<ArgumentException>(() => Csv.Load(path, "species", new CsvOptions { LabelKind = CsvLabelKind.Target, ClassCount = 3 }));
        Assert.Throws<ArgumentException>(() => Csv.Load(path, "species", new CsvOptions { ClassNames = ["a", "b"], ClassCount = 3 }));
        Assert.Throws<ArgumentException>(() => Csv.Load(path, "species", new CsvOptions { ClassNames = ["a", "a"] }));
    }

    [Fact]
    public void The_label_encoder_round_trips_names_and_lists_the_classes_for_an_unknown_one()
    {
        var encoder = LabelEncoder.Fit(["b", "a", "c", "a"]);

        Assert.Equal(["a", "b", "c"], encoder.Classes);
        Assert.Equal(1, encoder.Encode("b"));
        Assert.Equal("c", encoder.Decode(2));
        Assert.True(encoder.TryEncode("a".AsSpan(), out int a));
        Assert.Equal(0, a);
        var error = Assert.Throws<ArgumentException>(() => encoder.Encode("d"));
        Assert.Contains("'d' is not one of the 3 classes ('a', 'b', 'c')", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Decode(3));
    }
}
