using Myelin.Generator.Tests.Numerics;
using Myelin.OnnxFormat;
using static Myelin.Tests.OnnxExport.OnnxRuntimeComparison;

namespace Myelin.Tests.OnnxExport;

/// <summary>
/// Exported models give ONNX Runtime, an independent implementation, the same outputs as the network's own Forward, at
/// batch 1 and 17, for networks that use every layer kind and for seeded random networks.
/// </summary>
public sealed class OnnxExportTests
{
    public static TheoryData<string> Declared => new() { nameof(Mlp), nameof(LeNet), nameof(Residual), nameof(Branching), nameof(Pooling), nameof(Logits) };

    private static INetwork CreateDeclared(string name, int seed) => name switch
    {
        nameof(Mlp) => new Mlp(seed),
        nameof(LeNet) => new LeNet(seed),
        nameof(Residual) => new Residual(seed),
        nameof(Branching) => new Branching(seed),
        nameof(Pooling) => new Pooling(seed),
        _ => new Logits(seed),
    };

    [Theory]
    [MemberData(nameof(Declared))]
    public void A_declared_network_gives_ONNX_Runtime_the_outputs_of_its_Forward(string name)
    {
        var network = CreateDeclared(name, seed: 3);
        // Random weights, biases and batch-norm statistics, so that every tensor's layout matters.
        GeneratedComparison.Randomize(network, new Random(11));
        var model = Onnx.ToBytes(network);
        foreach (int batch in new[] { 1, 17 })
        {
            var inputs = Inputs(batch * network.InputSize, seed: batch);
            Assert.Null(Differences($"{name}, batch {batch}", Forward(network, inputs, batch), Run(model, network, inputs, batch)));
        }
    }

