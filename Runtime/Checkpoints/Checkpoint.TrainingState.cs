using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Myelin.Optimizers;

namespace Myelin.Checkpoints;

public static partial class Checkpoint
{
    private const string SafeTensorsExtension = ".safetensors";
    private const string OptimizerExtension = ".optim.safetensors";

    /// <summary>
    /// Saves everything a fit loop needs to resume: the network to <paramref name="path"/> (a plain <c>state_dict</c>,
    /// as <see cref="Save"/> writes it, plus <paramref name="progress"/> in its metadata) and the optimizer state to
    /// <see cref="OptimizerStatePath"/> (<c>model.safetensors</c> → <c>model.optim.safetensors</c>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The optimizer tensors go into their own file so that the model file stays loadable by PyTorch's strict
    /// <c>load_state_dict</c>, which rejects any key the model does not have, and by <see cref="Load"/>. The optimizer
    /// file holds <see cref="OptimizerState.Tensors"/> as F32 tensors (shaped like their parameter when the name says
    /// which one, e.g. <c>dense1.weight.exp_avg</c>; flat otherwise) and, in its metadata, the optimizer's type and
    /// every scalar as a round-trip (<c>"R"</c>) invariant-culture string.
    /// </para>
    /// <para>
    /// Both files are written to temporary files first and renamed only when both are complete, so a failure leaves
    /// the previous pair untouched. The two renames cannot be one atomic step; both files carry the same random
    /// <see cref="CheckpointMetadata.CheckpointId"/>, so if a crash falls between them, <see cref="LoadTrainingState"/>
    /// reports the mismatched pair instead of resuming with another run's moments.
    /// </para>
    /// </remarks>
    /// <param name="network">The network to save.</param>
    /// <param name="optimizer">The optimizer whose state (moments, step counts) is saved beside it.</param>
    /// <param name="path">The model file; the optimizer file goes to <see cref="OptimizerStatePath"/>.</param>
    /// <param name="progress">The epoch, step and seed to resume from.</param>
    /// <param name="metadata">Extra metadata for the model file, as for <see cref="Save"/>.</param>
    /// <param name="allowNonFinite">Save even if a network or optimizer value is NaN or infinite; refused by default.</param>
    /// <exception cref="ArgumentException">A network or optimizer value is NaN or infinite; nothing is written.</exception>
    public static void SaveTrainingState(INetwork network, IOptimizer optimizer, string path, TrainingProgress progress,
        IReadOnlyDictionary<string, string>? metadata = null, bool allowNonFinite = false) =>
        WriteTrainingState(network, optimizer, path, progress, metadata, allowNonFinite, FileOperations.Real);

    /// <summary>
    /// <see cref="SaveTrainingState"/> through <paramref name="files"/>. Both files are written to locked temporary
    /// files and flushed, and only then renamed into place, optimizer file first. Disposing a pending file that was not
    /// committed deletes it, so any failure before the first rename leaves the previous pair as it was.
    /// </summary>
    internal static void WriteTrainingState(INetwork network, IOptimizer optimizer, string path, TrainingProgress progress,
        IReadOnlyDictionary<string, string>? metadata, bool allowNonFinite, FileOperations files)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(progress);

        string id = Guid.NewGuid().ToString("N");
        var model = CreateWriter(network, metadata, allowNonFinite);
        progress.WriteTo(model);
        model.AddMetadata(CheckpointMetadata.CheckpointId, id);
        var optimizerWriter = CreateOptimizerWriter(network, optimizer.GetState(), id, allowNonFinite);

