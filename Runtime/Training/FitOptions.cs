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

    /// <summary>
    /// Trains data-parallel across the ranks of this group (e.g. <c>Myelin.Distributed</c>'s MPI communicator); null,
    /// the default, trains in this process alone. Every rank calls <see cref="Trainer.Fit"/> with the same network
    /// declaration, data, seed and options; see <see cref="ICommunicator"/> for what each rank then does.
    /// </summary>
    public ICommunicator? Communicator { get; init; }
}

/// <summary>
/// The collective operations of a group of processes ("ranks") that train one network together, data-parallel, as
/// MPI's communicators and PyTorch's process groups provide them. Set it as <see cref="FitOptions.Communicator"/>.
/// </summary>
/// <remarks>
/// <para>
/// With a communicator, every rank runs the same <see cref="Trainer.Fit"/> on its own replica of the network:
/// </para>
/// <list type="bullet">
/// <item>Before the first batch, the ranks check that they agree on the data and options, and rank 0's parameters,
/// buffers and optimizer state are broadcast to every rank, so that they all start alike (a run resumed on rank 0 is
/// resumed on every rank).</item>
/// <item>Every rank draws the same global batch of <see cref="FitOptions.BatchSize"/> samples and trains on its own
/// contiguous shard of it: rank <c>r</c> of <c>n</c> takes samples <c>[B r / n, B (r + 1) / n)</c>.</item>
/// <item>After the backward pass each rank scales its gradient (the mean over its shard) by its share of the batch and
/// the gradients are summed in ONE <see cref="AllreduceSum(Span{float})"/> over the flat gradient buffer, giving the
/// gradient of the global batch mean; every rank then takes the same optimizer step. A second, two-number reduction
/// carries the batch loss (for the divergence check and the reported loss) and any rank's cancellation.</item>
/// <item>Dropout masks differ per rank (each rank draws from its own seed, derived from <see cref="FitOptions.Seed"/>
/// and the rank) and are reproducible. Batch norm normalises with each rank's own shard statistics (as PyTorch's
/// DistributedDataParallel without SyncBatchNorm); the running statistics are averaged across ranks at the end of
/// every epoch, before validation.</item>
/// <item>Losses and metrics are global: the training metrics are the sample-weighted means of the ranks' results
/// (exact for metrics that are means over samples, such as accuracy and MAE), and every rank validates on the whole
/// validation data.</item>
/// <item>Callbacks and <see cref="FitOptions.Progress"/> run on rank 0 only, so only rank 0 logs and writes
/// checkpoints. Whether a callback stopped training and the learning rate after the callbacks are broadcast from
/// rank 0 after every epoch, and rank 0's parameters and buffers after the last callback (e.g. the weights
/// <see cref="EarlyStopping"/> restores).</item>
/// </list>
/// <para>
/// Implementations must give every rank bit-identical sums (MPI implementations do for a given message), because the
/// replicas stay identical only if every rank steps with the same gradient. A communicator of size 1 trains exactly
/// as no communicator does.
/// </para>
/// <para>
/// Every decision that could end training (a disagreement before the first batch, divergence, cancellation, a
/// callback's stop) is taken alike on every rank. An exception on one rank alone (a checkpoint that cannot be written,
/// say) leaves the others waiting in their next collective call: the process must then exit rather than wait, so that
/// the launcher ends the job (<c>Myelin.Distributed</c>'s <c>MpiCommunicator.Run</c> does this).
/// </para>
/// </remarks>
public interface ICommunicator
{
    /// <summary>This process's rank, from 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>The number of ranks in the group.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks (MPI_Allreduce with MPI_SUM, in place).</summary>
    void AllreduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks, in double precision.</summary>
    void AllreduceSum(Span<double> values);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank (MPI_Bcast).</summary>
    void Broadcast(Span<float> values, int root);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank, in double precision.</summary>
    void Broadcast(Span<double> values, int root);
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
