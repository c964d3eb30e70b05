using System;
using System.Collections.Generic;
using System.Globalization;
using Myelin.Checkpoints;

namespace Myelin;

/// <summary>
/// The in-memory state dictionary of a generated network, by PyTorch name, like <c>module.state_dict()</c> and
/// <c>load_state_dict</c>: read or write one tensor (<see cref="GetTensor"/>, <see cref="SetTensor"/>), or all of them
/// (<see cref="ExportState"/>, <see cref="LoadState"/>), without a file.
/// </summary>
/// <remarks>
/// <see cref="LoadState"/> validates as <see cref="Checkpoint.Load(INetwork, string, bool, bool)"/> does (every shape, missing and
/// unexpected names with <c>strict</c>, every problem in one <see cref="CheckpointMismatchException"/>, nothing
/// written unless everything fits) and also checks values: parameters and buffers must be finite, counters
/// non-negative whole numbers.
/// </remarks>
public static class NetworkState
{
    private const string StateSource = "(in-memory state dictionary)";

    /// <summary>
    /// The tensor called <paramref name="name"/> as a span over the network's own storage, e.g.
    /// <c>GetTensor("dense1.weight")</c>, <c>[out, in]</c> row-major. Writing through the span changes the network.
    /// A counter (<c>num_batches_tracked</c>) is one element.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The network has no such tensor; the message lists its tensors.</exception>
    public static Span<float> GetTensor(this INetwork network, string name)
    {
        var tensor = Find(network, name);
        var storage = tensor.Kind == TensorKind.Parameter ? network.Parameters : network.Buffers;
        return storage.Slice(tensor.Offset, Length(tensor));
    }

    /// <summary>Copies <paramref name="values"/> into the tensor called <paramref name="name"/>, after checking their count and values.</summary>
    /// <exception cref="KeyNotFoundException">The network has no such tensor.</exception>
    /// <exception cref="ArgumentException">The count differs from the tensor's, or a value is not finite (or, for a counter, not a non-negative whole number).</exception>
    public static void SetTensor(this INetwork network, string name, ReadOnlySpan<float> values)
    {
        var tensor = Find(network, name);
        if (values.Length != Length(tensor))
            throw new ArgumentException($"{Describe(network)}: '{name}' has shape {tensor.ShapeText} ({Length(tensor)} elements), but {values.Length} values were given.", nameof(values));
        if (CheckValues(tensor, values) is string problem) throw new ArgumentException($"{Describe(network)}: {problem}", nameof(values));
        values.CopyTo(network.GetTensor(name));
    }

    /// <summary>
    /// Every parameter, buffer and counter as a copy, by PyTorch name and in the network's order: what
    /// <c>state_dict()</c> returns. Counters have shape <c>[]</c>, as PyTorch's <c>num_batches_tracked</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, TensorData> ExportState(this INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var state = new OrderedDictionary<string, TensorData>(network.Tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in network.Tensors)
        {
            IReadOnlyList<int> shape = tensor.Kind == TensorKind.Counter ? [] : tensor.Shape;
            state.Add(tensor.Name, new TensorData(shape, network.GetTensor(tensor.Name).ToArray()));
        }
        return state;
    }

    /// <summary>
    /// Loads <paramref name="state"/> into the network by PyTorch name, like <c>load_state_dict</c>. All problems are
    /// collected first and reported together; on any problem nothing is written.
    /// </summary>
    /// <param name="network">The network to load into.</param>
    /// <param name="state">Tensors by name, e.g. from <see cref="ExportState"/> of a network with the same layers.</param>
    /// <param name="strict">Whether a tensor the network has and the state lacks, or the other way round, is an error;
    /// when false they are skipped and listed in the result. Shape and value problems are errors either way.</param>
    /// <returns>The loaded, missing and unexpected names; no metadata.</returns>
    /// <exception cref="CheckpointMismatchException">A shape or value does not fit, or (strict) a name is missing or unexpected.</exception>
    public static LoadResult LoadState(this INetwork network, IReadOnlyDictionary<string, TensorData> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(state);
        var mismatches = new List<string>();
        var missing = new List<string>();
        var loaded = new List<string>();
        var matched = new List<(TensorInfo Target, TensorData Source)>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in network.Tensors)
        {
            known.Add(tensor.Name);
            if (!state.TryGetValue(tensor.Name, out var source) || source is null)
            {
                missing.Add(tensor.Name);
                continue;
            }
            if (!ShapeFits(tensor, source.Shape))
            {
                mismatches.Add($"size mismatch for {tensor.Name}: the state has shape {source.ShapeText}, the network expects {tensor.ShapeText}.");
                continue;
            }
            if (CheckValues(tensor, source.Values) is string problem)
            {
                mismatches.Add(problem);
                continue;
            }
            matched.Add((tensor, source));
            loaded.Add(tensor.Name);
        }
        var unexpected = new List<string>();
        foreach (var name in state.Keys)
        {
            if (!known.Contains(name)) unexpected.Add(name);
        }

        if (mismatches.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new CheckpointMismatchException(StateSource, network.GetType().Name, mismatches, missing, unexpected, strict);
        foreach (var (target, source) in matched) source.Values.CopyTo(network.GetTensor(target.Name));
        return new LoadResult(loaded, missing, unexpected, new Dictionary<string, string>(), progress: null);
    }

    /// <summary>As for files: a counter also accepts the one-element 1-D shape <c>[1]</c> that old PyTorch checkpoints use.</summary>
    private static bool ShapeFits(TensorInfo tensor, IReadOnlyList<int> shape)
    {
        if (tensor.Kind == TensorKind.Counter) return shape.Count == 0 || (shape.Count == 1 && shape[0] == 1);
        if (shape.Count != tensor.Shape.Count) return false;
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] != tensor.Shape[i]) return false;
        }
        return true;
    }

    /// <summary>The problem with <paramref name="values"/> for <paramref name="tensor"/>, or null: NaN or infinity, or a counter that is not a non-negative whole number.</summary>
    private static string? CheckValues(TensorInfo tensor, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            if (!float.IsFinite(value)) return $"value {i} of {tensor.Name} is {value.ToString(CultureInfo.InvariantCulture)}; every value must be finite.";
            if (tensor.Kind == TensorKind.Counter && (value < 0 || !float.IsInteger(value)))
                return $"counter {tensor.Name} is {value.ToString(CultureInfo.InvariantCulture)}; it must be a non-negative whole number.";
        }
        return null;
    }

    private static TensorInfo Find(INetwork network, string name)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(name);
        foreach (var tensor in network.Tensors)
        {
            if (string.Equals(tensor.Name, name, StringComparison.Ordinal)) return tensor;
        }
        var names = new List<string>(network.Tensors.Count);
        foreach (var tensor in network.Tensors) names.Add(tensor.Name);
        throw new KeyNotFoundException($"{Describe(network)} has no tensor named '{name}'. Its tensors are: {string.Join(", ", names)}.");
    }

    private static int Length(TensorInfo tensor) => tensor.Kind == TensorKind.Counter ? 1 : tensor.Length;

    private static string Describe(INetwork network) => network.GetType().Name;
}