        using var optimizerFile = AtomicFile.Begin(OptimizerStatePath(path), files);
        optimizerFile.Write(optimizerWriter.WriteTo);
        optimizerFile.Flush();
        using var modelFile = AtomicFile.Begin(path, files);
        modelFile.Write(model.WriteTo);
        modelFile.Flush();
        optimizerFile.Commit();
        modelFile.Commit();
    }

    /// <summary>
    /// Loads what <see cref="SaveTrainingState"/> saved: the network (as <see cref="Load"/> does) and the optimizer
    /// state, and returns the training progress in <see cref="LoadResult.Progress"/>. All or nothing: if the optimizer
    /// rejects its state, the network is restored to what it was.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is corrupt, is not a training checkpoint, or the two files belong to different saves.</exception>
    /// <exception cref="FileNotFoundException">The optimizer file is missing.</exception>
    /// <exception cref="CheckpointMismatchException">The model file does not fit the network.</exception>
    /// <exception cref="InvalidOperationException">The optimizer file holds another optimizer's state.</exception>
    /// <param name="network">The network to load into.</param>
    /// <param name="optimizer">The optimizer to restore; it must be of the type that was saved.</param>
    /// <param name="path">The model file written by <see cref="SaveTrainingState"/>.</param>
    /// <param name="strict">As for <see cref="Load"/>.</param>
    /// <param name="allowNonFinite">Load NaN and infinite values too; by default the first one, in either file, is an error.</param>
    public static LoadResult LoadTrainingState(INetwork network, IOptimizer optimizer, string path, bool strict = true, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentException.ThrowIfNullOrEmpty(path);

        using var modelFile = SafeTensorsFile.Open(path);
        var staged = Stage(network, modelFile, strict, allowNonFinite);
        if (staged.Result.Progress is null || !modelFile.Metadata.TryGetValue(CheckpointMetadata.CheckpointId, out string? id))
            throw new InvalidDataException(
                $"'{modelFile.Path}' holds no training state (no '{CheckpointMetadata.Epoch}' or '{CheckpointMetadata.CheckpointId}' metadata): it was written by Checkpoint.Save. Load it with Checkpoint.Load, or save with Checkpoint.SaveTrainingState.");

        string optimizerPath = OptimizerStatePath(modelFile.Path);
        if (!File.Exists(optimizerPath))
            throw new FileNotFoundException($"The optimizer state of '{modelFile.Path}' should be in '{optimizerPath}', which does not exist.", optimizerPath);
        OptimizerState state;
        using (var optimizerFile = SafeTensorsFile.Open(optimizerPath))
        {
            optimizerFile.Metadata.TryGetValue(CheckpointMetadata.CheckpointId, out string? optimizerId);
            if (optimizerId != id)
                throw new InvalidDataException(
                    $"'{optimizerPath}' belongs to another save than '{modelFile.Path}' (checkpoint id {optimizerId ?? "none"}, expected {id}): a save was interrupted between the two files, or they come from different runs.");
            state = ReadOptimizerState(optimizerFile, allowNonFinite);
        }

        string expectedType = optimizer.GetState().Optimizer;
        if (!string.Equals(state.Optimizer, expectedType, StringComparison.Ordinal))
            throw new InvalidOperationException($"'{optimizerPath}' holds {state.Optimizer} state, but the optimizer to restore is {expectedType}.");

        float[] parameters = network.Parameters.ToArray();
        float[] buffers = network.Buffers.ToArray();
        staged.Apply(network);
        try
        {
            optimizer.SetState(state);
        }
        catch
        {
            parameters.CopyTo(network.Parameters);
            buffers.CopyTo(network.Buffers);
            throw;
        }
        return staged.Result;
    }

    /// <summary>
    /// Where <see cref="SaveTrainingState"/> puts the optimizer state for a model file: <c>.safetensors</c> becomes
    /// <c>.optim.safetensors</c>; any other name gets <c>.optim.safetensors</c> appended.
    /// </summary>
    public static string OptimizerStatePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return path.EndsWith(SafeTensorsExtension, StringComparison.OrdinalIgnoreCase)
            ? string.Concat(path.AsSpan(0, path.Length - SafeTensorsExtension.Length), OptimizerExtension)
            : path + OptimizerExtension;
    }

    private static SafeTensorsWriter CreateOptimizerWriter(INetwork network, OptimizerState state, string id, bool allowNonFinite)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (string.IsNullOrEmpty(state.Optimizer)) throw new ArgumentException("The optimizer state has no optimizer type name.", nameof(state));
        var writer = new SafeTensorsWriter();
        writer.AddMetadata(CheckpointMetadata.Format, CheckpointMetadata.PyTorchFormat);
        writer.AddMetadata(CheckpointMetadata.Network, network.GetType().FullName ?? network.GetType().Name);
        writer.AddMetadata(CheckpointMetadata.Version, RuntimeVersion);
        writer.AddMetadata(CheckpointMetadata.CheckpointId, id);
        writer.AddMetadata(CheckpointMetadata.Optimizer, state.Optimizer);
        foreach (var (name, value) in state.Scalars)
            writer.AddMetadata(CheckpointMetadata.OptimizerScalarPrefix + name, value.ToString("R", CultureInfo.InvariantCulture));

        var parameterShapes = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        foreach (var tensor in network.Tensors) parameterShapes[tensor.Name] = tensor;
        foreach (var (name, values) in state.Tensors)
        {
            if (values is null) throw new ArgumentException($"Optimizer state tensor '{name}' is null.", nameof(state));
            long[] shape = ShapeOf(name, values.Length, parameterShapes);
            if (!allowNonFinite && DescribeNonFinite(name, values, shape) is { } problem)
                throw NonFiniteToSave($"The {state.Optimizer} optimizer state", problem, "Training cannot resume from NaN or infinite moments", "optimizer");
            writer.AddFloats(name, values, shape);
        }
        return writer;
    }

    /// <summary>
    /// PyTorch names optimizer state after its parameter (<c>dense1.weight.exp_avg</c>); such a tensor gets the
    /// parameter's shape when the sizes agree, so that it reads naturally in other tools. Others are stored flat.
    /// </summary>
    private static long[] ShapeOf(string name, int length, Dictionary<string, TensorInfo> parameters)
    {
        for (int dot = name.LastIndexOf('.'); dot > 0; dot = name.LastIndexOf('.', dot - 1))
        {
            if (parameters.TryGetValue(name[..dot], out var parameter) && parameter.Length == length) return ToLong(parameter.Shape);
        }
        return [length];
    }

    private static OptimizerState ReadOptimizerState(SafeTensorsFile file, bool allowNonFinite)
    {
        if (!file.Metadata.TryGetValue(CheckpointMetadata.Optimizer, out string? type) || type.Length == 0)
            throw new InvalidDataException($"'{file.Path}' has no '{CheckpointMetadata.Optimizer}' metadata naming the optimizer.");

        var scalars = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, text) in file.Metadata)
        {
            if (!key.StartsWith(CheckpointMetadata.OptimizerScalarPrefix, StringComparison.Ordinal)) continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw new InvalidDataException($"'{file.Path}': optimizer scalar '{key}' is \"{text}\", which is not a number.");
            scalars.Add(key[CheckpointMetadata.OptimizerScalarPrefix.Length..], value);
        }

        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var tensor in file.Tensors)
        {
            if (tensor.DType != SafeTensorsDType.F32)
                throw new InvalidDataException($"'{file.Path}': optimizer tensor '{tensor.Name}' is {tensor.DType.SpecName()}, but optimizer state is stored as F32.");
            float[] values = file.ReadFloats(tensor.Name);
            if (!allowNonFinite && DescribeNonFinite(tensor.Name, values, tensor.Shape) is { } problem)
                throw NonFiniteInFile(file.Path, problem);
            tensors.Add(tensor.Name, values);
        }
        return new OptimizerState(type, tensors, scalars);
    }
}
