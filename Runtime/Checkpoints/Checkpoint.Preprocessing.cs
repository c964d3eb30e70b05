using System;
using System.Collections.Generic;
using System.IO;
using Myelin.Data;

namespace Myelin.Checkpoints;

public static partial class Checkpoint
{
    /// <summary>
    /// <c>myelin.preprocessing</c>: the <see cref="Data.Preprocessing"/> a model was trained with, as the JSON of
    /// <see cref="Data.Preprocessing.ToJson"/> (feature names, feature scaler, class names, target scaling).
    /// </summary>
    public const string PreprocessingKey = "myelin.preprocessing";

    /// <summary>
    /// Saves <paramref name="network"/> as <see cref="Save(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/>
    /// does, with <paramref name="preprocessing"/> in the metadata under <see cref="PreprocessingKey"/>, so that the
    /// file alone predicts from raw rows. The file stays a plain PyTorch <c>state_dict</c>: the preprocessing is
    /// metadata, not a tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The preprocessing does not fit the network (feature, class or target count).</exception>
    public static void SaveWithPreprocessing(INetwork network, string path, Preprocessing preprocessing, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.CheckFits(network);
        var writer = CreateWriter(network, metadata);
        writer.AddMetadata(PreprocessingKey, preprocessing.ToJson());
        writer.Save(path);
    }

    /// <summary>
    /// Loads a checkpoint as <see cref="Load(INetwork, string, bool, bool)"/> does and returns the preprocessing saved with
    /// it by <see cref="SaveWithPreprocessing"/> (null when the file has none). All or nothing: the preprocessing is read and checked against the network
    /// before any weight is written.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is corrupt, or its preprocessing is malformed or does not fit the network.</exception>
    /// <exception cref="CheckpointMismatchException">The tensors do not fit the network.</exception>
    public static (LoadResult Result, Preprocessing? Preprocessing) LoadWithPreprocessing(INetwork network, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.Open(path);
        var found = ReadPreprocessing(file);
        if (found is not null)
        {
            try
            {
                found.CheckFits(network);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"'{file.Path}': the saved preprocessing does not fit the network: {e.Message}", e);
            }
        }
        var staged = Stage(network, file, strict);
        staged.Apply(network);
        return (staged.Result, found);
    }

    /// <summary>The preprocessing saved in the checkpoint at <paramref name="path"/>, or null; reads only the header.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt or its preprocessing is malformed.</exception>
    public static Preprocessing? ReadPreprocessing(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.Open(path);
        return ReadPreprocessing(file);
    }

    private static Preprocessing? ReadPreprocessing(SafeTensorsFile file) =>
        file.Metadata.TryGetValue(PreprocessingKey, out string? json)
            ? Preprocessing.FromJson(json, $"'{file.Path}' metadata '{PreprocessingKey}'")
            : null;
}
