using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Frozen layers (<c>SetTrainable(layer, false)</c>): their gradients are exactly zero, every other gradient still
/// matches the reference (the backward pass must still run through a frozen layer to reach trained layers below it),
/// and batch norm keeps updating its running statistics, as with <c>requires_grad = False</c> in PyTorch.
/// </summary>
public sealed class FrozenLayerTests
{
    private const string Namespace = "Numerics.Frozen";
    private const string Fixed = Namespace + ".Fixed";

    private static readonly RefNetwork Toggle = new("Toggle", Loss.SoftmaxCrossEntropy, new[] { 1, 5, 5 }, new RefLayer[]
    {
        new RefConv2D(2, 3, Activation.ReLU, PaddingSize: 1),
        new RefBatchNorm(2),
        new RefPool2D(Max: true, Kernel: 2),
        new RefFlatten(),
        new RefDense(6, Activation.Tanh),
        new RefDense(3),
    });

    private static readonly RefNetwork AllFrozen = new("AllFrozen", Loss.BinaryCrossEntropy, new[] { 4 }, new RefLayer[]
    {
        new RefDense(3, Activation.ReLU), new RefBatchNorm(1), new RefDense(2, Activation.Sigmoid),
    });

    private static readonly Lazy<System.Reflection.Assembly> FixedAssembly =
        new(() => GeneratedComparison.CompileAndLoad(RefNetwork.ToSource(Fixed, new[] { Toggle, AllFrozen })));

    internal static bool IsFrozen(ITrainableNetwork network, string tensor) =>
        !network.IsTrainable(network.Tensors.Single(t => t.Name == tensor).LayerIndex);

    internal static int[] ParameterLayers(RefNetwork network) =>
        Enumerable.Range(0, network.Layers.Count).Where(i => network.Layers[i] is RefDense or RefConv2D or RefBatchNorm).ToArray();

    [Fact]
    public void Random_networks_with_random_frozen_layers_have_zero_frozen_gradients_and_reference_gradients_elsewhere()
    {
        var networks = new List<RefNetwork>();
        for (int i = 0; i < 10; i++) networks.Add(RandomNetworks.Dense(seed: 4000 + i, className: "FrozenMlp" + i));
        for (int i = 0; i < 10; i++) networks.Add(RandomNetworks.Conv(seed: 4100 + i, className: "FrozenCnn" + i, allowDropout: false));
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace, networks, failures);
        int frozenTensors = 0;
        for (int i = 0; i < networks.Count; i++)
        {
            var network = networks[i];
            if (!assemblies.TryGetValue(network.ClassName, out var assembly)) continue;
            var random = new Random(4200 + i);
            var candidates = ParameterLayers(network);
            // Every second network freezes its first trained layer, so that backward must stop early; the rest freeze at random.
            var frozen = candidates.Where((layer, k) => (k == 0 && i % 2 == 0) || random.Next(3) == 0).ToHashSet();
            if (frozen.Count == candidates.Length && candidates.Length > 1) frozen.Remove(candidates[^1]);
            frozenTensors += network.ExpectedTensors.Count(t => t.Kind == TensorKind.Parameter && frozen.Contains(t.LayerIndex));
            bool training = !network.Layers.Any(l => l is RefDropout);
            int batch = Math.Max(1 + i % 8, training ? ConvNetworkTests.SmallestTrainingBatch(network) : 1);
            var c = new ComparisonCase(network, 4300 + i, batch, training);
            var before = failures.Count;
            GeneratedComparison.Compare(assembly(), Namespace, c, failures, prepare: generated =>
            {
                foreach (int layer in frozen) generated.SetTrainable(layer, false);
            }, isFrozen: IsFrozen);
            if (failures.Count > before) failures[^1] += $"\n  frozen layers: {string.Join(", ", frozen)}";
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Networks with frozen layers", failures, networks.Count));
        Assert.True(frozenTensors > 10, $"only {frozenTensors} tensors were frozen; the test would prove little");
    }

    [Fact]
    public void Freezing_clears_a_layer_gradient_at_once_and_unfreezing_brings_back_the_reference_gradient()
    {
        var network = Toggle;
        var generated = GeneratedComparison.Create(FixedAssembly.Value, Fixed, network);
        var random = new Random(5);
        GeneratedComparison.Randomize(generated, random);
        var inputs = GeneratedComparison.Inputs(random, 4 * network.InputSize);
        var targets = GeneratedComparison.Targets(random, network, 4);
        generated.IsTraining = false; // eval mode: the running statistics stay put, so every pass sees the same network
        var tensors = RefTensors.CopyFrom(generated, network);
        var reference = ReferenceInterpreter.Run(network, tensors, GeneratedComparison.ToDouble(inputs), 4,
            GeneratedComparison.ToReference(targets), training: false, backward: true);
        var problems = new List<string>();

        GeneratedComparison.ForwardBackward(generated, inputs, targets, 4);
        Assert.Contains(RefTensors.Read(generated, generated.Gradients, "conv1.weight"), g => g != 0f);

        generated.SetTrainable(0, false);
        Assert.False(generated.IsTrainable(0));
        GeneratedComparison.CompareExactlyZero("conv1.weight gradient right after freezing", RefTensors.Read(generated, generated.Gradients, "conv1.weight"), problems);
        GeneratedComparison.ForwardBackward(generated, inputs, targets, 4);
        GeneratedComparison.CompareExactlyZero("frozen conv1.weight gradient", RefTensors.Read(generated, generated.Gradients, "conv1.weight"), problems);
        GeneratedComparison.CompareExactlyZero("frozen conv1.bias gradient", RefTensors.Read(generated, generated.Gradients, "conv1.bias"), problems);
        GeneratedComparison.CompareTensor("bn1.weight gradient below nothing frozen", RefTensors.Read(generated, generated.Gradients, "bn1.weight"),
            reference.Gradients["bn1.weight"], Tolerance.Default, problems);

        generated.SetTrainable(0, true);
        Assert.True(generated.IsTrainable(0));
        GeneratedComparison.ForwardBackward(generated, inputs, targets, 4);
        foreach (var name in reference.Gradients.Keys)
        {
            GeneratedComparison.CompareTensor(name + " gradient after unfreezing", RefTensors.Read(generated, generated.Gradients, name),
                reference.Gradients[name], Tolerance.Default, problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + network.ToDeclaration());
    }

    [Fact]
    public void A_network_with_every_layer_frozen_still_returns_the_reference_loss_with_all_gradients_zero()
    {
        var network = AllFrozen;
        var problems = new List<string>();
        GeneratedComparison.Compare(FixedAssembly.Value, Fixed, new ComparisonCase(network, 12, 3, Training: true), problems,
            prepare: generated =>
            {
                foreach (int layer in ParameterLayers(network)) generated.SetTrainable(layer, false);
            },
            isFrozen: IsFrozen);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
