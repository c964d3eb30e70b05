using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Myelin.Checkpoints;

namespace Myelin.Quantization;

/// <summary>
/// Int8 checkpoints: an int8 network's state in a safetensors file, int8 weights as <c>I8</c> and every scale and kept
/// float as <c>F32</c>, under the names of <see cref="IInt8Network.QuantizedTensors"/> (documented in docs/quantization.md).
/// </summary>
/// <remarks>
/// The metadata marks the file (<see cref="FormatKey"/> = <see cref="FormatValue"/>) so that tools can tell it from a
/// float checkpoint, and names the int8 class (<see cref="CheckpointMetadata.Network"/>). Saving is atomic, as every
/// Myelin save (<see cref="SafeTensorsWriter.Save"/>). Loading is strict and all or nothing: every tensor is checked for
/// its dtype and shape, every value read and the whole state checked (<see cref="QuantizedState.Check"/>) before the
/// network changes.
/// </remarks>
public static class Int8Checkpoint
{
    /// <summary>The metadata key that marks an int8 checkpoint.</summary>
    public const string FormatKey = "myelin.quantization";

    /// <summary>The value of <see cref="FormatKey"/>: symmetric int8, per-channel weight scales, per-tensor activation scales.</summary>
    public const string FormatValue = "int8-symmetric";

    /// <summary>Saves <paramref name="network"/>'s state to <paramref name="path"/>, atomically.</summary>
    /// <param name="network">A quantised (or loaded) int8 network.</param>
    /// <param name="path">The file to write, conventionally <c>*.int8.safetensors</c>.</param>
    /// <param name="metadata">Extra metadata; keys <c>format</c> and <c>myelin.*</c> are reserved.</param>
    /// <exception cref="InvalidOperationException">The network has no state yet.</exception>
    public static void Save(IInt8Network network, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!network.HasState) throw new InvalidOperationException($"{network.GetType().Name} has no weights to save: quantise a float network (Quantize.ToInt8) or load a checkpoint first.");
        var writer = new SafeTensorsWriter();
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key == CheckpointMetadata.Format || key.StartsWith(CheckpointMetadata.ReservedPrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"Metadata key '{key}' is reserved: Myelin writes 'format' and every 'myelin.*' key itself.", nameof(metadata));
                writer.AddMetadata(key, value);
            }
        }
        writer.AddMetadata(FormatKey, FormatValue);
        writer.AddMetadata(CheckpointMetadata.Network, network.GetType().FullName ?? network.GetType().Name);
        writer.AddMetadata(CheckpointMetadata.Version, Checkpoint.RuntimeVersion);

        var int8 = network.Int8State;
        var floats = network.FloatState;
        foreach (var tensor in network.QuantizedTensors)
        {
            long[] shape = LongShape(tensor.Shape);
            if (tensor.IsInt8)
                writer.Add(tensor.Name, SafeTensorsDType.I8, shape, MemoryMarshal.AsBytes(int8.Slice(tensor.Offset, tensor.Length)));
            else
                writer.AddFloats(tensor.Name, floats.Slice(tensor.Offset, tensor.Length), shape);
        }
        writer.Save(path);
    }

    /// <summary>Loads an int8 checkpoint into <paramref name="network"/>, strictly: the file must hold exactly its tensors.</summary>
    /// <returns>The file's metadata.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, is not an int8 checkpoint, or holds an invalid scale or weight.</exception>
    /// <exception cref="CheckpointMismatchException">The file's tensors do not fit the network; the message lists every problem.</exception>
    public static IReadOnlyDictionary<string, string> Load(IInt8Network network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.Open(path);
        if (!IsInt8(file.Metadata))
            throw new InvalidDataException($"'{path}' is not an int8 checkpoint (its metadata has no {FormatKey} = {FormatValue}): load a float checkpoint into the float network with Checkpoint.Load, then quantise it with Quantize.ToInt8.");

        var table = network.QuantizedTensors;
        int int8Length = 0, floatLength = 0;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in table)
        {
            if (tensor.IsInt8) int8Length += tensor.Length;
            else floatLength += tensor.Length;
            known.Add(tensor.Name);
        }
        var int8 = new sbyte[network.Int8State.Length];
        var floats = new float[network.FloatState.Length];
        var mismatches = new List<string>();
        var missing = new List<string>();
        foreach (var tensor in table)
        {
            if (!file.TryGetTensor(tensor.Name, out var stored))
            {
                missing.Add(tensor.Name);
                continue;
            }
            var dtype = tensor.IsInt8 ? SafeTensorsDType.I8 : SafeTensorsDType.F32;
            bool shapeMatches = stored.Shape.Count == tensor.Shape.Count;
            for (int d = 0; d < tensor.Shape.Count && shapeMatches; d++) shapeMatches = stored.Shape[d] == tensor.Shape[d];
            if (stored.DType != dtype || !shapeMatches)
            {
                mismatches.Add($"'{tensor.Name}': the network has {dtype.SpecName()} {tensor.ShapeText}, the checkpoint {stored.DType.SpecName()} {stored.ShapeText}.");
                continue;
            }
            if (tensor.IsInt8) file.ReadBytes(tensor.Name, MemoryMarshal.AsBytes(int8.AsSpan(tensor.Offset, tensor.Length)));
            else file.ReadFloats(tensor.Name, floats.AsSpan(tensor.Offset, tensor.Length));
        }
        var unexpected = new List<string>();
        foreach (var stored in file.Tensors)
        {
            if (!known.Contains(stored.Name)) unexpected.Add(stored.Name);
        }
        string name = network.GetType().Name;
        if (mismatches.Count > 0 || missing.Count > 0 || unexpected.Count > 0)
            throw new CheckpointMismatchException(Path.GetFullPath(path), name, mismatches, missing, unexpected, strict: true);
        if (int8Length != int8.Length || floatLength != floats.Length)
            throw new InvalidOperationException($"{name}: its state table covers {int8Length} int8 and {floatLength} float values, but its state holds {int8.Length} and {floats.Length}.");

        try
        {
            network.SetState(int8, floats);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"'{path}': {error.Message}", error);
        }
        return file.Metadata;
    }

    private static long[] LongShape(IReadOnlyList<int> shape)
    {
        var dims = new long[shape.Count];
        for (int d = 0; d < dims.Length; d++) dims[d] = shape[d];
        return dims;
    }

    /// <summary>Whether <paramref name="metadata"/> marks an int8 checkpoint.</summary>
    public static bool IsInt8(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(FormatKey, out string? format) && format == FormatValue;
    }

    /// <summary>Whether the safetensors file at <paramref name="path"/> is an int8 checkpoint (it reads the header only).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static bool IsInt8(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return IsInt8(file.Metadata);
    }
}
