using System;
using System.Collections.Generic;
using Myelin.Checkpoints;

namespace Myelin.Data;

/// <summary>
/// A trained network with the <see cref="Data.Preprocessing"/> it was trained with: it predicts from raw rows (the
/// CSV's feature columns, unscaled) and answers with class names, probabilities, or values in the target's original
/// units. <see cref="Load"/> restores both from one checkpoint.
/// </summary>
/// <example>
/// <code>
/// var model = TabularModel.Load(new IrisNet(), "iris.safetensors");
/// string[] species = model.PredictClassNames(Csv.LoadFeatures("new.csv", model.Preprocessing.FeatureNames!));
/// </code>
/// </example>
public sealed class TabularModel
{
    /// <summary>Pairs <paramref name="network"/> with <paramref name="preprocessing"/>.</summary>
    /// <exception cref="ArgumentException">The preprocessing does not fit the network.</exception>
    public TabularModel(INetwork network, Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.CheckFits(network);
        Network = network;
        Preprocessing = preprocessing;
    }

    /// <summary>The network.</summary>
    public INetwork Network { get; }

    /// <summary>The preprocessing between raw rows and the network.</summary>
    public Preprocessing Preprocessing { get; }

    /// <summary>Loads the weights and the preprocessing saved by <see cref="Save"/> (or <see cref="Checkpoint.SaveWithPreprocessing"/>) into <paramref name="network"/>.</summary>
    /// <exception cref="System.IO.InvalidDataException">The file has no preprocessing, or it does not fit the network.</exception>
    public static TabularModel Load(INetwork network, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        // Checked before loading, so that a file without preprocessing leaves the network untouched.
        if (Checkpoint.ReadPreprocessing(path) is null)
            throw new System.IO.InvalidDataException($"'{path}' has no '{Checkpoint.PreprocessingKey}' metadata: it was saved without preprocessing. Load it with Checkpoint.Load and build the Preprocessing yourself.");
        var (_, preprocessing) = Checkpoint.LoadWithPreprocessing(network, path, strict);
        return new TabularModel(network, preprocessing!);
    }

    /// <summary>Saves the network's weights with the preprocessing in the metadata.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) => Checkpoint.SaveWithPreprocessing(Network, path, Preprocessing, metadata);

    /// <summary>The class index of every raw row (<c>n * FeatureCount</c> floats).</summary>
    public int[] PredictClass(ReadOnlySpan<float> rawRows)
    {
        var inputs = Scale(rawRows);
        var classes = new int[inputs.Length / Preprocessing.FeatureCount];
        Network.PredictClass(inputs, classes);
        return classes;
    }

    /// <summary>The class name of every raw row; class indices as text when the classes are unnamed.</summary>
    public string[] PredictClassNames(ReadOnlySpan<float> rawRows)
    {
        int[] classes = PredictClass(rawRows);
        var names = new string[classes.Length];
        for (int i = 0; i < names.Length; i++) names[i] = Preprocessing.ClassName(classes[i]);
        return names;
    }

    /// <summary>The probability of every class for every raw row, <c>n * ClassCount</c> floats (see <see cref="NetworkPrediction.PredictProbabilities(INetwork, ReadOnlySpan{float}, Span{float})"/>).</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> rawRows)
    {
        var inputs = Scale(rawRows);
        var probabilities = new float[inputs.Length / Preprocessing.FeatureCount * Network.ClassCount()];
        Network.PredictProbabilities(inputs, probabilities);
        return probabilities;
    }

    /// <summary>
    /// The network's outputs for every raw row, <c>n * OutputSize</c> floats, mapped back to the target's original
    /// units when the preprocessing scales targets: what a regressor predicts.
    /// </summary>
    public float[] Predict(ReadOnlySpan<float> rawRows)
    {
        var inputs = Scale(rawRows);
        var outputs = NetworkPrediction.Forward(Network, inputs, inputs.Length / Preprocessing.FeatureCount);
        Preprocessing.InverseTransformTargets(outputs);
        return outputs;
    }

    private float[] Scale(ReadOnlySpan<float> rawRows)
    {
        var inputs = rawRows.ToArray();
        Preprocessing.TransformFeatures(inputs);
        return inputs;
    }
}
