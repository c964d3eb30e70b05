using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Generated recurrent networks (SimpleRNN, LSTM, GRU; last state or sequences; one or both directions; stacked; dense
/// layers on every step) against the double-precision reference: outputs, loss, every parameter gradient and the input
/// gradient, with <see cref="Tolerance.Default"/> (outputs 1e-4 relative, gradients 1e-3 of the tensor's largest).
/// </summary>
public sealed class RecurrentNetworkTests
{
    private const string Namespace = "Numerics.Recurrent";
    private const int NetworkCount = 36;
    private static readonly int[] Batches = { 1, 2, 3, 5, 8 };

    private static List<RefNetwork> Networks() =>
        Enumerable.Range(0, NetworkCount).Select(i => RandomRecurrentNetworks.Create(seed: 7000 + i, className: "Rnn" + i)).ToList();

    [Fact]
    public void Random_recurrent_networks_match_the_reference_in_outputs_loss_every_gradient_and_the_input_gradient()
    {
        var networks = Networks();
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace, networks, failures);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            var c = new ComparisonCase(networks[i], Seed: 8000 + i, Batch: Batches[i % Batches.Length], Training: i % 3 != 0, InputGradient: i % 2 == 0);
            GeneratedComparison.Compare(assembly(), Namespace, c, failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Recurrent networks against the reference", failures, networks.Count));
    }

    [Fact]
    public void A_network_grown_past_its_capacity_still_matches_the_reference()
    {
        // The recurrent work arrays scale with the batch: growing must resize every one of them.
        var network = new RefNetwork("Grown", Loss.SoftmaxCrossEntropy, new[] { 4, 3 }, new RefLayer[]
        {
            new RefRecurrent(RefCell.LSTM, 3, ReturnSequences: true, Bidirectional: true),
            new RefRecurrent(RefCell.GRU, 2, Bidirectional: true),
            new RefDense(3),
        });
        var failures = new List<string>();
        var assembly = GeneratedComparison.CompileAndLoad(network.ToSource(Namespace + ".Grown"));
        GeneratedComparison.Compare(assembly, Namespace + ".Grown", new ComparisonCase(network, Seed: 3, Batch: 7, Training: true, InputGradient: true, Capacity: 2), failures);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void The_random_recurrent_networks_cover_every_cell_direction_output_and_loss()
    {
        // Guards the test above: if the random networks drift, coverage must not silently shrink.
        var networks = Networks();
        var recurrent = networks.SelectMany(n => n.Layers).OfType<RefRecurrent>().ToList();
        foreach (var cell in new[] { RefCell.SimpleRNN, RefCell.LSTM, RefCell.GRU })
        {
            foreach (bool bidirectional in new[] { false, true })
            {
                foreach (bool sequences in new[] { false, true })
                    Assert.Contains(recurrent, r => r.Cell == cell && r.Bidirectional == bidirectional && r.ReturnSequences == sequences);
            }
        }
        Assert.Contains(recurrent, r => r is { Cell: RefCell.SimpleRNN, Activation: Activation.ReLU });
        // The cell kernels run 8 units at a time with SIMD and the rest one by one: both paths, for each gated cell.
        Assert.Contains(recurrent, r => r is { Cell: RefCell.LSTM, Units: > 8 } && r.Units % 8 != 0);
        Assert.Contains(recurrent, r => r is { Cell: RefCell.GRU, Units: > 8 } && r.Units % 8 != 0);
        Assert.Contains(networks, n => n.Layers.Count(l => l is RefRecurrent) == 2);
        Assert.Contains(networks, n => n.Layers[0] is RefDense);
        Assert.Contains(networks, n => n.Layers.Zip(n.Layers.Skip(1)).Any(p => p.First is RefRecurrent { ReturnSequences: true } && p.Second is RefDense));
        Assert.Contains(networks, n => n.InputShape[0] == 1);
        foreach (var loss in new[] { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError })
            Assert.Contains(networks, n => n.Loss == loss);
    }
}
