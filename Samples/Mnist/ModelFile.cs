using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Quantization;
using Myelin.Samples.Mnist.Cli;
using MnistFiles = Myelin.Data.Mnist;

namespace Myelin.Samples.Mnist;

/// <summary>A checkpoint loaded back: which model it is, the network with its weights, and the input normalisation it was trained with.</summary>
/// <param name="Model">The model, from the <c>model</c> metadata.</param>
/// <param name="Network">The network with the checkpoint's weights.</param>
/// <param name="Normalization">The normalisation to apply to inputs, or null when it was trained on raw pixels.</param>
/// <param name="Metadata">Everything in the file's <c>__metadata__</c>.</param>
internal sealed record SavedModel(ModelInfo Model, ITrainableNetwork Network, Normalization? Normalization, IReadOnlyDictionary<string, string> Metadata);

/// <summary>An int8 checkpoint loaded back: which model it is, its int8 network, and the input normalisation of the float network it came from.</summary>
/// <param name="Model">The model, from the <c>model</c> metadata.</param>
/// <param name="Network">The int8 network with the checkpoint's weights and scales.</param>
/// <param name="Normalization">The normalisation to apply to inputs, or null for raw pixels.</param>
/// <param name="Metadata">Everything in the file's <c>__metadata__</c>.</param>
internal sealed record SavedInt8Model(ModelInfo Model, IInt8Network Network, Normalization? Normalization, IReadOnlyDictionary<string, string> Metadata);

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
        var metadata = ReadMetadata(path);
        if (Int8Checkpoint.IsInt8(metadata))
            throw new UsageException($"Checkpoint '{path}' holds an int8 network (written by 'quantize'); only 'evaluate' runs it. Give the float checkpoint it was quantised from.", ExitCodes.Failure);
        var (model, normalization) = Describe(path, metadata);
        var network = model.Create(0);
        Checkpoint.Load(network, path, strict: true);
        return new SavedModel(model, network, normalization, metadata);
    }

    /// <summary>Whether the checkpoint at <paramref name="path"/> holds an int8 network (it reads the header only).</summary>
    /// <exception cref="UsageException">The file does not exist or is a folder.</exception>
    public static bool IsInt8(string path) => Int8Checkpoint.IsInt8(ReadMetadata(path));

    /// <summary>Opens an int8 checkpoint written by <c>quantize</c>, rebuilds its int8 network from the metadata and loads it.</summary>
    /// <exception cref="UsageException">The file does not exist, is a float checkpoint, or its metadata names no known model.</exception>
    /// <exception cref="CheckpointMismatchException">The tensors do not fit the int8 network the metadata names.</exception>
    public static SavedInt8Model LoadInt8(string path)
    {
        var metadata = ReadMetadata(path);
        if (!Int8Checkpoint.IsInt8(metadata))
            throw new UsageException($"Checkpoint '{path}' holds a float network, not an int8 one; quantise it with '{CommandLine.AppName} quantize'.", ExitCodes.Failure);
        var (model, normalization) = Describe(path, metadata);
        var network = model.Create(0) as IQuantizable ?? throw new UsageException(
            $"Checkpoint '{path}' holds an int8 {model.Name}, but this app's {model.Name} has no int8 code.", ExitCodes.Failure);
        var int8 = network.CreateInt8Network(maxBatchSize: 64);
        Int8Checkpoint.Load(int8, path);
        return new SavedInt8Model(model, int8, normalization, metadata);
    }

    /// <summary>Saves an int8 network with the model name and normalisation added to <paramref name="metadata"/>.</summary>
    public static void SaveInt8(IInt8Network network, string path, ModelInfo model, Normalization? normalization, IReadOnlyDictionary<string, string> metadata)
    {
        var all = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
        {
            [ModelKey] = model.Name,
            [NormalizeKey] = Format(normalization),
        };
        Int8Checkpoint.Save(network, path, all);
    }

    /// <summary>The metadata of the checkpoint at <paramref name="path"/>.</summary>
    private static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"--load: '{path}' is a folder; give the checkpoint file (*.safetensors).", ExitCodes.Failure);
        if (!File.Exists(path)) throw new UsageException($"--load: the checkpoint '{path}' does not exist.", ExitCodes.Failure);
        using var file = SafeTensorsFile.Open(path);
        return file.Metadata;
    }

    /// <summary>Which model a checkpoint holds and how its inputs were normalised, from its metadata.</summary>
    private static (ModelInfo Model, Normalization? Normalization) Describe(string path, IReadOnlyDictionary<string, string> metadata)
    {
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
        return (model, normalization);
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
