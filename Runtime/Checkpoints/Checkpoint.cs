using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace Myelin.Checkpoints;

/// <summary>
/// Saves and loads a network's parameters and buffers as a safetensors file that PyTorch loads as a plain
/// <c>state_dict</c> (<c>model.load_state_dict(safetensors.torch.load_file(path))</c>), and back.
/// </summary>
/// <remarks>
/// Each entry of <see cref="INetwork.Tensors"/> is stored under its PyTorch name and shape: parameters and buffers as
/// F32, counters (<c>num_batches_tracked</c>) as I64 scalars, as PyTorch stores them. Saving is atomic and loading is
/// all-or-nothing: a failed load leaves the network exactly as it was.
/// </remarks>
public static partial class Checkpoint
{
    /// <summary>Saves every parameter, buffer and counter of <paramref name="network"/> to <paramref name="path"/>, atomically.</summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The file to write, conventionally <c>*.safetensors</c>. It is replaced only once the new file is complete.</param>
    /// <param name="metadata">
    /// Extra <c>__metadata__</c> entries. Keys <c>format</c> and <c>myelin.*</c> are reserved: Myelin writes <c>format: pt</c>,
    /// <see cref="CheckpointMetadata.Network"/> and <see cref="CheckpointMetadata.Version"/> itself.
    /// </param>
    /// <param name="allowNonFinite">
    /// Save even if a parameter or buffer is NaN or infinite. By default such a network is refused: it cannot be used,
    /// and it usually means training diverged.
    /// </param>
    /// <exception cref="ArgumentException">A value is NaN or infinite (and <paramref name="allowNonFinite"/> is false); the message names the tensor and element.</exception>
    /// <exception cref="IOException">The path is a folder, device, pipe or socket, or the write failed; see <see cref="AtomicFile"/>.</exception>
    public static void Save(INetwork network, string path, IReadOnlyDictionary<string, string>? metadata = null, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CreateWriter(network, metadata, allowNonFinite).Save(path);
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="network"/>, like PyTorch's <c>load_state_dict</c>. Every tensor's dtype
    /// and shape is checked and every value read before the first one is written, so on any error the network is
    /// unchanged.
    /// </summary>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">A safetensors file: one written by <see cref="Save"/>, or a PyTorch <c>state_dict</c> with the same names.</param>
    /// <param name="strict">
    /// When true, a key the network has and the file lacks, or the other way round, is an error. When false, the
    /// matching tensors are loaded and the others reported in the result. Shape and dtype mismatches are errors either way.
    /// </param>
    /// <param name="allowNonFinite">
    /// Load NaN and infinite values too, e.g. to inspect a diverged run. By default the first one is an error naming
    /// its tensor and element, and the network is left unchanged.
    /// </param>
    /// <returns>The loaded, missing and unexpected keys, and the file's metadata.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or holds a NaN or infinity (unless <paramref name="allowNonFinite"/>).</exception>
    /// <exception cref="CheckpointMismatchException">The file does not fit the network; the message lists every problem.</exception>
    public static LoadResult Load(INetwork network, string path, bool strict = true, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.Open(path);
        var staged = Stage(network, file, strict, allowNonFinite);
        staged.Apply(network);
        return staged.Result;
    }

    /// <summary>The informational version of this runtime, written as <see cref="CheckpointMetadata.Version"/>.</summary>
    public static string RuntimeVersion { get; } =
        typeof(Checkpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Checkpoint).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// A writer holding the network's tensors and the standard plus user metadata; nothing is written yet. Unless
    /// <paramref name="allowNonFinite"/>, a NaN or infinity in any tensor is an <see cref="ArgumentException"/>.
    /// </summary>
    internal static SafeTensorsWriter CreateWriter(INetwork network, IReadOnlyDictionary<string, string>? metadata, bool allowNonFinite = false)
    {
        var table = network.Tensors;
        CheckTable(network);
        var writer = new SafeTensorsWriter();
        AddStandardMetadata(writer, network, metadata);

        ReadOnlySpan<float> parameters = network.Parameters;
        ReadOnlySpan<float> buffers = network.Buffers;
        foreach (var tensor in table)
        {
            long[] shape = ToLong(tensor.Shape);
            switch (tensor.Kind)
            {
                case TensorKind.Parameter or TensorKind.Buffer:
                    var values = (tensor.Kind == TensorKind.Parameter ? parameters : buffers).Slice(tensor.Offset, tensor.Length);
                    if (!allowNonFinite && DescribeNonFinite(tensor.Name, values, shape) is { } problem)
                        throw NonFiniteToSave(NetworkName(network), problem, "A network with NaN or infinite values cannot be used", nameof(network));
                    writer.AddFloats(tensor.Name, values, shape);
                    break;
                case TensorKind.Counter:
                    float count = buffers[tensor.Offset];
                    // A counter is an integer kept in a float; anything else is a bug that must not reach the file.
                    if (!float.IsInteger(count) || Math.Abs(count) > 9.2e18f)
                        throw new InvalidOperationException($"{NetworkName(network)}: counter '{tensor.Name}' holds {count}, which is not an integer.");
                    // PyTorch stores num_batches_tracked as a 0-dimensional int64 tensor.
                    writer.AddInt64s(tensor.Name, [(long)count], []);
                    break;
                default:
                    throw new InvalidOperationException($"{NetworkName(network)}: tensor '{tensor.Name}' has the unknown kind {tensor.Kind}.");
            }
        }
        return writer;
    }

    private static void AddStandardMetadata(SafeTensorsWriter writer, INetwork network, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key is null || value is null)
                    throw new ArgumentException("Checkpoint metadata keys and values must not be null.", nameof(metadata));
                if (key == CheckpointMetadata.Format || key.StartsWith(CheckpointMetadata.ReservedPrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"Metadata key '{key}' is reserved: Myelin writes 'format' and every 'myelin.*' key itself.", nameof(metadata));
                writer.AddMetadata(key, value);
            }
        }
        writer.AddMetadata(CheckpointMetadata.Format, CheckpointMetadata.PyTorchFormat);
        writer.AddMetadata(CheckpointMetadata.Network, network.GetType().FullName ?? network.GetType().Name);
        writer.AddMetadata(CheckpointMetadata.Version, RuntimeVersion);
    }

    /// <summary>
    /// Matches the file against the network's table, collects every problem, and reads all values into new arrays,
    /// checking that they are finite unless <paramref name="allowNonFinite"/>. Nothing in the network is written;
    /// <see cref="StagedLoad.Apply"/> does that.
    /// </summary>
    internal static StagedLoad Stage(INetwork network, SafeTensorsFile file, bool strict, bool allowNonFinite = false)
    {
        CheckTable(network);
        var table = network.Tensors;
        var known = new HashSet<string>(StringComparer.Ordinal);
        var mismatches = new List<string>();
        var missing = new List<string>();
        var matched = new List<(TensorInfo Target, SafeTensorInfo Source)>();
        foreach (var tensor in table)
        {
            known.Add(tensor.Name);
            if (!file.TryGetTensor(tensor.Name, out var source))
            {
                missing.Add(tensor.Name);
                continue;
            }

            bool fits = true;
            if (!DTypeFits(tensor.Kind, source.DType))
            {
                string expected = tensor.Kind == TensorKind.Counter ? "I64 (or I32 or F32)" : "F32";
                mismatches.Add($"dtype mismatch for {tensor.Name}: the checkpoint has {source.DType.SpecName()}, the network expects {expected}.");
                fits = false;
            }
            if (!ShapeFits(tensor, source.Shape))
            {
                mismatches.Add($"size mismatch for {tensor.Name}: the checkpoint has shape {source.ShapeText}, the network expects {tensor.ShapeText}.");
                fits = false;
            }
            if (fits) matched.Add((tensor, source));
        }

        var unexpected = new List<string>();
        foreach (var source in file.Tensors)
        {
            if (!known.Contains(source.Name)) unexpected.Add(source.Name);
        }

        if (mismatches.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new CheckpointMismatchException(file.Path, NetworkName(network), mismatches, missing, unexpected, strict);

        var values = new List<(TensorInfo Target, float[] Values)>(matched.Count);
        var loaded = new List<string>(matched.Count);
        foreach (var (target, source) in matched)
        {
            float[] read = file.ReadFloats(source.Name);
            if (!allowNonFinite && DescribeNonFinite(source.Name, read, source.Shape) is { } problem)
                throw NonFiniteInFile(file.Path, problem);
            values.Add((target, read));
            loaded.Add(target.Name);
        }
        var result = new LoadResult(loaded, missing, unexpected, file.Metadata, TrainingProgress.FromMetadata(file.Metadata, file.Path));
        return new StagedLoad(values, result);
    }

    /// <summary>Parameters and buffers are always F32; counters may come from PyTorch (I64), or from writers that used I32 or F32.</summary>
    private static bool DTypeFits(TensorKind kind, SafeTensorsDType dtype) => kind == TensorKind.Counter
        ? dtype is SafeTensorsDType.I64 or SafeTensorsDType.I32 or SafeTensorsDType.F32
        : dtype == SafeTensorsDType.F32;

    private static bool ShapeFits(TensorInfo tensor, IReadOnlyList<long> shape)
    {
        // As PyTorch does for old checkpoints, a one-element 1-D tensor also fills a scalar counter.
        if (tensor.Kind == TensorKind.Counter && (shape.Count == 0 || (shape.Count == 1 && shape[0] == 1))) return true;
        if (shape.Count != tensor.Shape.Count) return false;
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] != tensor.Shape[i]) return false;
        }
        return true;
    }

    /// <summary>
    /// Checks that the network's own table is consistent (unique names, slices inside their buffers), so that a
    /// generator bug is reported as such instead of as an index error halfway through a load.
    /// </summary>
    private static void CheckTable(INetwork network)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        int parameters = network.Parameters.Length, buffers = network.Buffers.Length;
        foreach (var tensor in network.Tensors)
        {
            if (string.IsNullOrEmpty(tensor.Name) || !names.Add(tensor.Name))
                throw new InvalidOperationException($"{NetworkName(network)}: the tensor table has an empty or repeated name '{tensor.Name}'.");
            int available = tensor.Kind == TensorKind.Parameter ? parameters : buffers;
            int length = tensor.Kind == TensorKind.Counter ? 1 : tensor.Length;
            if (tensor.Offset < 0 || length < 0 || (long)tensor.Offset + length > available)
                throw new InvalidOperationException(
                    $"{NetworkName(network)}: tensor '{tensor.Name}' {tensor.ShapeText} at offset {tensor.Offset} does not fit in its {available}-float {(tensor.Kind == TensorKind.Parameter ? "Parameters" : "Buffers")} span.");
        }
    }

    private static long[] ToLong(IReadOnlyList<int> shape)
    {
        var result = new long[shape.Count];
        for (int i = 0; i < result.Length; i++) result[i] = shape[i];
        return result;
    }

    private static string NetworkName(INetwork network) => network.GetType().Name;

    /// <summary>Values read and checked, waiting to be copied into the network.</summary>
    internal sealed class StagedLoad(List<(TensorInfo Target, float[] Values)> values, LoadResult result)
    {
        public LoadResult Result { get; } = result;

        /// <summary>Copies every staged tensor into the network. Cannot fail: the slices were checked in <see cref="Stage"/>.</summary>
        public void Apply(INetwork network)
        {
            Span<float> parameters = network.Parameters;
            Span<float> buffers = network.Buffers;
            foreach (var (target, source) in values)
            {
                var destination = target.Kind == TensorKind.Parameter ? parameters : buffers;
                source.CopyTo(destination.Slice(target.Offset, source.Length));
            }
        }
    }
}
