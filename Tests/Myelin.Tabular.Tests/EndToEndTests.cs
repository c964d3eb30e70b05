using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Samples.Tabular;
using Myelin.Training;

namespace Myelin.Tabular.Tests;

/// <summary>The whole tabular path on files the tests write: load, split, preprocess, train, report, save, reload, predict.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly TabularFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_class_sorted_iris_file_with_species_names_trains_and_reloads_with_its_names()
    {
        string csv = _files.Iris();
        string model = _files.PathOf("iris.safetensors");

        var (code, output, errors) = AppRunner.Run("--csv", csv, "--label", "species", "--task", "classify", "--save", model);

        Assert.Equal("", errors);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("3 classes (setosa, versicolor, virginica), rows per class 50/50/50", output);
        Assert.Contains("Training classifier4x3 on 120 rows (stratified split), testing on 30", output);
        // The stratified test split holds every species, ten each, although the file is sorted by species.
        foreach (string species in new[] { "setosa", "versicolor", "virginica" })
            Assert.Matches($@"{species}\s+\d\.\d{{4}}\s+\d\.\d{{4}}\s+\d\.\d{{4}}\s+10\r?\n", output);
        Assert.Contains("reloaded, it gives the same predictions on the raw test rows", output);

        // The file alone predicts species names from raw rows; on these overlapping classes a working model gets most right.
        var reloaded = TabularModel.Load(new Classifier4x3(), model);
        var raw = Csv.Load(csv, "species");
        var report = ClassificationReport.For(reloaded, raw);
        Assert.InRange(report.Accuracy, 0.9, 1.0);
        Assert.Equal(["setosa", "versicolor", "virginica"], reloaded.Preprocessing.Classes!.Classes);
        Assert.Equal(["sepal length", "sepal width", "petal length", "petal width"], reloaded.Preprocessing.FeatureNames!);
    }

    [Fact]
    public void The_standardisation_is_fitted_on_the_training_split_only()
    {
        string csv = _files.Iris();
        string model = _files.PathOf("iris.safetensors");

        AppRunner.Run("--csv", csv, "--label", "species", "--task", "classify", "--save", model, "--epochs", "1", "--seed", "4");

        var saved = Checkpoint.ReadPreprocessing(model)!;
        var (train, test) = Csv.Load(csv, "species").Split(0.8, seed: 4, stratify: true);
        var normalization = Assert.IsType<Normalization>(saved.Features);
        Assert.Equal(Normalization.Fit(train).Mean.ToArray(), normalization.Mean.ToArray());
        Assert.Equal(Normalization.Fit(train).Std.ToArray(), normalization.Std.ToArray());
        Assert.NotEqual(Normalization.Fit(Csv.Load(csv, "species")).Mean.ToArray(), normalization.Mean.ToArray());
    }

    [Fact]
    public void A_gzipped_scikit_learn_style_binary_file_trains_a_one_logit_network_and_reports_ROC_AUC()
    {
        string csv = _files.CancerGz();
        string model = _files.PathOf("cancer.safetensors");

        var (code, output, errors) = AppRunner.Run("--csv", csv, "--label", "30", "--skip-lines", "1", "--task", "classify", "--save", model, "--epochs", "40");

        Assert.Equal("", errors);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Read 300 rows of 30 features", output);
        Assert.Contains("2 classes (class indices 0 to 1, counted from the labels), rows per class 110/190", output);
        Assert.Contains("Training binary30", output);
        Assert.Contains("roc auc", output);

        var reloaded = TabularModel.Load(new Binary30(), model);
        var raw = Csv.Load(csv, 30, new CsvOptions { SkipLines = 1 });
        var report = ClassificationReport.For(reloaded, raw);
        Assert.InRange(report.Accuracy, 0.9, 1.0);
        Assert.InRange(report.RocAuc!.Value, 0.95, 1.0);
    }

    [Fact]
    public void A_regression_file_reports_R2_MAE_and_RMSE_in_the_targets_units_and_reloads()
    {
        string csv = _files.Houses();
        string model = _files.PathOf("houses.safetensors");

        var (code, output, errors) = AppRunner.Run("--csv", csv, "--label", "price", "--task", "regress", "--ignore", "id", "--save", model, "--epochs", "60");

        Assert.Equal("", errors);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Training regressor8 on 320 rows, testing on 80", output);
        Assert.Matches(@"R² 0\.9\d{3}, MAE \d+(\.\d+)?, RMSE \d+(\.\d+)? \(n = 80\)", output);

        var reloaded = TabularModel.Load(new Regressor8(), model);
        var raw = Csv.Load(csv, "price", new CsvOptions { LabelKind = CsvLabelKind.Target, IgnoreColumns = ["id"] });
        var report = RegressionReport.For(reloaded, raw);
        Assert.InRange(report.RSquared, 0.9, 1.0);
        // In dollars, not standardised units: the prices spread by about 80,000 around 250,000.
        Assert.InRange(report.MeanAbsoluteError, 1_000, 30_000);
    }

    [Fact]
    public void Predict_reads_new_rows_by_the_saved_feature_names_and_prints_class_names()
    {
        string model = _files.PathOf("iris.safetensors");
        AppRunner.Run("--csv", _files.Iris(), "--label", "species", "--task", "classify", "--save", model);
        // Columns in another order, an id column, and no label: the model picks its features by name.
        string rows = _files.Write("new.csv",
            "petal width,id,sepal width,petal length,sepal length\n0.2,a,3.5,1.4,5.1\n2.1,b,3.0,5.8,6.9\n1.3,c,2.8,4.2,5.9\n");

        var (code, output, errors) = AppRunner.Run("predict", "--load", model, "--csv", rows);

        Assert.Equal("", errors);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Matches(@"row 1: setosa \(p = [01]\.\d{3}\)", output);
        Assert.Matches(@"row 2: virginica \(p = [01]\.\d{3}\)", output);
        Assert.Matches(@"row 3: versicolor \(p = [01]\.\d{3}\)", output);
    }

    [Fact]
    public void Predict_prints_values_in_the_targets_units_for_a_regressor()
    {
        string csv = _files.Houses();
        string model = _files.PathOf("houses.safetensors");
        AppRunner.Run("--csv", csv, "--label", "price", "--task", "regress", "--ignore", "id", "--save", model, "--epochs", "30");

        var (code, output, _) = AppRunner.Run("predict", "--load", model, "--csv", csv);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("400 rows of", output);
        var first = double.Parse(output.Split('\n')[1].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(first, 50_000, 500_000);
    }
}
