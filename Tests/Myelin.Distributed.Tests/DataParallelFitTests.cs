using System.Threading;
using Myelin.Data;
using Myelin.Distributed.Worker;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Distributed.Tests;

/// <summary>
/// The fit loop's data-parallel logic (<see cref="FitOptions.Communicator"/>) with ranks that are threads of this
/// process (<see cref="ThreadGroup"/>): any number of ranks, unequal shards, callbacks, cancellation and mistakes.
/// </summary>
public sealed class DataParallelFitTests
{
    // Float32 sums in another order (see MpiTrainingTests); measured here at 1e-7 to 1e-6 of the parameters' movement.
    private const double ReductionOrderTolerance = 1e-5;

    private static FitOptions Options(ICommunicator? group, int batchSize = 12, int epochs = 3) => new()
    {
        Epochs = epochs,
        BatchSize = batchSize,
        Optimizer = new Sgd(0.1, momentum: 0.9),
        Seed = 4,
        Communicator = group,
    };

    [Fact]
    public void One_rank_trains_to_the_same_bits_as_no_communicator()
    {
        var data = Synthetic.Regression(100);
        var alone = new TinyRegressor(seed: 1);
        var aloneHistory = alone.Fit(data, Options(null));
        var (network, history) = ThreadGroup.Run(1, group =>
        {
            var net = new TinyRegressor(seed: 1);
            return (net, net.Fit(data, Options(group)));
        })[0];

        Compare.BitIdentical(alone.Parameters, network.Parameters, alone, "parameters");
        Compare.BitIdentical(alone.Buffers, network.Buffers, alone, "buffers", TensorKind.Buffer);
        Assert.Equal(aloneHistory.Epochs[^1].Metrics, history.Epochs[^1].Metrics);
    }

    [Theory]
    [InlineData(2, 12)]     // 6 + 6
    [InlineData(3, 12)]     // 4 + 4 + 4
    [InlineData(4, 12)]     // 3 + 3 + 3 + 3
    [InlineData(3, 10)]     // 3 + 3 + 4
    [InlineData(4, 4)]      // one sample each, and a last batch of 2 leaves two ranks without a sample
    public void Any_number_of_ranks_ends_where_one_process_does(int ranks, int batchSize)
    {
        // 102 samples: the last batch is smaller (6, 2 or 2) and is split too.
        var data = Synthetic.Clusters(102);
        var reference = new TinyClassifier(seed: 1);
        var initial = reference.Parameters.ToArray();
        var referenceHistory = reference.Fit(data, Options(null, batchSize));

        var results = ThreadGroup.Run(ranks, group =>
        {
            var net = new TinyClassifier(seed: 1);
            return (net, net.Fit(data, Options(group, batchSize)));
        });
        foreach (var (rank, (network, history)) in results.Index())
        {
            Compare.Close(reference.Parameters, network.Parameters, initial, reference, ReductionOrderTolerance, $"rank {rank} of {ranks}");
            // Global metrics: the loss and accuracy of all 102 samples, not of this rank's shards.
            Assert.Equal(referenceHistory.Epochs[^1].Loss, history.Epochs[^1].Loss, 1e-5);
            Assert.Equal(referenceHistory.Epochs[^1]["accuracy"], history.Epochs[^1]["accuracy"], 1e-9);
        }
    }

    [Fact]
    public void Float_targets_are_sharded_like_labels()
    {
        var data = Synthetic.Regression(90);
        var reference = new TinyLinearRegressor(seed: 3);
        var initial = reference.Parameters.ToArray();
        var referenceHistory = reference.Fit(data, Options(null) with { Optimizer = new Adam(1e-2) });
        var results = ThreadGroup.Run(3, group =>
        {
            var net = new TinyLinearRegressor(seed: 3);
            return (net, net.Fit(data, Options(group) with { Optimizer = new Adam(1e-2) }));
        });
        foreach (var (rank, (network, history)) in results.Index())
        {
            Compare.Close(reference.Parameters, network.Parameters, initial, reference, ReductionOrderTolerance, $"rank {rank}");
            Assert.Equal(referenceHistory.Epochs[^1]["mae"], history.Epochs[^1]["mae"], 1e-5);
        }
    }

