using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Generated multi-layer perceptrons against the double-precision reference: 60 seeded random networks (depths 1-4,
/// widths 1-40, every activation in the layer and stand-alone, biases on and off, every loss and head), batch sizes
/// 1, 2, 3, 5, 7 and 8, compared in outputs, loss and every parameter gradient with <see cref="Tolerance.Default"/>.
/// </summary>
public sealed class DenseNetworkTests
{
    private const string Namespace = "Numerics.Dense";
    private const int NetworkCount = 60;
    private static readonly int[] Batches = { 1, 2, 3, 5, 7, 8 };
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    [Fact]
    public void Sixty_random_dense_networks_match_the_reference_in_outputs_loss_and_every_gradient()
    {
        var networks = Enumerable.Range(0, NetworkCount)
            .Select(i => RandomNetworks.Dense(seed: 1000 + i, className: "Mlp" + i, loss: Losses[i % Losses.Length]))
            .ToList();
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace, networks, failures);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            // Dropout is compared in eval mode here; training-mode dropout has tests of its own.
            bool hasDropout = networks[i].Layers.Any(l => l is RefDropout);
            var c = new ComparisonCase(networks[i], Seed: 5000 + i, Batch: Batches[i % Batches.Length], Training: !hasDropout && i % 4 != 0);
            GeneratedComparison.Compare(assembly(), Namespace, c, failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Dense networks against the reference", failures, networks.Count));
    }

    [Fact]
    public void The_random_dense_networks_cover_every_activation_head_and_loss()
    {
        // Guards the test above: if the generator of random networks drifts, coverage must not silently shrink.
        var networks = Enumerable.Range(0, NetworkCount)
            .Select(i => RandomNetworks.Dense(seed: 1000 + i, className: "Mlp" + i, loss: Losses[i % Losses.Length]))
            .ToList();
        var layers = networks.SelectMany(n => n.Layers).ToList();
        foreach (var activation in new[] { Activation.ReLU, Activation.LeakyReLU, Activation.Sigmoid, Activation.Tanh, Activation.Softmax })
        {
            Assert.Contains(layers, l => l is RefDense d && d.Activation == activation);
            Assert.Contains(layers, l => l is RefActivation a && a.Kind == activation);
        }
        Assert.Contains(layers, l => l is RefDense { Bias: false });
        Assert.Contains(layers, l => l is RefDropout);
        Assert.Contains(networks, n => n.Layers.Count(l => l is RefDense) == 4);
        Assert.Contains(networks, n => n.InputShape[0] == 1 || n.Layers.Any(l => l is RefDense { Units: 1 }));
        foreach (var loss in Losses)
        {
            var withLoss = networks.Where(n => n.Loss == loss).ToList();
            Assert.Contains(withLoss, n => n.Layers[^1] is RefDense { Activation: Activation.None });
            if (loss == Loss.SoftmaxCrossEntropy)
            {
                Assert.Contains(withLoss, n => n.Layers[^1] is RefDense { Activation: Activation.Softmax });
                Assert.Contains(withLoss, n => n.Layers[^1] is RefActivation { Kind: Activation.Softmax });
            }
            if (loss == Loss.BinaryCrossEntropy)
            {
                Assert.Contains(withLoss, n => n.Layers[^1] is RefDense { Activation: Activation.Sigmoid });
                Assert.Contains(withLoss, n => n.Layers[^1] is RefActivation { Kind: Activation.Sigmoid });
            }
            if (loss == Loss.MeanSquaredError)
                Assert.Contains(withLoss, n => n.Layers[^1] is RefActivation or RefDense { Activation: not Activation.None });
        }
    }
}
