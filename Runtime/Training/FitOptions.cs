using System;
using System.Collections.Generic;
using System.Threading;
using Myelin.Data;
using Myelin.Optimizers;

namespace Myelin.Training;

/// <summary>The settings of <see cref="Trainer.Fit"/>, in the spirit of Keras's <c>model.fit</c> arguments.</summary>
public sealed record FitOptions
{
    /// <summary>Epochs to train (default 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>The first epoch to run, counting from 0 (Keras's <c>initial_epoch</c>), to resume an earlier run.</summary>
    public int InitialEpoch { get; init; }

    /// <summary>Samples per batch (default 32, as Keras).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The optimizer; default <see cref="Adam"/> with PyTorch's defaults (lr 1e-3).</summary>
    public IOptimizer? Optimizer { get; init; }

    /// <summary>An optional learning-rate schedule, stepped once per epoch after the epoch's last optimizer step.</summary>
    public ILearningRateSchedule? Schedule { get; init; }

    /// <summary>Whether to shuffle the training data every epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Whether to skip each epoch's last batch when it is smaller than <see cref="BatchSize"/> (PyTorch's <c>drop_last</c>),
    /// e.g. so that batch norm never sees a batch of one. Default false. A batch size larger than the training data
    /// would then leave no batch at all, which <see cref="Trainer.Fit"/> rejects.
    /// </summary>
    public bool DropLast { get; init; }

    /// <summary>The shuffle seed: epoch <c>e</c>'s order depends only on this seed and <c>e</c>.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Random image transforms applied to the training batches, drawn from <see cref="Seed"/>, the epoch and each
    /// sample's index, so that a resumed run is augmented as an uninterrupted one; null (the default) for none. Never
    /// applied to the validation data, <see cref="Trainer.Evaluate"/> or <see cref="Trainer.Predict"/>.
    /// </summary>
    public Augment? Augment { get; init; }

    /// <summary>Held-out data evaluated after every epoch.</summary>
    public Dataset? ValidationData { get; init; }

    /// <summary>
    /// The fraction of the training data to hold out for validation when <see cref="ValidationData"/> is not given: a
    /// shuffled split seeded by <see cref="Seed"/>, stratified by class for labelled data, so that every class is in both
    /// parts (unlike Keras, which holds out the last samples and so, on a class-sorted file, only the last class). The
    /// training part has <c>round(Count * (1 - ValidationSplit))</c> samples.
    /// </summary>
    public double ValidationSplit { get; init; }

    /// <summary>Metrics besides the loss; default accuracy for classification, binary accuracy for BCE, MAE for MSE.</summary>
    public IReadOnlyList<IMetric>? Metrics { get; init; }

    /// <summary>Callbacks, called in order: early stopping, checkpoints, your own.</summary>
    public IReadOnlyList<Callback>? Callbacks { get; init; }

    /// <summary>Clips the gradient's global L2 norm to this value before each step (<c>clip_grad_norm_</c>); null for none.</summary>
    public double? ClipGradientNorm { get; init; }

    /// <summary>
    /// How <see cref="Trainer.Fit"/> recognises a run that blows up without (yet) reaching NaN or infinity; default
    /// <see cref="DivergenceCheck.Default"/>. Null turns this check off; a NaN or infinite loss or gradient still stops
    /// training.
    /// </summary>
    public DivergenceCheck? Divergence { get; init; } = DivergenceCheck.Default;

    /// <summary>Receives progress after every batch. Called on the training thread; keep it cheap.</summary>
    public IProgress<BatchProgress>? Progress { get; init; }

    /// <summary>Cancels training cleanly between batches; <see cref="Trainer.Fit"/> then returns the history so far.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>
/// When a loss counts as diverged: the mean loss of the last <see cref="Window"/> batches is more than
/// <see cref="Factor"/> times the lowest such mean so far (or the run's first batch loss, if lower), and also above the
/// first batch loss. <see cref="Trainer.Fit"/> then throws <see cref="TrainingDivergedException"/> before that batch's
/// optimizer step.
/// </summary>
/// <remarks>
/// <para>
/// The window smooths out single noisy batches. Both conditions are needed: on the MNIST sample, normal runs (MLP,
/// LeNet and CNN with Adam, AdamW, RMSprop or SGD at their usual rates) reach windowed means up to 28 times their
/// lowest so far, in late spikes after the loss has fallen below 0.02, but never exceed their first batch's loss. A run
/// that has nearly memorised its data is thus not stopped by a spike that is still better than where it started,
/// while the MNIST MLP with Adam at a learning rate of 1e6, whose loss is still finite but averages 2.5e15 over its
/// first ten batches, is stopped at batch 10.
/// </para>
/// <para>The check runs once the first <see cref="Window"/> batches have been seen, and allocates nothing per batch.</para>
/// </remarks>
/// <param name="Factor">How many times its lowest value the windowed mean loss may reach; greater than 1. Default 100.</param>
/// <param name="Window">How many of the latest batch losses are averaged; at least 1. Default 10.</param>
public sealed record DivergenceCheck(double Factor = 100, int Window = 10)
{
    /// <summary>The default check: a 10-batch mean above 100 times its minimum.</summary>
    public static DivergenceCheck Default { get; } = new();
}

/// <summary>Progress after one training batch.</summary>
/// <param name="Epoch">The epoch, counting from 1.</param>
/// <param name="Epochs">The last epoch of the run.</param>
/// <param name="Batch">The batch within the epoch, counting from 1.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">The running mean loss of this epoch so far.</param>
/// <param name="SamplesPerSecond">Training throughput of this epoch so far.</param>
/// <param name="Elapsed">Time since the epoch started.</param>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double SamplesPerSecond, TimeSpan Elapsed)
{
    /// <summary>The estimated time to the end of the epoch.</summary>
    public TimeSpan EpochRemaining => Batch == 0 ? TimeSpan.Zero : Elapsed / Batch * (Batches - Batch);
}