    [Fact]
    public void Ranks_start_from_rank_0s_weights_and_optimizer_state()
    {
        var data = Synthetic.Clusters(60);
        var reference = new TinyClassifier(seed: 1);
        var referenceOptimizer = new Adam(1e-2);
        reference.Fit(data, Options(null) with { Optimizer = referenceOptimizer, Epochs = 1 });
        var state = referenceOptimizer.GetState();
        reference.Fit(data, Options(null) with { Optimizer = referenceOptimizer, Epochs = 2, InitialEpoch = 1 });

        // Rank 0 resumes from the state after epoch 1; the others start from other weights and a fresh optimizer.
        var results = ThreadGroup.Run(3, group =>
        {
            var net = new TinyClassifier(seed: 10 + group.Rank);
            var optimizer = new Adam(1e-2);
            if (group.Rank == 0)
            {
                var resumedFrom = new TinyClassifier(seed: 1);
                resumedFrom.Fit(data, Options(null) with { Optimizer = new Adam(1e-2), Epochs = 1 });
                resumedFrom.Parameters.CopyTo(net.Parameters);
                optimizer.SetState(state);
            }
            net.Fit(data, Options(group) with { Optimizer = optimizer, Epochs = 2, InitialEpoch = 1 });
            return net;
        });
        var initial = new TinyClassifier(seed: 1).Parameters.ToArray();
        foreach (var (rank, network) in results.Index())
            Compare.Close(reference.Parameters, network.Parameters, initial, reference, ReductionOrderTolerance, $"rank {rank}");
    }

