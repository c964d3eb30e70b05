using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Generated graph networks (residual blocks, branches, merges, skips, values with several readers, layers nothing
/// reads) against the double-precision reference: seeded random DAGs of dense and of convolutional layers, every loss,
/// batch sizes 1-8, training mode (batch statistics, dropout with the masks the network drew) and eval mode, half of
/// them asking for dLoss/dinputs too. Outputs, loss, every parameter gradient, every buffer after the step and the
/// input gradient are compared with <see cref="Tolerance.Default"/>.
/// </summary>
public sealed class GraphNetworkTests
{
    private const string Namespace = "Numerics.Graphs";
    private const int DenseCount = 100;
    private const int ConvCount = 100;
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    internal static List<RefNetwork> DenseGraphs() => Enumerable.Range(0, DenseCount)
        .Select(i => RandomGraphs.Dense(seed: 30_000 + i, className: "DenseGraph" + i, Losses[i % Losses.Length]))
        .ToList();

    internal static List<RefNetwork> ConvGraphs() => Enumerable.Range(0, ConvCount)
        .Select(i => RandomGraphs.Conv(seed: 40_000 + i, className: "ConvGraph" + i, Losses[i % Losses.Length]))
        .ToList();

    [Fact]
    public void Random_dense_graphs_match_the_reference_in_outputs_loss_every_gradient_the_input_gradient_and_the_running_statistics() =>
        CompareAll(Namespace + ".Dense", DenseGraphs(), seed: 31_000);

    [Fact]
    public void Random_convolutional_graphs_match_the_reference_in_outputs_loss_every_gradient_the_input_gradient_and_the_running_statistics() =>
        CompareAll(Namespace + ".Conv", ConvGraphs(), seed: 41_000);

    /// <summary>Compiles the networks together and compares each on its own seeded batch, mode and input-gradient choice.</summary>
    internal static void CompareAll(string ns, List<RefNetwork> networks, int seed)
    {
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(ns, networks, failures, RandomGraphs.AllowedWarnings);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            var random = new Random(seed + i);
            bool training = random.Next(3) != 0;
            int batch = RandomNetworks.BatchSize(random);
            // At least four values per channel: with two or three, batch norm maps nearly any input to the same few
            // points, and its gradient is (nearly) zero, all float noise against a double reference.
            if (training) batch = Math.Max(batch, ConvNetworkTests.SmallestTrainingBatch(networks[i], valuesPerChannel: 4));
            var c = new ComparisonCase(networks[i], seed + i, batch, training, InputGradient: i % 2 == 0);
            GeneratedComparison.Compare(assembly(), ns, c, failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Graph networks against the reference", failures, networks.Count));
    }

    [Fact]
    public void Hand_written_graphs_match_the_reference_in_training_and_eval_mode_with_and_without_the_input_gradient()
    {
        const string Ns = Namespace + ".Examples";
        var networks = GraphExamples.All;
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Ns, networks, failures, RandomGraphs.AllowedWarnings);
        int cases = 0;
        for (int i = 0; i < networks.Length; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            foreach (bool training in new[] { true, false })
            foreach (bool inputGradient in new[] { true, false })
            {
                // Every other case starts with room for one sample and grows to the batch: the arena is laid out anew.
                int batch = training ? 4 + cases % 5 : 1 + cases % 8;
                int capacity = cases % 2 == 0 ? 1 : GeneratedComparison.Capacity;
                GeneratedComparison.Compare(assembly(), Ns, new ComparisonCase(networks[i], 50_000 + cases, batch, training, inputGradient, capacity), failures);
                cases++;
            }
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Hand-written graphs against the reference", failures, cases));
    }

    [Fact]
    public void Networks_whose_loss_or_only_layer_reads_the_input_give_the_reference_input_gradient()
    {
        const string Ns = Namespace + ".InputEdges";
        var networks = GraphExamples.InputEdges;
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Ns, networks, failures);
        for (int i = 0; i < networks.Length; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            foreach (bool training in new[] { true, false })
                GeneratedComparison.Compare(assembly(), Ns, new ComparisonCase(networks[i], 55_000 + i, training ? 5 : 2, training, InputGradient: true), failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Networks reading their input directly", failures, 2 * networks.Length));
    }

    [Fact]
    public void Inference_only_random_graphs_match_the_reference_in_outputs_and_running_statistics()
    {
        const string Ns = Namespace + ".Inference";
        var networks = Enumerable.Range(0, 15).Select(i => RandomGraphs.Dense(seed: 56_000 + i, className: "InferDense" + i, Losses[i % 3]) with { Loss = Loss.None })
            .Concat(Enumerable.Range(0, 15).Select(i => RandomGraphs.Conv(seed: 57_000 + i, className: "InferConv" + i, Losses[i % 3]) with { Loss = Loss.None }))
            .ToList();
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Ns, networks, failures, RandomGraphs.AllowedWarnings);
        for (int i = 0; i < networks.Count; i++)
        {
            var network = networks[i];
            if (!assemblies.TryGetValue(network.ClassName, out var assembly)) continue;
            var random = new Random(58_000 + i);
            var generated = Infrastructure.GeneratorHarness.Create(assembly(), Ns + "." + network.ClassName, 1, GeneratedComparison.Capacity);
            GeneratedComparison.Randomize(generated, random);
            bool training = i % 2 == 0;
            int batch = training ? Math.Max(4, ConvNetworkTests.SmallestTrainingBatch(network, valuesPerChannel: 4)) : 1 + i % 8;
            var inputs = GeneratedComparison.Inputs(random, batch * network.InputSize);
            var tensors = RefTensors.CopyFrom(generated, network);
            generated.IsTraining = training;
            var outputs = new float[batch * network.OutputSize];
            generated.Forward(inputs, outputs, batch);
            var reference = ReferenceInterpreter.Run(network, tensors, GeneratedComparison.ToDouble(inputs), batch, training: training,
                dropoutMasks: GeneratedComparison.DropoutMasks(generated, network, batch));
            var problems = new List<string>();
            GeneratedComparison.CompareValues("Forward", outputs, reference.Outputs, Tolerance.Default, problems);
            foreach (var tensor in generated.Tensors.Where(t => t.Kind != TensorKind.Parameter))
            {
                GeneratedComparison.CompareTensor(tensor.Name + " after the pass", generated.Buffers.Slice(tensor.Offset, tensor.Length).ToArray(),
                    reference.TensorsAfter[tensor.Name], Tolerance.Default, problems);
            }
            if (problems.Count > 0)
                failures.Add($"{network.ClassName} (batch {batch}, {(training ? "training" : "eval")}):\n{network.ToDeclaration()}  " + string.Join("\n  ", problems));
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Inference-only graphs against the reference", failures, networks.Count));
    }

    [Fact]
    public void The_random_graphs_cover_every_merge_shape_and_reader_count_the_issue_asks_for()
    {
        // Guards the tests above: if the generator of random graphs drifts, coverage must not silently shrink.
        foreach (var networks in new[] { DenseGraphs(), ConvGraphs() })
        {
            var layers = networks.SelectMany(n => n.Layers).ToList();
            Assert.Contains(layers, l => l is RefAdd { Inputs.Count: 2 });
            Assert.Contains(layers, l => l is RefAdd { Inputs.Count: 3 });
            Assert.Contains(layers, l => l is RefAdd { Activation: not Activation.None });
            Assert.Contains(layers, l => l is RefConcat { Inputs.Count: 2 });
            Assert.Contains(layers, l => l is RefConcat { Inputs.Count: 3 });
            Assert.Contains(layers, l => l is RefBatchNorm);
            Assert.Contains(layers, l => l is RefDropout);
            Assert.Contains(layers, l => l is RefActivation { Kind: Activation.LeakyReLU });
            Assert.Contains(networks, n => Readers(n).Any(count => count >= 3));
            Assert.Contains(networks, n => n.LayerInputs.Any(reads => reads.Contains(-1) && reads.Length > 1));
            Assert.Contains(networks, n => n.LayerInputs.Count(reads => reads.Contains(-1)) >= 2);
            Assert.Contains(networks, n => n.LiveLayers.Contains(false));
            Assert.Contains(networks, n => n.Layers[^1] is RefMerge);
            Assert.Contains(networks, n => n.Layers[^1] is RefActivation && n.Layers[n.LayerInputs[^1][0]] is RefAdd);
            Assert.Contains(networks, n => LongestSkip(n) >= 4);
            Assert.Contains(networks, n => Concats(n).Any(widths => widths.Distinct().Count() == widths.Length));
            foreach (var loss in Losses) Assert.Contains(networks, n => n.Loss == loss && n.Layers[^1] is RefMerge or RefActivation);
        }
        // Every kind of op must, somewhere, add its input gradient to one another reader wrote (the "and add" kernels).
        var added = DenseGraphs().Concat(ConvGraphs()).SelectMany(n => Planning.GraphSpecs.Plan(n).Plan!.Ops)
            .Where(op => op.Inputs.Any(input => input.Accumulate))
            .Select(op => op switch
            {
                Myelin.Generator.Planning.PoolOp pool => pool.Pool.ToString(),
                Myelin.Generator.Planning.ActivationOp activation => activation.Activation.ToString(),
                _ => op.GetType().Name,
            })
            .ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            "DenseOp", "Conv2DOp", "BatchNormOp", "DropoutOp", "AddOp", "ConcatOp", "Max", "Average", "GlobalAverage",
            "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
        }, added);

        var conv = ConvGraphs();
        Assert.Contains(conv, n => n.Layers.Select((l, i) => (l, i)).Any(p => p.l is RefConcat && n.LayerShapes[p.i].Length == 3));
        Assert.Contains(conv, n => n.Layers.Select((l, i) => (l, i)).Any(p => p.l is RefAdd && n.LayerShapes[p.i].Length == 3));
        Assert.Contains(conv, n => n.OutputShape.Length == 3);
        Assert.Contains(conv, n => n.Layers.Select((l, i) => (l, i)).Any(p => p.l is RefConcat && n.LayerInputs[p.i].Any(j => j >= 0 && n.Layers[j] is RefFlatten)));
    }

    /// <summary>How many layers read each value (the input first), counting a layer once per reference.</summary>
    internal static int[] Readers(RefNetwork network)
    {
        var counts = new int[network.Layers.Count + 1];
        foreach (var reads in network.LayerInputs)
            foreach (int j in reads) counts[j + 1]++;
        return counts;
    }

    /// <summary>The longest distance, in layers, that an input of an Add reaches back.</summary>
    private static int LongestSkip(RefNetwork network) =>
        network.LayerInputs.Select((reads, i) => network.Layers[i] is RefAdd ? reads.Max(j => i - j) : 0).Max();

    /// <summary>The per-sample sizes of each Concat's inputs.</summary>
    private static IEnumerable<int[]> Concats(RefNetwork network)
    {
        var shapes = network.LayerShapes;
        var reads = network.LayerInputs;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (network.Layers[i] is RefConcat)
                yield return reads[i].Select(j => (j < 0 ? network.InputShape : shapes[j])[0]).ToArray();
        }
    }
}
