using System.Reflection;
using Myelin.Checkpoints;
using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Reference;
using Myelin.Quantization;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Generated int8 networks against <see cref="Int8Reference"/>, a plain integer interpreter: the seeded random dense and
/// convolutional networks of the float tests, declared with <c>Int8 = true</c>, quantised with scales calibrated on
/// random inputs, then run on other inputs. Integer sums and the rounding rules are exact, so outputs must agree to
/// the last bits; the float layers that end a network (softmax, sigmoid) are allowed 1e-5 relative.
/// </summary>
public sealed class Int8NetworkTests
{
    private const string Namespace = "Numerics.Int8";
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    [Fact]
    public void Forty_random_dense_networks_in_int8_match_the_integer_reference()
    {
        var networks = Enumerable.Range(0, 40).Select(i => RandomNetworks.Dense(seed: 7000 + i, className: "Mlp" + i, loss: Losses[i % 3])).ToList();
        CompareAll(networks, seed: 70);
    }

    [Fact]
    public void Forty_random_convolutional_networks_in_int8_match_the_integer_reference()
    {
        var networks = Enumerable.Range(0, 40).Select(i => RandomNetworks.Conv(seed: 8000 + i, className: "Cnn" + i, loss: Losses[i % 3])).ToList();
        CompareAll(networks, seed: 80);
    }

    [Fact]
    public void Thirty_random_graphs_and_the_graph_examples_in_int8_match_the_integer_reference()
    {
        // Residual sums of differently scaled inputs, concatenations requantised to one scale, values read by several layers.
        var networks = Enumerable.Range(0, 15).Select(i => RandomGraphs.Dense(seed: 9000 + i, className: "GraphMlp" + i, loss: Losses[i % 3]))
            .Concat(Enumerable.Range(0, 15).Select(i => RandomGraphs.Conv(seed: 9100 + i, className: "GraphCnn" + i, loss: Losses[i % 3])))
            .Concat(GraphExamples.All)
            .ToList();
        Assert.Contains(networks, n => n.Layers.Any(l => l is RefAdd));
        Assert.Contains(networks, n => n.Layers.Any(l => l is RefConcat));
        CompareAll(networks, seed: 90);
    }