    [Fact]
    public void Seeded_random_networks_give_ONNX_Runtime_the_outputs_of_their_Forward()
    {
        const string ns = "OnnxRandom";
        var networks = Enumerable.Range(0, 30).Select(i => RandomNetworks.Dense(700 + i, $"Dense{i}"))
            .Concat(Enumerable.Range(0, 30).Select(i => RandomNetworks.Conv(800 + i, $"Conv{i}")))
            .ToList();
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(ns, networks, failures);
        foreach (var declared in networks)
        {
            if (!assemblies.TryGetValue(declared.ClassName, out var assembly)) continue;
            var network = GeneratedComparison.Create(assembly(), ns, declared, seed: 5);
            GeneratedComparison.Randomize(network, new Random(declared.ClassName.GetHashCode(StringComparison.Ordinal)));
            var model = Onnx.ToBytes(network);
            foreach (int batch in new[] { 1, 17 })
            {
                var inputs = Inputs(batch * network.InputSize, seed: batch);
                string? difference = Differences($"batch {batch}", Forward(network, inputs, batch), Run(model, network, inputs, batch));
                if (difference is not null) failures.Add($"{difference}\n{declared.ToDeclaration()}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {networks.Count} random networks differ:\n" + string.Join("\n\n", failures.Take(5)));
    }

    [Fact]
    public void The_optional_final_softmax_turns_exported_logits_into_the_probabilities_of_the_outputs()
    {
        var network = new Logits(seed: 2);
        var inputs = Inputs(3 * Logits.InputSize, seed: 4);
        var logits = Forward(network, inputs, 3);
        var probabilities = Run(Onnx.ToBytes(network, new OnnxExportOptions { OutputProbabilities = true }), network, inputs, 3);
        for (int row = 0; row < 3; row++)
        {
            var z = logits.Skip(row * 4).Take(4).Select(v => (double)v).ToArray();
            double sum = z.Sum(v => Math.Exp(v - z.Max()));
            for (int k = 0; k < 4; k++)
            {
                double expected = Math.Exp(z[k] - z.Max()) / sum;
                Assert.True(Math.Abs(probabilities[row * 4 + k] - expected) <= 1e-6, $"row {row}, class {k}: {probabilities[row * 4 + k]} against {expected}");
            }
        }
    }

    [Fact]
    public void A_prepended_normalisation_lets_the_model_take_raw_inputs()
    {
        var network = new Pooling(seed: 6);
        GeneratedComparison.Randomize(network, new Random(3));
        var normalization = Myelin.Data.Normalization.PerChannel([0.2f, 0.5f, -0.1f], [0.3f, 2f, 0.7f]);
        var raw = Inputs(2 * Pooling.InputSize, seed: 8);
        var normalized = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            int channel = i % Pooling.InputSize / (10 * 11);
            normalized[i] = (raw[i] - normalization.Mean[channel]) / normalization.Std[channel];
        }
        var model = Onnx.ToBytes(network, new OnnxExportOptions { InputNormalization = normalization });
        Assert.Null(Differences("normalised", Forward(network, normalized, 2), Run(model, network, raw, 2)));
    }

    [Fact]
    public void A_normalisation_of_the_wrong_size_is_refused_with_both_sizes() =>
        Assert.Contains("has 2 means", Assert.Throws<ArgumentException>(() => Onnx.ToBytes(new Pooling(),
            new OnnxExportOptions { InputNormalization = Myelin.Data.Normalization.PerChannel([0f, 0f], [1f, 1f]) })).Message, StringComparison.Ordinal);

    [Fact]
    public void A_dense_layer_on_a_sequence_and_a_recurrent_layer_are_refused_by_name()
    {
        var dense = Assert.Throws<ArgumentException>(() => Onnx.ToBytes(new DenseOnSequence(seed: 1)));
        Assert.Contains("'per_step' is a Dense applied to every step of a sequence ([5, 4])", dense.Message, StringComparison.Ordinal);
        var lstm = Assert.Throws<ArgumentException>(() => Onnx.ToBytes(new Lstm(seed: 1)));
        Assert.Contains("'lstm1'", lstm.Message, StringComparison.Ordinal);
        Assert.Contains("LSTM", lstm.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_that_ends_in_its_own_softmax_gets_no_second_one()
    {
        var network = new Residual(seed: 1);
        var plain = ModelProto.Parser.ParseFrom(Onnx.ToBytes(network));
        var probabilities = ModelProto.Parser.ParseFrom(Onnx.ToBytes(network, new OnnxExportOptions { OutputProbabilities = true }));
        Assert.Equal(plain.Graph.Node.Select(n => n.OpType), probabilities.Graph.Node.Select(n => n.OpType));
        Assert.Equal(1, plain.Graph.Node.Count(n => n.OpType == "Softmax"));
    }

    [Fact]
    public void The_model_names_its_initializers_as_the_checkpoint_does_and_leaves_the_batch_dynamic()
    {
        var network = new Residual(seed: 1);
        var model = ModelProto.Parser.ParseFrom(Onnx.ToBytes(network));
        Assert.Equal(Onnx.Opset, model.OpsetImport.Single().Version);
        // Every tensor but the integer counters, under its own name, with PyTorch's shape.
        var expected = network.Tensors.Where(t => t.Kind != TensorKind.Counter).ToDictionary(t => t.Name, t => t.Shape.Select(d => (long)d).ToArray());
        Assert.Equal(expected.Keys.Order(), model.Graph.Initializer.Select(i => i.Name).Order());
        foreach (var initializer in model.Graph.Initializer) Assert.Equal(expected[initializer.Name], initializer.Dims.ToArray());
        var input = Assert.Single(model.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(new long[] { 2, 9, 9 }, input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray());
        Assert.Equal("output", Assert.Single(model.Graph.Output).Name);
    }

    [Fact]
    public void Exporting_to_a_file_writes_the_same_model_and_leaves_no_temporary_file()
    {
        var network = new LeNet(seed: 4);
        string directory = Directory.CreateTempSubdirectory("myelin-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "lenet.onnx");
            File.WriteAllText(path, "an older export");
            Onnx.Export(network, path);
            Assert.Equal(Onnx.ToBytes(network), File.ReadAllBytes(path));
            Assert.Equal(new[] { "lenet.onnx" }, Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Exporting_into_a_missing_folder_names_the_folder()
    {
        string path = Path.Combine(Path.GetTempPath(), "myelin-no-such-folder-" + Guid.NewGuid().ToString("N"), "model.onnx");
        var error = Assert.ThrowsAny<IOException>(() => Onnx.Export(new Mlp(), path));
        Assert.Contains(Path.GetDirectoryName(path)!, error.Message, StringComparison.Ordinal);
    }
}
