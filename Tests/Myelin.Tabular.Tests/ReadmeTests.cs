using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Samples.Tabular;
using Myelin.Training;

namespace Myelin.Tabular.Tests;

/// <summary>The README's "Tabular data" section, line for line, on a written iris-like file.</summary>
public sealed class ReadmeTests : IDisposable
{
    private readonly TabularFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_readme_tabular_path_trains_saves_reloads_and_predicts_species_names()
    {
        string iris = _files.Iris();
        string saved = _files.PathOf("iris.safetensors");
        string rows = _files.Write("new.csv", "sepal length,sepal width,petal length,petal width\n5.1,3.5,1.4,0.2\n6.9,3.1,5.9,2.2\n");

        var data = Csv.Load(iris, "species");
        var (train, test) = data.Split(0.8, seed: 1, stratify: true);
        var preprocessing = Preprocessing.Fit(train);
        var net = new Classifier4x3(seed: 1);
        net.Fit(preprocessing.Transform(train), new FitOptions { Epochs = 100, BatchSize = 16, Optimizer = new Adam(3e-3) });
        var model = new TabularModel(net, preprocessing);
        var report = ClassificationReport.For(model, test);
        model.Save(saved);

        var reloaded = TabularModel.Load(new Classifier4x3(), saved);
        string[] species = reloaded.PredictClassNames(Csv.LoadFeatures(rows, reloaded.Preprocessing.FeatureNames!));

        Assert.InRange(report.Accuracy, 0.9, 1.0);
        Assert.Equal(["setosa", "virginica"], species);
    }
}
