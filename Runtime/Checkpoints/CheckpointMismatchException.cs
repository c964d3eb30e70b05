using System;
using System.Collections.Generic;
using System.Text;

namespace Myelin.Checkpoints;

/// <summary>
/// A valid checkpoint that does not fit the network: a tensor with the wrong shape or dtype, or (in strict mode) missing
/// or unexpected keys. The message lists every problem, not just the first, as PyTorch's <c>load_state_dict</c> does.
/// The network is left unchanged.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    internal CheckpointMismatchException(string path, string network, IReadOnlyList<string> mismatches,
        IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys, bool strict)
        : base(Describe(path, network, mismatches, missingKeys, unexpectedKeys, strict))
    {
        Path = path;
        Mismatches = mismatches;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
    }

    /// <summary>The checkpoint's full path.</summary>
    public string Path { get; }

    /// <summary>One line per tensor whose shape or dtype does not match, naming it with the expected and actual values.</summary>
    public IReadOnlyList<string> Mismatches { get; }

    /// <summary>The network's tensors the checkpoint lacks (reported as errors only in strict mode).</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>The checkpoint's tensors the network lacks (reported as errors only in strict mode).</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    private static string Describe(string path, string network, IReadOnlyList<string> mismatches,
        IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys, bool strict)
    {
        var text = new StringBuilder();
        text.Append("Error(s) loading checkpoint '").Append(path).Append("' into ").Append(network).Append(':');
        foreach (string mismatch in mismatches) text.AppendLine().Append("  ").Append(mismatch);
        if (strict && missingKeys.Count > 0)
            text.AppendLine().Append("  Missing keys (in the network, not in the checkpoint): ").Append(Quote(missingKeys)).Append('.');
        if (strict && unexpectedKeys.Count > 0)
            text.AppendLine().Append("  Unexpected keys (in the checkpoint, not in the network): ").Append(Quote(unexpectedKeys)).Append('.');
        if (strict && mismatches.Count == 0)
            text.AppendLine().Append("  Load with strict: false to load the matching tensors and have the rest reported.");
        return text.ToString();
    }

    private static string Quote(IReadOnlyList<string> keys)
    {
        var quoted = new List<string>(keys.Count);
        foreach (string key in keys) quoted.Add("\"" + key + "\"");
        return string.Join(", ", quoted);
    }
}
