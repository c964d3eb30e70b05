using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Myelin.Checkpoints;

/// <summary>Where a training run stands, saved with the optimizer state so that a fit loop can resume.</summary>
/// <param name="Epoch">The number of completed epochs; a resumed run starts with epoch number <paramref name="Epoch"/> (zero-based).</param>
/// <param name="GlobalStep">The number of optimizer steps taken so far.</param>
/// <param name="Seed">The seed the run derives its shuffling and dropout streams from.</param>
public sealed record TrainingProgress(int Epoch, long GlobalStep, long Seed)
{
    internal void WriteTo(SafeTensorsWriter writer)
    {
        var c = CultureInfo.InvariantCulture;
        writer.AddMetadata(CheckpointMetadata.Epoch, Epoch.ToString(c));
        writer.AddMetadata(CheckpointMetadata.GlobalStep, GlobalStep.ToString(c));
        writer.AddMetadata(CheckpointMetadata.Seed, Seed.ToString(c));
    }

    /// <summary>Reads the progress keys; null when the file has none, an error naming the key when one is malformed or missing.</summary>
    internal static TrainingProgress? FromMetadata(IReadOnlyDictionary<string, string> metadata, string path)
    {
        bool any = metadata.ContainsKey(CheckpointMetadata.Epoch) || metadata.ContainsKey(CheckpointMetadata.GlobalStep)
            || metadata.ContainsKey(CheckpointMetadata.Seed);
        if (!any) return null;
        return new TrainingProgress(
            (int)Integer(metadata, CheckpointMetadata.Epoch, int.MinValue, int.MaxValue, path),
            Integer(metadata, CheckpointMetadata.GlobalStep, long.MinValue, long.MaxValue, path),
            Integer(metadata, CheckpointMetadata.Seed, long.MinValue, long.MaxValue, path));
    }

    private static long Integer(IReadOnlyDictionary<string, string> metadata, string key, long min, long max, string path)
    {
        if (!metadata.TryGetValue(key, out string? text))
            throw new InvalidDataException($"Checkpoint '{path}' has training progress metadata but no '{key}'.");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
            throw new InvalidDataException($"Checkpoint '{path}': metadata '{key}' is \"{text}\", which is not an integer in [{min}, {max}].");
        return value;
    }
}