    [Fact]
    public void Dropout_masks_differ_between_ranks_and_repeat_between_runs()
    {
        // Each global batch is one batch of 8 twice over: rank 0 and rank 1 train on the same 8 samples. Were their
        // masks equal too, their gradients would be equal and the run would equal one process with batches of 8.
        var data = Synthetic.Regression(64);
        var doubled = Synthetic.DoubledBatches(data, 8);
        // A function: every fit needs an optimizer of its own.
        FitOptions Unshuffled() => Options(null, batchSize: 8, epochs: 2) with { Shuffle = false };

        float[] Alone<TNetwork>(Func<TNetwork> create) where TNetwork : ITrainableNetwork
        {
            var net = create();
            net.Fit(data, Unshuffled());
            return net.Parameters.ToArray();
        }
        float[] OnTwoRanks<TNetwork>(Func<TNetwork> create) where TNetwork : ITrainableNetwork => ThreadGroup.Run(2, group =>
        {
            var net = create();
            net.Fit(doubled, Unshuffled() with { BatchSize = 16, Communicator = group });
            return net.Parameters.ToArray();
        })[0];

        // Control: without dropout (and batch norm), two identical shards do give the one-process result.
        var control = new TinyLinearRegressor(seed: 2);
        Compare.Close(Alone(() => new TinyLinearRegressor(seed: 2)), OnTwoRanks(() => new TinyLinearRegressor(seed: 2)),
            control.Parameters.ToArray(), control, ReductionOrderTolerance, "two ranks on the same samples, no dropout");

        float[] first = OnTwoRanks(() => new TinyRegressor(seed: 2));
        float[] second = OnTwoRanks(() => new TinyRegressor(seed: 2));
        float[] alone = Alone(() => new TinyRegressor(seed: 2));
        var layout = new TinyRegressor(seed: 2);
        Compare.BitIdentical(first, second, layout, "two runs with the same seeds");
        double distance = Math.Sqrt(first.Zip(alone, (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.True(distance > 1e-3, $"two ranks with dropout on the same samples ended {distance:E2} from one process, as if their masks were equal");
    }

    [Fact]
    public void Batch_norm_running_statistics_are_averaged_across_ranks_before_every_validation()
    {
        // Each rank's running statistics follow its own shards; the validation after every epoch (in eval mode, so
        // with the running statistics) gives the same loss on every rank only if they were made equal first.
        var data = Synthetic.Regression(120);
        var validation = Synthetic.Regression(40, seed: 2);
        var initial = new TinyRegressor(seed: 5).Buffers.ToArray();
        var results = ThreadGroup.Run(3, group =>
        {
            var net = new TinyRegressor(seed: 5);
            var history = net.Fit(data, Options(group) with { Epochs = 2, ValidationData = validation });
            return (history.Epochs.Select(e => e["val_loss"]).ToArray(), net.Buffers.ToArray());
        });
        var layout = new TinyRegressor(seed: 5);
        for (int rank = 1; rank < results.Length; rank++)
        {
            Assert.Equal(results[0].Item1, results[rank].Item1);
            Compare.BitIdentical(results[0].Item2, results[rank].Item2, layout, $"buffers of rank {rank} against rank 0", TensorKind.Buffer);
        }
        Assert.NotEqual(initial, results[0].Item2);
    }

    [Fact]
    public void Only_rank_0_runs_callbacks_and_every_rank_follows_its_decisions()
    {
        var data = Synthetic.Clusters(48);
        var results = ThreadGroup.Run(3, group =>
        {
            var spy = new SpyCallback();
            var optimizer = new Sgd(0.1);
            var progress = new CountingProgress();
            var net = new TinyClassifier(seed: 1);
            var history = net.Fit(data, Options(group, epochs: 5) with { Optimizer = optimizer, Callbacks = [spy], Progress = progress });
            return (spy, optimizer, progress.Reports, history, net.Parameters.ToArray());
        });

        var (rootSpy, _, rootReports, _, _) = results[0];
        Assert.Equal(["begin", "epoch 1", "epoch 2", "end"], rootSpy.Calls);
        Assert.Equal(2 * 4, rootReports);   // 4 batches of 12 per epoch, reported on rank 0 only
        foreach (var (rank, (spy, optimizer, reports, history, parameters)) in results.Index())
        {
            if (rank > 0)
            {
                Assert.Empty(spy.Calls);
                Assert.Equal(0, reports);
                Assert.Equal("stopped by a callback on rank 0", history.StopReason);
            }
            // Rank 0 stopped after epoch 2, halved the learning rate and zeroed a weight at the end: every rank did.
            Assert.Equal(2, history.Epochs.Count);
            Assert.Equal(0.05, optimizer.LearningRate);
            Assert.Equal(0f, parameters[0]);
            Assert.Equal(results[0].Item5, parameters);
        }
    }

    [Fact]
    public void Cancelling_one_rank_stops_every_rank_before_the_same_step()
    {
        // 20 batches per epoch. Rank 2 alone is cancelled while it trains the 27th batch (the 7th of epoch 2); every
        // rank then stops before stepping the 28th, as one process cancelled at the same moment does.
        var data = Synthetic.Clusters(240);
        (History History, float[] Parameters) Train(ICommunicator? group, bool cancelled)
        {
            using var cancellation = new CancellationTokenSource();
            var net = new TinyClassifier(seed: 1);
            var trigger = new CancelAfter(cancelled ? 27 : int.MaxValue, cancellation);
            var history = net.Fit(data, Options(group, epochs: 4) with { CancellationToken = cancellation.Token, Metrics = [new Accuracy(), trigger] });
            return (history, net.Parameters.ToArray());
        }

        var reference = Train(null, cancelled: true);
        var results = ThreadGroup.Run(3, group => Train(group, cancelled: group.Rank == 2));
        var layout = new TinyClassifier(seed: 1);
        foreach (var (rank, (history, parameters)) in results.Index())
        {
            Assert.Equal("cancelled", history.StopReason);
            Assert.Single(history.Epochs);
            Compare.Close(reference.Parameters, parameters, layout.Parameters, layout, ReductionOrderTolerance, $"rank {rank}");
            Compare.BitIdentical(results[0].Parameters, parameters, layout, $"rank {rank} against rank 0");
        }
    }

    [Fact]
    public void Ranks_that_disagree_on_the_data_fail_together_naming_the_difference()
    {
        var messages = ThreadGroup.Run(2, group =>
        {
            var data = Synthetic.Clusters(group.Rank == 1 ? 59 : 60);
            try
            {
                new TinyClassifier(seed: 1).Fit(data, Options(group));
                return "no error";
            }
            catch (ArgumentException e)
            {
                return e.Message;
            }
        });
        foreach (string message in messages)
            Assert.Equal("The data-parallel ranks disagree on the training samples: rank 1 has 59, rank 0 has 60. Every rank must call Fit with the same network, optimizer, data and options.", message);
    }

    [Fact]
    public void Ranks_with_the_same_sample_count_but_other_data_are_caught_too()
    {
        var messages = ThreadGroup.Run(2, group =>
        {
            try
            {
                new TinyClassifier(seed: 1).Fit(Synthetic.Clusters(60, seed: 1 + group.Rank), Options(group));
                return "no error";
            }
            catch (ArgumentException e)
            {
                return e.Message;
            }
        });
        Assert.All(messages, message => Assert.StartsWith("The data-parallel ranks disagree on the training data checksum: rank 1 has ", message));
    }

    [Fact]
    public void A_global_batch_smaller_than_the_ranks_is_refused_before_training()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ThreadGroup.Run(3, group =>
            new TinyClassifier(seed: 1).Fit(Synthetic.Clusters(30), Options(group, batchSize: 2))));
        Assert.Equal("FitOptions.BatchSize 2 is smaller than the 3 data-parallel ranks, so some rank would never train; the batch size is the global batch, split across the ranks, so use at least 3.",
            error.InnerException!.Message);
    }

    [Fact]
    public void A_diverging_run_stops_on_every_rank_at_the_same_batch()
    {
        var messages = ThreadGroup.Run(2, group =>
        {
            try
            {
                new TinyClassifier(seed: 1).Fit(Synthetic.Clusters(240), Options(group) with { Optimizer = new Sgd(1e6) });
                return "no error";
            }
            catch (TrainingDivergedException e)
            {
                return e.Message;
            }
        });
        Assert.StartsWith("Training diverged", messages[0]);
        Assert.Equal(messages[0], messages[1]);
    }

    /// <summary>Records its calls; on epoch 2 it stops training and halves the learning rate, and at the end it zeroes the first weight.</summary>
    private sealed class SpyCallback : Callback
    {
        public List<string> Calls { get; } = [];

        public override void OnTrainBegin(TrainingContext context) => Calls.Add("begin");

        public override void OnEpochEnd(EpochResult result, TrainingContext context)
        {
            Calls.Add($"epoch {result.Epoch}");
            if (result.Epoch < 2) return;
            context.StopTraining = true;
            context.Optimizer.LearningRate /= 2;
        }

        public override void OnTrainEnd(TrainingContext context)
        {
            Calls.Add("end");
            context.Network.Parameters[0] = 0f;
        }
    }

    private sealed class CountingProgress : IProgress<BatchProgress>
    {
        public int Reports { get; private set; }

        public void Report(BatchProgress value) => Reports++;
    }

    /// <summary>A metric that cancels <paramref name="source"/> while its <paramref name="batches"/>-th batch is being trained, counted over the run.</summary>
    private sealed class CancelAfter(int batches, CancellationTokenSource source) : IMetric
    {
        private int _seen;

        public string Name => "cancel_after";

        public bool HigherIsBetter => false;

        public void Reset() { }

        public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
        {
            if (++_seen == batches) source.Cancel();
        }

        public double Result() => _seen;
    }
}