    [Fact]
    public void Networks_with_a_softmax_that_other_layers_read_are_refused_with_MYL0040_and_the_rest_are_not()
    {
        var networks = Enumerable.Range(0, 40).Select(i => RandomNetworks.Dense(seed: 7000 + i, className: "Mlp" + i, loss: Losses[i % 3])).ToList();
        var run = GeneratorHarness.Run(Source(networks));
        var refused = run.MyelinDiagnostics.Where(d => d.Id == "MYL0040").Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var expected = networks.Where(Int8Reference.HasInnerSoftmax).ToList();
        Assert.NotEmpty(expected); // the random networks do hold some: the check below can fail
        Assert.Equal(expected.Sum(Int8Reference.InnerSoftmaxes), refused.Count);
        Assert.All(refused, message => Assert.Contains("int8 runs a softmax only at the end of the network", message, StringComparison.Ordinal));
        Assert.Equal(networks.Count - expected.Count, run.Sources.Count(s => s.HintName.EndsWith(".Int8.g.cs", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_quantised_network_survives_an_int8_checkpoint_bit_for_bit_and_its_file_is_four_times_smaller()
    {
        var network = RandomNetworks.Conv(seed: 8003, className: "Saved", loss: Loss.SoftmaxCrossEntropy);
        var assembly = GeneratedComparison.CompileAndLoad(Source(new[] { network }));
        var (floatNet, int8) = Quantised(assembly, network, seed: 3);
        var inputs = RandomInputs(network.InputSize * 5, seed: 4);
        var before = new float[5 * network.OutputSize];
        int8.Forward(inputs, before, 5);

        string directory = Path.Combine(Path.GetTempPath(), "myelin-int8-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "saved.int8.safetensors");
            Int8Checkpoint.Save(int8, path);
            var loaded = ((IQuantizable)floatNet).CreateInt8Network(8);
            Assert.False(loaded.HasState);
            Int8Checkpoint.Load(loaded, path);
            var after = new float[before.Length];
            loaded.Forward(inputs, after, 5);
            Assert.Equal(before, after);
            Assert.True(Int8Checkpoint.IsInt8(path));
            using var file = SafeTensorsFile.Open(path);
            Assert.All(file.Tensors.Where(t => t.Name.EndsWith(".weight", StringComparison.Ordinal) && !t.Name.StartsWith("bn", StringComparison.Ordinal)),
                t => Assert.Equal(SafeTensorsDType.I8, t.DType));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Generates all networks in one compilation, quantises each and compares it with the reference at several batch sizes.</summary>
    private static void CompareAll(IReadOnlyList<RefNetwork> networks, int seed)
    {
        var eligible = networks.Where(n => !Int8Reference.HasInnerSoftmax(n)).ToList();
        Assert.True(eligible.Count >= networks.Count / 2, $"Only {eligible.Count} of {networks.Count} random networks can run in int8.");
        var assembly = GeneratedComparison.CompileAndLoad(Source(eligible), allowedWarnings: new[] { "MYL0102" });
        var failures = new List<string>();
        for (int i = 0; i < eligible.Count; i++)
        {
            var network = eligible[i];
            int batch = new[] { 1, 3, 8 }[i % 3];
            try
            {
                var (_, int8) = Quantised(assembly, network, seed + i);
                var inputs = RandomInputs(batch * network.InputSize, seed: 1000 * seed + i);
                var outputs = new float[batch * network.OutputSize];
                int8.Forward(inputs, outputs, batch);
                var expected = Int8Reference.Run(network, int8, inputs, batch);
                for (int j = 0; j < outputs.Length; j++)
                {
                    if (Math.Abs(outputs[j] - expected[j]) <= 1e-5 * (1 + Math.Abs(expected[j]))) continue;
                    failures.Add($"{network.ClassName}, batch {batch}: output {j} is {outputs[j]}, the reference {expected[j]}\n{network.ToDeclaration()}");
                    break;
                }
            }
            catch (Exception error) when (error is not Xunit.Sdk.XunitException)
            {
                failures.Add($"{network.ClassName}: {error}\n{network.ToDeclaration()}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {eligible.Count} int8 networks differ from the integer reference:\n\n" + string.Join("\n\n", failures));
    }

    /// <summary>The float network with seeded weights and random batch-norm statistics, and its int8 twin calibrated on 16 random inputs.</summary>
    private static (INetwork Float, IInt8Network Int8) Quantised(Assembly assembly, RefNetwork network, int seed)
    {
        var floatNet = GeneratorHarness.Create(assembly, $"{Namespace}.{network.ClassName}", seed, maxBatchSize: 8);
        var random = new Random(seed);
        foreach (var tensor in floatNet.Tensors.Where(t => t.Kind == TensorKind.Buffer))
        {
            // Running statistics away from 0 and 1, so that batch norm is not the identity.
            var values = floatNet.Buffers.Slice(tensor.Offset, tensor.Length);
            bool variance = tensor.Name.EndsWith("running_var", StringComparison.Ordinal);
            for (int i = 0; i < values.Length; i++) values[i] = variance ? 0.5f + (float)random.NextDouble() : (float)random.NextDouble() - 0.5f;
        }
        var calibration = RandomInputs(16 * network.InputSize, seed: seed + 1);
        var int8 = Quantize.ToInt8(floatNet, calibration, 16, new QuantizeOptions { BatchSize = 8 });
        return (floatNet, int8);
    }

    private static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The networks' source with <c>Int8 = true</c> on each.</summary>
    private static string Source(IEnumerable<RefNetwork> networks) =>
        RefNetwork.ToSource(Namespace, networks).Replace("[Network(Loss = Loss.", "[Network(Int8 = true, Loss = Loss.", StringComparison.Ordinal);
}
