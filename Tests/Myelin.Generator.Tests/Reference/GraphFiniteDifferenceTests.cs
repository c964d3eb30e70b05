using Myelin.Generator.Tests.Numerics;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// The reference's backward pass through graphs against central finite differences, with the rules and tolerance of
/// <see cref="FiniteDifferenceTests"/>: every parameter tensor and the input, in training and eval mode. Where a value
/// has several readers the reference sums their gradients, so these checks prove that sum (and the merges' own rules)
/// right before the generated code is compared with it.
/// </summary>
public sealed class GraphFiniteDifferenceTests
{
    [Fact]
    public void Hand_written_graphs_have_reference_gradients_equal_to_central_differences_in_training_and_eval_mode()
    {
        // Training batches of four or more: batch norm over two or three values is nearly constant, so its gradients
        // are nearly zero and a relative check of them measures only rounding.
        var cases = GraphExamples.All.SelectMany((network, i) => new[]
        {
            (network, Seed: 700 + i, Training: true, Batch: 4 + i % 3),
            (network, Seed: 800 + i, Training: false, Batch: 1 + i % 3),
        });
        FiniteDifferenceTests.CheckAll(cases);
    }

    [Fact]
    public void Random_dense_graphs_have_reference_gradients_equal_to_central_differences()
    {
        var networks = Enumerable.Range(0, 16).Select(i => RandomGraphs.Dense(seed: 900 + i, className: "FdGraph" + i, Losses[i % 3]));
        FiniteDifferenceTests.CheckAll(networks.Select((n, i) => (n, Seed: 1000 + i, Training: i % 2 == 0, Batch: i % 2 == 0 ? 4 + i % 3 : 1 + i % 4)));
    }

    [Fact]
    public void Random_convolutional_graphs_have_reference_gradients_equal_to_central_differences()
    {
        var networks = Enumerable.Range(0, 16).Select(i => RandomGraphs.Conv(seed: 1100 + i, className: "FdConvGraph" + i, Losses[i % 3]));
        FiniteDifferenceTests.CheckAll(networks.Select((n, i) => (n, Seed: 1200 + i, Training: i % 2 == 0, Batch: i % 2 == 0 ? 4 : 1 + i % 3)));
    }

    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };
}
