using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Samples.Mnist.Cli;
using MnistFiles = Myelin.Data.Mnist;

namespace Myelin.Samples.Mnist;

/// <summary>A checkpoint loaded back: which model it is, the network with its weights, and the input normalisation it was trained with.</summary>
/// <param name="Model">The model, from the <c>model</c> metadata.</param>
/// <param name="Network">The network with the checkpoint's weights.</param>
/// <param name="Normalization">The normalisation to apply to inputs, or null when it was trained on raw pixels.</param>
/// <param name="Metadata">Everything in the file's <c>__metadata__</c>.</param>
internal sealed record SavedModel(ModelInfo Model, ITrainableNetwork Network, Normalization? Normalization, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The app's checkpoints: a safetensors file from <see cref="Checkpoint.Save"/> whose metadata also says which model it
/// holds (<c>model=lenet</c>) and how its inputs were normalised (<c>normalize=0.1307,0.3081</c> or <c>none</c>), so
/// that <c>evaluate</c> and <c>predict</c> rebuild the right network and feed it the same inputs.
/// </summary>
internal static class ModelFile
{
    /// <summary>Metadata keys written by <c>train --save</c>.</summary>
    public const string ModelKey = "model", NormalizeKey = "normalize", EpochsKey = "epochs", AccuracyKey = "accuracy",
        OptimizerKey = "optimizer", LearningRateKey = "lr", BatchKey = "batch", SeedKey = "seed", DataKey = "data";

    /// <summary>The metadata key of the training augmentation: its recipe (<c>shift=2,rotate=10,scale=0.1,fill=-0.42421296</c>) or <c>none</c>.</summary>
    public const string AugmentKey = "augment";

    /// <summary>The <c>normalize</c> value for raw pixels.</summary>
    public const string NoNormalization = "none";

    /// <summary>The normalisation every command uses by default: PyTorch's MNIST mean and std, <c>(x - 0.1307) / 0.3081</c>.</summary>
    public static Normalization Standard { get; } = Normalization.Scalar(MnistFiles.PixelMean, MnistFiles.PixelStd);

    /// <summary>Saves <paramref name="network"/> with the model name and normalisation added to <paramref name="metadata"/>.</summary>
    public static void Save(ITrainableNetwork network, string path, ModelInfo model, Normalization? normalization, IReadOnlyDictionary<string, string> metadata)
    {
        var all = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
        {
            [ModelKey] = model.Name,
            [NormalizeKey] = Format(normalization),
        };
        Checkpoint.Save(network, path, all);
    }

    /// <summary>Opens a checkpoint, rebuilds its network from the metadata and loads the weights (strictly).</summary>
    /// <exception cref="UsageException">The file does not exist, or its metadata names no known model or a bad normalisation.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the network the metadata names.</exception>
    public static SavedModel Load(string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"--load: '{path}' is a folder; give the checkpoint file (*.safetensors).", ExitCodes.Failure);
        if (!File.Exists(path)) throw new UsageException($"--load: the checkpoint '{path}' does not exist.", ExitCodes.Failure);

        IReadOnlyDictionary<string, string> metadata;
        using (var file = SafeTensorsFile.Open(path)) metadata = file.Metadata;

        metadata.TryGetValue(ModelKey, out string? modelName);
        metadata.TryGetValue(CheckpointMetadata.Network, out string? networkType);
        var model = ModelCatalog.Find(modelName, networkType) ?? throw new UsageException(
            modelName is not null
                ? $"Checkpoint '{path}' holds model '{modelName}', which this app does not know; the models are {string.Join(", ", ModelCatalog.Names)}."
                : $"Checkpoint '{path}' does not say which model it holds (no '{ModelKey}' metadata, network '{networkType ?? "unknown"}'); save it with '{CommandLine.AppName} train --save'.",
            ExitCodes.Failure);

        // A checkpoint written outside this app (e.g. by the ModelCheckpoint callback) has no normalize key; such a
        // file gets the app's default, which is what every command trains with unless told --no-normalize.
        var normalization = metadata.TryGetValue(NormalizeKey, out string? normalize) ? Parse(normalize, path) : Standard;
        var network = model.Create(0);
        Checkpoint.Load(network, path, strict: true);
        return new SavedModel(model, network, normalization, metadata);
    }

    /// <summary><c>0.1307,0.3081</c> (mean, std) or <c>none</c>.</summary>
    public static string Format(Normalization? normalization)
    {
        if (normalization is null) return NoNormalization;
        if (normalization.Scope != NormalizationScope.Scalar) throw new ArgumentException("Only a scalar normalization can be stored.", nameof(normalization));
        return string.Create(CultureInfo.InvariantCulture, $"{normalization.Mean[0]:R},{normalization.Std[0]:R}");
    }

    /// <summary>Reads a <c>normalize</c> value written by <see cref="Format"/>.</summary>
    /// <exception cref="UsageException">The value is neither <c>none</c> nor two numbers with a positive std.</exception>
    public static Normalization? Parse(string text, string path)
    {
        if (text == NoNormalization) return null;
        string[] parts = text.Split(',');
        if (parts.Length == 2
            && float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float mean) && float.IsFinite(mean)
            && float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float std) && float.IsFinite(std) && std > 0)
            return Normalization.Scalar(mean, std);
        throw new UsageException($"Checkpoint '{path}' has {NormalizeKey}='{text}'; expected 'mean,std' (such as 0.1307,0.3081) or 'none'.", ExitCodes.Failure);
    }
}
