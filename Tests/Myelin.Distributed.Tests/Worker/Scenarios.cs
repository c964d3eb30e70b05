using System;
using System.Collections.Generic;
using System.IO;
using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Samples.Mnist;
using Myelin.Training;

namespace Myelin.Distributed.Worker;

/// <summary>
/// The training runs the MPI tests compare. Each runs on every rank with the world communicator, and in the test
/// process with no communicator (or none where a scenario says so) as the single-process reference.
/// </summary>
public static class Scenarios
{
    /// <summary>The global batch of the equivalence runs: 32 samples per rank on 2 ranks.</summary>
    public const int GlobalBatch = 64;

    /// <summary>Optimizer steps of each equivalence run: 2 epochs of 10 batches.</summary>
    public const int EquivalenceSteps = 20;

    /// <summary>The optimizers every equivalence run is repeated with.</summary>
    public static IReadOnlyList<string> Optimizers { get; } = ["sgd", "adam", "adamw", "rmsprop"];

    /// <summary>The optimizer called <paramref name="name"/>, with the MNIST sample's usual settings.</summary>
    public static IOptimizer CreateOptimizer(string name) => name switch
    {
        "sgd" => new Sgd(0.05, momentum: 0.9),
        "adam" => new Adam(1e-3),
        "adamw" => new AdamW(1e-3, weightDecay: 1e-2),
        "rmsprop" => new RmsProp(1e-3),
        _ => throw new ArgumentException($"No optimizer is called '{name}'.", nameof(name)),
    };

    /// <summary>The bundled digits: 8,000 to train, 2,000 held out.</summary>
    public static (Dataset Train, Dataset Test) Digits() => Mnist.SplitBundled(Mnist.LoadBundled());

    /// <summary>The MLP after <see cref="EquivalenceSteps"/> shuffled steps of <see cref="GlobalBatch"/> digits with <paramref name="optimizer"/>.</summary>
    public static Replica Equivalence(string optimizer, Dataset train, ICommunicator? group)
    {
        var network = new MnistMlp(seed: 1);
        var history = network.Fit(train.Slice(0, EquivalenceSteps / 2 * GlobalBatch), new FitOptions
        {
            Epochs = 2,
            BatchSize = GlobalBatch,
            Optimizer = CreateOptimizer(optimizer),
            Seed = 3,
            Communicator = group,
        });
        return Replica.Of(network, history.Epochs[^1].Metrics);
    }

    /// <summary>
    /// Shards of unequal size: a global batch of 63 (31 and 32 samples on 2 ranks) over 346 digits, so that every epoch
    /// ends with a batch of 31 (15 and 16).
    /// </summary>
    public static Replica UnequalShards(Dataset train, ICommunicator? group)
    {
        var network = new MnistMlp(seed: 2);
        var history = network.Fit(train.Slice(0, 346), new FitOptions
        {
            Epochs = 2,
            BatchSize = 63,
            Optimizer = new Adam(1e-3),
            Seed = 5,
            Communicator = group,
        });
        return Replica.Of(network, history.Epochs[^1].Metrics);
    }

    /// <summary>The MLP trained on all 8,000 digits for 3 epochs at a global batch of 64, validated on the 2,000 held out.</summary>
    public static Replica MnistFit(Dataset train, Dataset test, ICommunicator? group)
    {
        var network = new MnistMlp(seed: 1);
        var history = network.Fit(train, new FitOptions
        {
            Epochs = 3,
            BatchSize = GlobalBatch,
            Optimizer = new Adam(1e-3),
            Seed = 1,
            ValidationData = test,
            Communicator = group,
        });
        var values = new Dictionary<string, double>(history.Epochs[^1].Metrics)
        {
            ["held_out_accuracy"] = network.Evaluate(test).Accuracy,
        };
        return Replica.Of(network, values);
    }

    /// <summary>
    /// Batch norm and dropout over 2 epochs of 1,024 digits: run straight through (<c>straight</c>), then run for one
    /// epoch with a checkpoint callback and resumed from it by rank 0 alone into a network initialised with another
    /// seed on every rank (<c>resumed</c>). Values: the checkpoints this rank wrote.
    /// </summary>
    public static (Replica Straight, Replica Resumed) Resume(Dataset train, string directory, ICommunicator? group)
    {
        var data = train.Slice(0, 1024);
        FitOptions Options(int epochs) => new()
        {
            Epochs = epochs,
            BatchSize = GlobalBatch,
            Optimizer = new AdamW(2e-3),
            Seed = 7,
            Communicator = group,
        };

        var straight = new NoisyConvNet(seed: 1);
        straight.Fit(data, Options(2));

        string path = Path.Combine(directory, "resume.safetensors");
        var first = new NoisyConvNet(seed: 1);
        var checkpoint = new ModelCheckpoint(path, monitor: "loss", saveBestOnly: false, includeOptimizerState: true);
        first.Fit(data, Options(1) with { Callbacks = [checkpoint] });

        var resumed = new NoisyConvNet(seed: 99);
        var optimizer = new AdamW(2e-3);
        if (group is null || group.Rank == 0) Checkpoint.LoadTrainingState(resumed, optimizer, path);
        resumed.Fit(data, Options(2) with { InitialEpoch = 1, Optimizer = optimizer });
        var values = new Dictionary<string, double> { ["checkpoints_written"] = checkpoint.Saved.Count };
        return (Replica.Of(straight), Replica.Of(resumed, values));
    }

    /// <summary>
    /// The most bytes this rank allocated between two batches of the last of 3 epochs of a data-parallel fit, measured
    /// by a metric (metrics see every batch on every rank). The fit allocates per epoch (its results) but should
    /// allocate nothing per batch.
    /// </summary>
    public static Replica Allocation(Dataset train, ICommunicator? group)
    {
        var network = new MnistMlp(seed: 3);
        var probe = new AllocationProbe();
        network.Fit(train.Slice(0, 640), new FitOptions
        {
            Epochs = 3,
            BatchSize = 32,
            Optimizer = new Adam(),
            Metrics = [new Accuracy(), probe],
            Communicator = group,
        });
        return Replica.Of(network, new Dictionary<string, double> { ["bytes_between_batches"] = probe.MostBetweenBatches });
    }

    /// <summary>A metric that measures the managed bytes the training thread allocates from one batch to the next.</summary>
    private sealed class AllocationProbe : IMetric
    {
        private long _last = -1;

        /// <summary>The most bytes allocated between two consecutive batches of the latest epoch.</summary>
        public long MostBetweenBatches { get; private set; }

        public string Name => "allocation_probe";

        public bool HigherIsBetter => false;

        public void Reset() => (_last, MostBetweenBatches) = (-1, 0);

        public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
        {
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (_last >= 0) MostBetweenBatches = Math.Max(MostBetweenBatches, now - _last);
            _last = GC.GetAllocatedBytesForCurrentThread();
        }

        public double Result() => MostBetweenBatches;
    }
}
