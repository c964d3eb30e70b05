using System.Collections.Generic;

namespace Myelin.Checkpoints;

/// <summary>
/// What <see cref="Checkpoint.Load"/> did, like the result of PyTorch's <c>load_state_dict</c>: the keys that did not
/// match (only ever non-empty with <c>strict: false</c>) and the file's metadata.
/// </summary>
public sealed class LoadResult
{
    internal LoadResult(IReadOnlyList<string> loadedKeys, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys,
        IReadOnlyDictionary<string, string> metadata, TrainingProgress? progress)
    {
        LoadedKeys = loadedKeys;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        Metadata = metadata;
        Progress = progress;
    }

    /// <summary>The network's tensors that were loaded, in the network's order.</summary>
    public IReadOnlyList<string> LoadedKeys { get; }

    /// <summary>The network's tensors the file does not have; they kept their values.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>The file's tensors the network does not have, in the file's order; they were ignored.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>The file's <c>__metadata__</c>, including the <see cref="CheckpointMetadata"/> keys.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The training progress saved with <see cref="Checkpoint.SaveTrainingState"/>, or null when the file has none.</summary>
    public TrainingProgress? Progress { get; }

    /// <summary>Whether every key matched: nothing missing and nothing unexpected.</summary>
    public bool AllKeysMatched => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0;

    /// <summary>PyTorch's summary: <c>&lt;All keys matched successfully&gt;</c> or the two key lists.</summary>
    public override string ToString() => AllKeysMatched
        ? "<All keys matched successfully>"
        : $"IncompatibleKeys(missing_keys=[{string.Join(", ", MissingKeys)}], unexpected_keys=[{string.Join(", ", UnexpectedKeys)}])";
}
