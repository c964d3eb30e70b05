using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Frozen layers in graphs. The generated code decides per value whether its gradient is needed (a trained layer or,
/// when asked for, the input lies upstream of it) and skips the rest, so freezing a branch, a block or the stem must still
/// give exactly the reference gradients for every trained layer, exactly zero for the frozen ones, and the reference
/// input gradient (which must flow through frozen layers).
/// </summary>
public sealed class GraphFreezingTests
{
    private const string Namespace = "Numerics.GraphFreezing";

    private static readonly RefNetwork ResNet = GraphExamples.ResNet;

    /// <summary>Layer indices of <see cref="GraphExamples.ResNet"/> by name.</summary>
    private static int[] Layers(params string[] names) => names.Select(n => ResNet.LayerNames.ToList().IndexOf(n)).ToArray();

    public static TheoryData<string, string[]> Patterns => new()
    {
        { "the stem", new[] { "stem", "bn1" } },
        { "the first block's branch", new[] { "conv2", "bn2", "conv3", "block1_branch" } },
        { "the second block's branch but its last batch norm", new[] { "conv4", "bn4", "conv5" } },
        { "the head", new[] { "dense1" } },
        { "all but the head", new[] { "stem", "bn1", "conv2", "bn2", "conv3", "block1_branch", "conv4", "bn4", "conv5", "block2_branch" } },
        { "every layer", new[] { "stem", "bn1", "conv2", "bn2", "conv3", "block1_branch", "conv4", "bn4", "conv5", "block2_branch", "dense1" } },
    };

    private static readonly Lazy<System.Reflection.Assembly> Assembly =
        new(() => GeneratedComparison.CompileAndLoad(RefNetwork.ToSource(Namespace, new[] { ResNet })));

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Freezing_part_of_a_residual_network_gives_reference_gradients_for_the_rest_zero_for_the_frozen_and_the_reference_input_gradient(
        string pattern, string[] frozen)
    {
        var layers = Layers(frozen);
        Assert.DoesNotContain(-1, layers);
        var failures = new List<string>();
        int seed = 60_000 + pattern.Length;
        foreach (bool inputGradient in new[] { true, false })
        foreach (bool training in new[] { true, false })
        {
            var c = new ComparisonCase(ResNet, seed++, training ? 5 : 3, training, inputGradient);
            GeneratedComparison.Compare(Assembly.Value, Namespace, c, failures,
                prepare: generated => { foreach (int layer in layers) generated.SetTrainable(layer, false); },
                isFrozen: FrozenLayerTests.IsFrozen);
        }
        Assert.True(failures.Count == 0, $"Frozen {pattern}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Random_graphs_with_random_frozen_layers_have_zero_frozen_gradients_and_reference_gradients_elsewhere()
    {
        const string Ns = Namespace + ".Random";
        var losses = new[] { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };
        var networks = new List<RefNetwork>();
        for (int i = 0; i < 12; i++) networks.Add(RandomGraphs.Dense(seed: 70_000 + i, className: "FrozenDenseGraph" + i, losses[i % 3]));
        for (int i = 0; i < 12; i++) networks.Add(RandomGraphs.Conv(seed: 71_000 + i, className: "FrozenConvGraph" + i, losses[i % 3]));
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Ns, networks, failures, RandomGraphs.AllowedWarnings);
        int frozenTensors = 0;
        for (int i = 0; i < networks.Count; i++)
        {
            var network = networks[i];
            if (!assemblies.TryGetValue(network.ClassName, out var assembly)) continue;
            var random = new Random(72_000 + i);
            var candidates = FrozenLayerTests.ParameterLayers(network);
            // Every third network freezes everything, so that only the input gradient (asked for) makes backward run.
            var frozen = candidates.Where(_ => i % 3 == 0 || random.Next(2) == 0).ToHashSet();
            frozenTensors += network.ExpectedTensors.Count(t => t.Kind == TensorKind.Parameter && frozen.Contains(t.LayerIndex));
            bool training = random.Next(3) != 0;
            int batch = training ? Math.Max(4, ConvNetworkTests.SmallestTrainingBatch(network, valuesPerChannel: 4)) : 1 + i % 8;
            var c = new ComparisonCase(network, 73_000 + i, batch, training, InputGradient: i % 3 == 0 || i % 2 == 0);
            int before = failures.Count;
            GeneratedComparison.Compare(assembly(), Ns, c, failures,
                prepare: generated => { foreach (int layer in frozen) generated.SetTrainable(layer, false); },
                isFrozen: FrozenLayerTests.IsFrozen);
            if (failures.Count > before) failures[^1] += $"\n  frozen layers: {string.Join(", ", frozen.Select(l => network.LayerNames[l]))}";
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Graphs with frozen layers", failures, networks.Count));
        Assert.True(frozenTensors > 40, $"only {frozenTensors} tensors were frozen; the test would prove little");
    }
}
