using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Generated convolutional networks against the double-precision reference: 40 seeded random networks of Conv2D
/// (1-4 filters, kernels 1-5, strides 1-3, valid, same and explicit padding), max and average pooling, global average
/// pooling, flatten, dense heads, BatchNorm2D in training and eval mode and dropout in eval mode; outputs, loss, every
/// gradient and every buffer after the step, with <see cref="Tolerance.Default"/>.
/// </summary>
public sealed class ConvNetworkTests
{
    private const string Namespace = "Numerics.Conv";
    private const int NetworkCount = 40;
    private static readonly int[] Batches = { 1, 2, 3, 5, 7, 8 };
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    internal static List<RefNetwork> Networks() => Enumerable.Range(0, NetworkCount)
        .Select(i => RandomNetworks.Conv(seed: 2000 + i, className: "Cnn" + i, loss: Losses[i % Losses.Length]))
        .ToList();

    /// <summary>
    /// The smallest batch that gives every batch norm of <paramref name="network"/> at least <paramref name="valuesPerChannel"/>
    /// values per channel (batch times positions) in training mode: two at least, since batch statistics of one value are undefined.
    /// </summary>
    internal static int SmallestTrainingBatch(RefNetwork network, int valuesPerChannel = 2)
    {
        var inputs = network.LayerInputShapes;
        int smallest = 1;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (network.Layers[i] is not RefBatchNorm) continue;
            int positions = inputs[i].Aggregate(1, (a, b) => a * b) / inputs[i][0];
            smallest = Math.Max(smallest, (valuesPerChannel + positions - 1) / positions);
        }
        return smallest;
    }

    [Fact]
    public void Forty_random_convolutional_networks_match_the_reference_in_outputs_loss_gradients_and_running_statistics()
    {
        var networks = Networks();
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace, networks, failures);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            bool hasDropout = networks[i].Layers.Any(l => l is RefDropout);
            bool training = !hasDropout && i % 3 != 2;
            int batch = Batches[i % Batches.Length];
            if (training) batch = Math.Max(batch, SmallestTrainingBatch(networks[i]));
            GeneratedComparison.Compare(assembly(), Namespace, new ComparisonCase(networks[i], 6000 + i, batch, training), failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Convolutional networks against the reference", failures, networks.Count));
    }

    [Fact]
    public void The_random_convolutional_networks_cover_every_padding_stride_pooling_and_head()
    {
        var networks = Networks();
        var layers = networks.SelectMany(n => n.Layers).ToList();
        Assert.Contains(layers, l => l is RefConv2D { Padding: Padding.Same, Kernel: 2 or 4 });
        Assert.Contains(layers, l => l is RefConv2D { Padding: Padding.Same, Kernel: 3 or 5 });
        Assert.Contains(layers, l => l is RefConv2D { PaddingSize: > 0, Stride: > 1 });
        Assert.Contains(layers, l => l is RefConv2D { Padding: Padding.Valid, PaddingSize: 0, Stride: 3 });
        Assert.Contains(layers, l => l is RefConv2D { Kernel: 5 });
        Assert.Contains(layers, l => l is RefConv2D { Bias: false });
        Assert.Contains(layers, l => l is RefPool2D { Max: true, Stride: > 0 } p && p.Stride != p.Kernel);
        Assert.Contains(layers, l => l is RefPool2D { Max: false });
        Assert.Contains(layers, l => l is RefGlobalAvgPool2D);
        Assert.Contains(layers, l => l is RefFlatten);
        Assert.Contains(layers, l => l is RefBatchNorm);
        Assert.Contains(layers, l => l is RefDropout);
        Assert.Contains(networks, n => n.InputShape[0] == 4);
        Assert.Contains(networks, n => n.OutputShape.Length == 3);
        Assert.Contains(networks, n => n.Layers.Any(l => l is RefBatchNorm) && !n.Layers.Any(l => l is RefDropout));
    }

    [Fact]
    public void Valid_same_and_explicit_padding_convolutions_with_every_stride_match_the_reference()
    {
        // A deterministic sweep beside the random networks: same padding with every kernel 1-5 (even kernels pad more
        // at the bottom and right), and explicit padding with strides 1-3, on non-square inputs so that height and width
        // cannot be swapped unnoticed.
        var networks = new List<RefNetwork>();
        for (int k = 1; k <= 5; k++)
            networks.Add(new RefNetwork($"Same{k}", Loss.MeanSquaredError, new[] { 2, 5, 7 }, new RefLayer[] { new RefConv2D(3, k, Padding: Padding.Same) }));
        foreach (var (k, p, s) in new[] { (1, 0, 3), (2, 1, 2), (3, 1, 1), (3, 1, 2), (3, 0, 3), (4, 2, 3), (4, 1, 1), (5, 2, 2), (5, 1, 3), (5, 0, 1) })
            networks.Add(new RefNetwork($"K{k}P{p}S{s}", Loss.MeanSquaredError, new[] { 2, 6, 7 }, new RefLayer[] { new RefConv2D(2, k, Stride: s, PaddingSize: p) }));
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace + ".Sweep", networks, failures);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            GeneratedComparison.Compare(assembly(), Namespace + ".Sweep", new ComparisonCase(networks[i], 7000 + i, 1 + i % 3, Training: true), failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Convolution padding and stride sweep", failures, networks.Count));
    }
}
