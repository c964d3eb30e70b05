using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Tests.Core;

namespace Myelin.Tests.Checkpoints;

/// <summary>Preprocessing saved in a checkpoint's metadata and restored with the weights.</summary>
public sealed class CheckpointPreprocessingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Dataset Iris() =>
        new Dataset([5.1f, 3.5f, 7.0f, 3.2f, 6.3f, 3.3f, 4.9f, 3.0f, 6.4f, 3.2f, 5.8f, 2.7f], [2], [0, 1, 2, 0, 1, 2], 3)
            .WithClassNames(["setosa", "versicolor", "virginica"])
            .WithFeatureNames(["sepal length", "sepal width"]);

    [Fact]
    public void A_reloaded_model_predicts_the_same_class_names_from_raw_rows()
    {
        var raw = Iris();
        var trained = new TabularModel(new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy, seed: 1), Preprocessing.Fit(raw));
        string path = _temp.File("iris.safetensors");

        trained.Save(path);
        var reloaded = TabularModel.Load(new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy, seed: 99), path);

        Assert.Equal(trained.PredictClassNames(raw.Features), reloaded.PredictClassNames(raw.Features));
        Assert.Equal(trained.PredictProbabilities(raw.Features), reloaded.PredictProbabilities(raw.Features));
        Assert.Equal(["sepal length", "sepal width"], reloaded.Preprocessing.FeatureNames!);
        Assert.Equal(trained.Preprocessing.ToJson(), reloaded.Preprocessing.ToJson());
    }

    [Fact]
    public void The_file_stays_a_plain_state_dict_with_the_preprocessing_as_metadata()
    {
        var network = new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy);
        var preprocessing = Preprocessing.Fit(Iris());
        string path = _temp.File("iris.safetensors");

        Checkpoint.SaveWithPreprocessing(network, path, preprocessing, new Dictionary<string, string> { ["note"] = "iris" });
        using var file = SafeTensorsFile.Open(path);
        var plain = Checkpoint.Load(new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy, seed: 5), path);

        Assert.Equal(["dense1.weight", "dense1.bias"], file.Tensors.Select(t => t.Name));
        Assert.Equal(preprocessing.ToJson(), file.Metadata[Checkpoint.PreprocessingKey]);
        Assert.Equal("iris", file.Metadata["note"]);
        Assert.True(plain.AllKeysMatched);
        Assert.Equal(preprocessing.ToJson(), Checkpoint.ReadPreprocessing(path)!.ToJson());
    }

    [Fact]
    public void A_regressor_reloads_with_its_target_scaling()
    {
        var raw = new Dataset([1, 2, 3, 4, 5, 7, 2, 2], [2], [100_000f, 250_000f, 400_000f, 180_000f], 1).WithFeatureNames(["rooms", "area"]);
        var trained = new TabularModel(new LinearNetwork(2, 1, Loss.MeanSquaredError, seed: 3), Preprocessing.Fit(raw));
        string path = _temp.File("houses.safetensors");

        trained.Save(path);
        var reloaded = TabularModel.Load(new LinearNetwork(2, 1, Loss.MeanSquaredError, seed: 4), path);

        Assert.Equal(trained.Predict(raw.Features), reloaded.Predict(raw.Features));
        Assert.Equal(trained.Preprocessing.Targets!.Mean.ToArray(), reloaded.Preprocessing.Targets!.Mean.ToArray());
    }

    [Fact]
    public void Saving_a_preprocessing_that_does_not_fit_the_network_writes_nothing()
    {
        string path = _temp.File("bad.safetensors");

        var error = Assert.Throws<ArgumentException>(() =>
            Checkpoint.SaveWithPreprocessing(new LinearNetwork(3, 3, Loss.SoftmaxCrossEntropy), path, Preprocessing.Fit(Iris())));

        Assert.Contains("takes 3 inputs, but the preprocessing produces 2 features ('sepal length', 'sepal width')", error.Message);
        Assert.Empty(_temp.FileNames);
    }

    [Fact]
    public void Loading_into_a_network_the_preprocessing_does_not_fit_changes_nothing()
    {
        string path = _temp.File("iris.safetensors");
        Checkpoint.SaveWithPreprocessing(new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy), path, Preprocessing.Fit(Iris()));
        // Same tensors (a [1, 2] weight would not load anyway), so only the preprocessing can catch the mismatch:
        // two features and three classes against a one-output binary classifier.
        var binary = new LinearNetwork(2, 1, Loss.BinaryCrossEntropy);
        float[] before = binary.Parameters.ToArray();

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWithPreprocessing(binary, path));

        Assert.Contains("the saved preprocessing does not fit the network", error.Message);
        Assert.Contains("has 1 outputs, but the preprocessing has 3 classes", error.Message);
        Assert.Equal(before, binary.Parameters.ToArray());
    }

    [Fact]
    public void A_tabular_model_cannot_load_a_file_without_preprocessing_and_leaves_the_network_alone()
    {
        string path = _temp.File("plain.safetensors");
        Checkpoint.Save(new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy, seed: 1), path);
        var network = new LinearNetwork(2, 3, Loss.SoftmaxCrossEntropy, seed: 2);
        float[] before = network.Parameters.ToArray();

        var error = Assert.Throws<InvalidDataException>(() => TabularModel.Load(network, path));

        Assert.Contains("has no 'myelin.preprocessing' metadata", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.Null(Checkpoint.LoadWithPreprocessing(network, path).Preprocessing);
    }

    [Fact]
    public void Corrupt_preprocessing_metadata_is_an_error_naming_the_file_and_key()
    {
        string path = _temp.File("corrupt.safetensors");
        var writer = new SafeTensorsWriter();
        writer.AddFloats("dense1.weight", new float[6], [3, 2]).AddFloats("dense1.bias", new float[3], [3]);
        writer.AddMetadata(Checkpoint.PreprocessingKey, "{\"version\":1,\"feature_count\":2,\"classes\":[\"a\",\"a\"]}");
        writer.Save(path);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadPreprocessing(path));

        Assert.Contains($"metadata '{Checkpoint.PreprocessingKey}' is not a valid preprocessing", error.Message);
        Assert.Contains("Class name 'a' appears twice", error.Message);
    }
}
