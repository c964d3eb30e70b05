using System.Reflection;
using Myelin.Checkpoints;
using Myelin.Generator.Tests.Infrastructure;
using Myelin.Quantization;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// What a generated int8 network promises besides its numbers: clear refusals (no int8 code, data that does not fit,
/// no state yet, training mode, a seed), all-or-nothing checkpoint loads, a float network left as it was, and no
/// allocation per forward pass.
/// </summary>
public sealed class Int8ContractTests
{
    private const string Source = """
        using Myelin;

        namespace Contract;

        [Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
        [Input(1, 6, 6)]
        [Conv2D(4, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(8, Activation.ReLU)]
        [Dense(3)]
        public partial class Small;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(3)]
        public partial class FloatOnly;
        """;

    private static readonly Lazy<Assembly> s_assembly = new(() => GeneratorHarness.CompileAndLoad(Source));

    private static INetwork Small(int seed = 1) => GeneratorHarness.Create(s_assembly.Value, "Contract.Small", seed, maxBatchSize: 4);

    private static float[] Inputs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
    }

    [Fact]
    public void A_network_without_int8_code_is_refused_with_the_attribute_that_adds_it()
    {
        var network = GeneratorHarness.Create(s_assembly.Value, "Contract.FloatOnly");
        var error = Assert.Throws<ArgumentException>(() => Quantize.ToInt8(network, new float[8], 2));
        Assert.Contains("FloatOnly has no int8 code: declare it with [Network(..., Int8 = true)]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibration_data_that_does_not_fit_is_refused_before_any_work()
    {
        var network = Small();
        Assert.Contains("3 samples of 36 floats are 108 floats, but the inputs hold 100",
            Assert.Throws<ArgumentException>(() => Quantize.ToInt8(network, new float[100], 3)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Quantize.ToInt8(network, Array.Empty<float>(), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantize.ToInt8(network, new float[36], 1, new QuantizeOptions { BatchSize = 0 }));
    }

    [Fact]
    public void Quantising_leaves_the_float_network_weights_and_training_mode_as_they_were()
    {
        var network = Small();
        network.IsTraining = true;
        var before = network.Parameters.ToArray();

        Quantize.ToInt8(network, Inputs(36 * 10, 2), 10, new QuantizeOptions { BatchSize = 4 });

        Assert.True(network.IsTraining);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void An_int8_network_refuses_to_run_without_state_to_train_and_to_initialise_from_a_seed()
    {
        var empty = ((IQuantizable)Small()).CreateInt8Network(4);
        Assert.False(empty.HasState);
        Assert.Contains("has no weights yet", Assert.Throws<InvalidOperationException>(() => empty.Forward(new float[36], new float[3])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Int8Checkpoint.Save(empty, "never-written.safetensors"));
        Assert.False(File.Exists("never-written.safetensors"));

        var int8 = Quantize.ToInt8(Small(), Inputs(36 * 4, 3), 4);
        Assert.False(int8.IsTraining);
        int8.IsTraining = false; // eval mode, as Predict sets it, is accepted
        Assert.Contains("runs inference only", Assert.Throws<InvalidOperationException>(() => int8.IsTraining = true).Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => int8.InitializeParameters(1));
        Assert.Empty(int8.Tensors);
        Assert.Equal(0, int8.Parameters.Length);
        Assert.Equal(5, int8.Layers.Count);
    }

    [Fact]
    public void A_forward_pass_of_a_warm_int8_network_allocates_nothing()
    {
        var int8 = Quantize.ToInt8(Small(), Inputs(36 * 4, 4), 4);
        var inputs = Inputs(36 * 4, 5);
        var outputs = new float[12];
        int8.Forward(inputs, outputs, 4);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) int8.Forward(inputs, outputs, 4);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Loading_a_float_checkpoint_a_bad_scale_or_a_missing_tensor_fails_and_leaves_the_network_unchanged()
    {
        using var folder = new TemporaryFolder();
        var network = Small();
        var int8 = Quantize.ToInt8(network, Inputs(36 * 4, 6), 4);
        string good = folder.File("good.int8.safetensors"), floatFile = folder.File("float.safetensors");
        Int8Checkpoint.Save(int8, good);
        Checkpoint.Save(network, floatFile);
        var target = ((IQuantizable)network).CreateInt8Network(4);

        var notInt8 = Assert.Throws<InvalidDataException>(() => Int8Checkpoint.Load(target, floatFile));
        Assert.Contains("is not an int8 checkpoint", notInt8.Message, StringComparison.Ordinal);

        // The same file with conv1.scale set to zero, and one without dense2.bias.
        string zero = folder.File("zero.int8.safetensors"), missing = folder.File("missing.int8.safetensors");
        Rewrite(good, zero, (name, values) => name == "conv1.scale" ? new[] { 0f } : values, skip: null);
        Rewrite(good, missing, (_, values) => values, skip: "dense2.bias");
        var badScale = Assert.Throws<InvalidDataException>(() => Int8Checkpoint.Load(target, zero));
        Assert.Contains("'conv1.scale' element 0 is 0; a scale must be positive and finite", badScale.Message, StringComparison.Ordinal);
        var mismatch = Assert.Throws<CheckpointMismatchException>(() => Int8Checkpoint.Load(target, missing));
        Assert.Equal(new[] { "dense2.bias" }, mismatch.MissingKeys);
        Assert.False(target.HasState);

        Int8Checkpoint.Load(target, good);
        Assert.True(target.HasState);
        Assert.Equal(int8.Int8State.ToArray(), target.Int8State.ToArray());
        Assert.Equal(int8.FloatState.ToArray(), target.FloatState.ToArray());
    }

    /// <summary>Copies an int8 checkpoint tensor by tensor, changing float tensors through <paramref name="change"/> and leaving one out.</summary>
    private static void Rewrite(string from, string to, Func<string, float[], float[]> change, string? skip)
    {
        using var file = SafeTensorsFile.Open(from);
        var writer = new SafeTensorsWriter();
        foreach (var (key, value) in file.Metadata) writer.AddMetadata(key, value);
        foreach (var tensor in file.Tensors.Where(t => t.Name != skip))
        {
            if (tensor.DType == SafeTensorsDType.F32) writer.AddFloats(tensor.Name, change(tensor.Name, file.ReadFloats(tensor.Name)), tensor.Shape.ToArray());
            else writer.Add(tensor.Name, tensor.DType, tensor.Shape.ToArray(), file.ReadBytes(tensor.Name));
        }
        writer.Save(to);
    }

    /// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("myelin-int8-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
