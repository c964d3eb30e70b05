using Myelin.Data;
using Myelin.Distributed.Worker;
using Myelin.Samples.Mnist;
using Xunit.Abstractions;

namespace Myelin.Distributed.Tests;

/// <summary>
/// Data-parallel training over Open MPI with 2 ranks (one <see cref="WorkerJob"/>), against the same scenarios run in
/// this process alone.
/// </summary>
public sealed class MpiTrainingTests(WorkerJob job, ITestOutputHelper output) : IClassFixture<WorkerJob>
{
    // Float32 sums in another order: each rank sums the gradient over its 32 samples and the allreduce adds the two
    // halves, where one process sums all 64 at once. Measured on this machine: 1.2e-7 (SGD, Adam) to 3.1e-7 (RMSprop) and
    // 3.8e-7 (batches of 63) of the parameters' movement. Summing the ranks' gradients instead of averaging them is off by 0.9 (SGD), 0.02
    // (RMSprop) and 0.04 (batches of 63); Adam and AdamW are blind to the gradient's scale, so for them this checks
    // the shards and the step.
    private const double ReductionOrderTolerance = 1e-5;

    private static readonly Lazy<(Dataset Train, Dataset Test)> s_digits = new(Scenarios.Digits);

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("rmsprop")]
    public void Two_ranks_of_32_samples_end_with_the_parameters_of_one_process_with_batches_of_64(string optimizer)
    {
        var reference = Scenarios.Equivalence(optimizer, s_digits.Value.Train, group: null);
        var initial = new MnistMlp(seed: 1);
        foreach (var (rank, replica) in job.ReadAll(optimizer).Index())
        {
            double relative = Compare.Close(reference.Parameters, replica.Parameters, initial.Parameters, initial, ReductionOrderTolerance,
                $"{optimizer}, rank {rank} after {Scenarios.EquivalenceSteps} steps");
            output.WriteLine($"{optimizer}, rank {rank}: ||2 ranks - 1 process|| = {relative:E2} of the parameters' movement");
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("rmsprop")]
    [InlineData("unequal")]
    [InlineData("mnist")]
    [InlineData("straight")]
    [InlineData("resumed")]
    public void Every_rank_ends_with_the_same_bits(string scenario)
    {
        var ranks = job.ReadAll(scenario);
        INetwork layout = scenario is "straight" or "resumed" ? new NoisyConvNet(seed: 1) : new MnistMlp(seed: 1);
        for (int rank = 1; rank < ranks.Length; rank++)
        {
            Compare.BitIdentical(ranks[0].Parameters, ranks[rank].Parameters, layout, $"{scenario}: parameters of rank {rank} against rank 0");
            Compare.BitIdentical(ranks[0].Buffers, ranks[rank].Buffers, layout, $"{scenario}: buffers of rank {rank} against rank 0", TensorKind.Buffer);
        }
    }

    [Fact]
    public void Unequal_shards_are_weighted_by_their_sample_counts()
    {
        var reference = Scenarios.UnequalShards(s_digits.Value.Train, group: null);
        var initial = new MnistMlp(seed: 2);
        double relative = Compare.Close(reference.Parameters, job.Read("unequal", 0).Parameters, initial.Parameters, initial, ReductionOrderTolerance,
            "batches of 63 split 31 + 32 (and a last one of 31 split 15 + 16)");
        output.WriteLine($"||2 ranks - 1 process|| = {relative:E2} of the parameters' movement");
    }

    [Fact]
    public void The_MLP_trained_on_two_ranks_reaches_the_accuracy_of_one_process()
    {
        var (train, test) = s_digits.Value;
        var reference = Scenarios.MnistFit(train, test, group: null).Values;
        var distributed = job.Read("mnist", 0).Values;
        output.WriteLine($"held-out accuracy: {distributed["held_out_accuracy"]:P2} on 2 ranks, {reference["held_out_accuracy"]:P2} in one process; " +
            $"last epoch's loss {distributed["loss"]:0.0000} against {reference["loss"]:0.0000}");

        // The same 375 steps up to the order of float sums. Long runs can drift apart by a near-tie that a ReLU decides
        // by the last bit (about 1e-3 of the weights' movement; see MnistCliTests), so the accuracies are held to 10 of
        // the 2,000 held-out digits and the reported loss to 1 %.
        Assert.InRange(reference["held_out_accuracy"], 0.88, 1.0);
        Assert.InRange(distributed["held_out_accuracy"], reference["held_out_accuracy"] - 0.005, reference["held_out_accuracy"] + 0.005);
        // Reported metrics are global: the loss and accuracy over all 8,000 digits of the last epoch, not one rank's half.
        Assert.InRange(distributed["loss"], reference["loss"] * 0.99, reference["loss"] * 1.01);
        Assert.InRange(distributed["accuracy"], reference["accuracy"] - 0.005, reference["accuracy"] + 0.005);
        Assert.InRange(distributed["val_accuracy"], reference["val_accuracy"] - 0.005, reference["val_accuracy"] + 0.005);
    }

    [Fact]
    public void A_run_resumed_by_rank_0_alone_continues_on_every_rank_as_if_never_interrupted()
    {
        var layout = new NoisyConvNet(seed: 1);
        var straight = job.ReadAll("straight");
        var resumed = job.ReadAll("resumed");
        for (int rank = 0; rank < WorkerJob.Ranks; rank++)
        {
            Compare.BitIdentical(straight[rank].Parameters, resumed[rank].Parameters, layout, $"rank {rank}: resumed parameters against the uninterrupted run");
            Compare.BitIdentical(straight[rank].Buffers, resumed[rank].Buffers, layout, $"rank {rank}: resumed buffers against the uninterrupted run", TensorKind.Buffer);
        }
        Assert.Equal(1, resumed[0].Values["checkpoints_written"]);
        Assert.Equal(0, resumed[1].Values["checkpoints_written"]);
    }

    [Fact]
    public void A_data_parallel_training_step_allocates_nothing_on_any_rank()
    {
        foreach (var (rank, replica) in job.ReadAll("allocation").Index())
            Assert.True(replica.Values["bytes_between_batches"] == 0, $"rank {rank} allocated {replica.Values["bytes_between_batches"]} bytes between two batches");
    }
}
