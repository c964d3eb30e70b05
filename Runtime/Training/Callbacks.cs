using System;
using System.Collections.Generic;
using System.IO;
using Myelin.Checkpoints;
using Myelin.Optimizers;

namespace Myelin.Training;

/// <summary>What a callback sees of the run and can change: the network, the optimizer, and a request to stop.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(ITrainableNetwork network, IOptimizer optimizer, History history, int epochs)
    {
        Network = network;
        Optimizer = optimizer;
        History = history;
        Epochs = epochs;
    }

    /// <summary>The network being trained.</summary>
    public ITrainableNetwork Network { get; }

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The epochs completed so far.</summary>
    public History History { get; }

    /// <summary>The last epoch of the run.</summary>
    public int Epochs { get; }

    /// <summary>Optimizer steps taken so far in this run and the runs it resumes.</summary>
    public long GlobalStep { get; internal set; }

    /// <summary>The seed the run shuffles with.</summary>
    public int Seed { get; internal set; }

    /// <summary>Set by a callback to end training after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why a callback stopped training; shown in <see cref="History.StopReason"/>.</summary>
    public string? StopReason { get; set; }
}

/// <summary>Hooks into <see cref="Trainer.Fit"/>, as Keras's <c>Callback</c>. Override what you need.</summary>
public abstract class Callback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainingContext context) { }

    /// <summary>After each epoch, with its training and validation metrics.</summary>
    public virtual void OnEpochEnd(EpochResult result, TrainingContext context) { }

    /// <summary>After the last epoch, or after a stop or cancellation.</summary>
    public virtual void OnTrainEnd(TrainingContext context) { }
}

/// <summary>
/// A callback that watches one metric of each epoch and tracks its best value: the shared part of
/// <see cref="EarlyStopping"/> and <see cref="ModelCheckpoint"/>.
/// </summary>
public abstract class MonitoringCallback : Callback
{
    /// <summary>Sets the monitored key and its direction.</summary>
    /// <param name="monitor">The metric key, e.g. <c>val_loss</c>.</param>
    /// <param name="higherIsBetter">Whether larger values are better; null means true for keys containing "accuracy", as Keras's "auto" mode.</param>
    protected MonitoringCallback(string monitor, bool? higherIsBetter)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        Monitor = monitor;
        HigherIsBetter = higherIsBetter ?? monitor.Contains("accuracy", StringComparison.Ordinal);
    }

    /// <summary>The monitored metric key.</summary>
    public string Monitor { get; }

    /// <summary>Whether larger values of the metric are better.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>The best value seen.</summary>
    public double Best { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) => Best = HigherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>Whether <paramref name="value"/> beats the best by more than <paramref name="minDelta"/>; if so it becomes the best.</summary>
    protected bool RecordIfImproved(double value, double minDelta = 0)
    {
        bool improved = HigherIsBetter ? value > Best + minDelta : value < Best - minDelta;
        if (improved) Best = value;
        return improved;
    }
}

/// <summary>
/// Stops training when a monitored metric has stopped improving, as Keras's <c>EarlyStopping</c>: after
/// <see cref="Patience"/> epochs without an improvement larger than <see cref="MinDelta"/>. With
/// <see cref="RestoreBestWeights"/> the network ends with the parameters and buffers of its best epoch.
/// </summary>
public sealed class EarlyStopping : MonitoringCallback
{
    private float[]? _bestParameters;
    private float[]? _bestBuffers;
    private int _wait;

    /// <summary>Creates early stopping.</summary>
    /// <param name="monitor">The metric key, e.g. <c>val_loss</c> (default) or <c>val_accuracy</c>.</param>
    /// <param name="patience">Epochs without improvement to tolerate.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    /// <param name="restoreBestWeights">Whether to restore the best epoch's weights when training ends.</param>
    /// <param name="higherIsBetter">Whether larger values are better; by default true for keys containing "accuracy".</param>
    public EarlyStopping(string monitor = "val_loss", int patience = 5, double minDelta = 0, bool restoreBestWeights = false, bool? higherIsBetter = null)
        : base(monitor, higherIsBetter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        Patience = patience;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement to tolerate.</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>Whether to restore the best epoch's weights at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The epoch (from 1) of the best value.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The epoch (from 1) after which training stopped, or 0 if it did not stop early.</summary>
    public int StoppedEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        base.OnTrainBegin(context);
        BestEpoch = 0;
        StoppedEpoch = 0;
        _wait = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(EpochResult result, TrainingContext context)
    {
        if (RecordIfImproved(result[Monitor], MinDelta))
        {
            BestEpoch = result.Epoch;
            _wait = 0;
            if (RestoreBestWeights)
            {
                _bestParameters = context.Network.Parameters.ToArray();
                _bestBuffers = context.Network.Buffers.ToArray();
            }
            return;
        }
        if (++_wait > Patience)
        {
            StoppedEpoch = result.Epoch;
            context.StopTraining = true;
            context.StopReason = $"early stopping: {Monitor} did not improve for {Patience} epochs (best {Best:0.####} in epoch {BestEpoch})";
        }
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        if (!RestoreBestWeights || _bestParameters is null) return;
        _bestParameters.CopyTo(context.Network.Parameters);
        _bestBuffers!.CopyTo(context.Network.Buffers);
    }
}

/// <summary>
/// Saves a safetensors checkpoint after an epoch, as Keras's <c>ModelCheckpoint</c>: every epoch, or only when the
/// monitored metric improves (<see cref="SaveBestOnly"/>). With <see cref="IncludeOptimizerState"/> it also saves the
/// optimizer state and the run's progress (a sibling <c>.optim.safetensors</c>) so that training can resume exactly.
/// Saves are atomic: a crash never leaves a half-written file under the real name.
/// </summary>
public sealed class ModelCheckpoint : MonitoringCallback
{
    /// <summary>Creates the callback.</summary>
    /// <param name="path">The checkpoint path; <c>{epoch}</c> in it is replaced by the epoch number.</param>
    /// <param name="monitor">The metric key deciding "best".</param>
    /// <param name="saveBestOnly">Save only when the metric improves.</param>
    /// <param name="includeOptimizerState">Also save the optimizer state and progress.</param>
    /// <param name="higherIsBetter">Whether larger values are better; by default true for keys containing "accuracy".</param>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = true, bool includeOptimizerState = false, bool? higherIsBetter = null)
        : base(monitor, higherIsBetter)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        SaveBestOnly = saveBestOnly;
        IncludeOptimizerState = includeOptimizerState;
    }

    /// <summary>The checkpoint path pattern.</summary>
    public string Path { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Whether the optimizer state is saved too.</summary>
    public bool IncludeOptimizerState { get; }

    /// <summary>The files written, in order.</summary>
    public IReadOnlyList<string> Saved => _saved;

    private readonly List<string> _saved = new();

    /// <inheritdoc />
    public override void OnEpochEnd(EpochResult result, TrainingContext context)
    {
        bool improved = RecordIfImproved(result[Monitor]);
        if (SaveBestOnly && !improved) return;
        string path = Path.Replace("{epoch}", result.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        var metadata = new Dictionary<string, string>
        {
            ["epoch"] = result.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [Monitor] = result[Monitor].ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (IncludeOptimizerState)
            Checkpoint.SaveTrainingState(context.Network, context.Optimizer, path, new TrainingProgress(result.Epoch, context.GlobalStep, context.Seed), metadata);
        else
            Checkpoint.Save(context.Network, path, metadata);
        _saved.Add(path);
    }
}
