using Myelin.Generator.Tests.Numerics;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// The reference's hand-written backward through time against central finite differences, with the tolerances of
/// <see cref="FiniteDifferenceTests"/> (relative 1e-6): every cell, both directions, sequences and last states, stacked.
/// </summary>
public sealed class RecurrentFiniteDifferenceTests
{
    [Fact]
    public void Random_recurrent_networks_have_reference_gradients_equal_to_central_differences()
    {
        var networks = Enumerable.Range(0, 18).Select(i => RandomRecurrentNetworks.Create(seed: 600 + i, className: "FdRnn" + i));
        FiniteDifferenceTests.CheckAll(networks.Select((n, i) => (n, Seed: 700 + i, Training: true, Batch: 1 + i % 3)));
    }

    [Fact]
    public void Every_cell_in_both_directions_has_reference_gradients_equal_to_central_differences()
    {
        var cases = new List<(RefNetwork, int, bool, int)>();
        int seed = 0;
        foreach (var cell in new[] { RefCell.SimpleRNN, RefCell.LSTM, RefCell.GRU })
        {
            foreach (bool sequences in new[] { false, true })
            {
                var layers = new List<RefLayer> { new RefRecurrent(cell, 3, ReturnSequences: sequences, Bidirectional: true) };
                if (sequences) layers.AddRange(new RefLayer[] { new RefDense(2, Activation.Tanh), new RefFlatten() });
                layers.Add(new RefDense(3));
                cases.Add((new RefNetwork($"Fd{cell}{(sequences ? "Sequences" : "Last")}", Loss.SoftmaxCrossEntropy, new[] { 4, 2 }, layers), ++seed, true, 2));
            }
        }
        cases.Add((new RefNetwork("FdReLURnn", Loss.MeanSquaredError, new[] { 3, 2 },
            new RefLayer[] { new RefRecurrent(RefCell.SimpleRNN, 4, Activation.ReLU, ReturnSequences: true), new RefFlatten(), new RefDense(2) }), 99, true, 3));
        FiniteDifferenceTests.CheckAll(cases);
    }
}
