using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary>Every recurrent layer kind in one network: a bidirectional LSTM over sequences, a GRU, a ReLU SimpleRNN head branch.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(12, 3)]
[Dense(8, Activation.Tanh)]
[LSTM(16, ReturnSequences = true, Bidirectional = true)]
[GRU(12, ReturnSequences = true)]
[SimpleRNN(9, Activation.ReLU)]
[Dense(2)]
public partial class StackedRecurrentNet;

/// <summary>A one-layer GRU that reads a sequence of scalars.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(10, 1)]
[GRU(16)]
[Dense(2)]
public partial class SignSumGru;

/// <summary>Recurrent networks end to end: an allocation-free training step and learning a task that needs memory.</summary>
[Collection(AllocationCounting.Name)]
public sealed class RecurrentTests
{
    [Fact]
    public void A_stacked_recurrent_training_step_allocates_nothing()
    {
        var random = new SeededRandom(3);
        var inputs = Enumerable.Range(0, 16 * StackedRecurrentNet.InputSize).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        var labels = Enumerable.Range(0, 16).Select(i => i % 2).ToArray();
        var net = new StackedRecurrentNet(seed: 1, maxBatchSize: 16);
        var optimizer = new Adam();
        for (int i = 0; i < 200; i++) Step(); // tiered compilation may allocate while it promotes the hot methods
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Step()
        {
            net.ForwardBackward(inputs, labels, 16);
            optimizer.Step(net);
        }
    }

    [Fact]
    public void A_GRU_learns_whether_a_sequence_sums_to_more_than_zero()
    {
        // Ten steps of one value each in [-1, 1]; the label is whether their sum is positive. Only a layer that
        // carries state across the steps can tell: each step alone is no better than chance.
        static Dataset Sequences(int count, int seed)
        {
            var random = new SeededRandom(seed);
            var features = new float[count * 10];
            var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                float sum = 0;
                for (int t = 0; t < 10; t++) sum += features[i * 10 + t] = random.NextFloat() * 2 - 1;
                labels[i] = sum > 0 ? 1 : 0;
            }
            return new Dataset(features, new[] { 10, 1 }, labels, classCount: 2);
        }

        var net = new SignSumGru(seed: 1);
        net.Fit(Sequences(2000, 1), new FitOptions { Epochs = 15, BatchSize = 32, Optimizer = new Adam(3e-3), Seed = 1 });
        double accuracy = net.Evaluate(Sequences(500, 2)).Accuracy;
        Assert.True(accuracy > 0.9, $"held-out accuracy {accuracy:P1}");
    }
}
