using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Hand-picked networks that random ones rarely produce: activations fused into batch norm and split out again by the
/// loss, chains of unfused activations, two softmaxes, networks with no parameters, layers straight on the input, a
/// rank-2 input, dotted layer names, extreme LeakyReLU slopes, wider layers, inference-only networks, and batch
/// capacity growth. Each is compared with the reference in training mode (when it has no dropout) and in eval mode.
/// </summary>
public sealed class EdgeCaseNetworkTests
{
    private const string Namespace = "Numerics.Edge";

    private static RefNetwork Net(string name, Loss loss, int[] input, params RefLayer[] layers) => new(name, loss, input, layers);

    internal static readonly RefNetwork[] Networks =
    {
        Net("BatchNormSigmoidAbsorbed", Loss.BinaryCrossEntropy, new[] { 5 }, new RefDense(4), new RefBatchNorm(1), new RefActivation(Activation.Sigmoid)),
        Net("BatchNormReLUEpilogue", Loss.SoftmaxCrossEntropy, new[] { 5 }, new RefDense(4), new RefBatchNorm(1), new RefActivation(Activation.ReLU), new RefDense(3)),
        Net("ConvBatchNormSigmoidImage", Loss.BinaryCrossEntropy, new[] { 2, 4, 4 },
            new RefConv2D(2, 3, Padding: Padding.Same), new RefBatchNorm(2), new RefActivation(Activation.Sigmoid)),
        Net("ConvSigmoidSplitByLoss", Loss.BinaryCrossEntropy, new[] { 1, 5, 5 }, new RefConv2D(3, 2, Activation.Sigmoid)),
        Net("DenseSigmoidSplitByLoss", Loss.BinaryCrossEntropy, new[] { 3 }, new RefDense(1, Activation.Sigmoid)),
        Net("UnfusedChain", Loss.MeanSquaredError, new[] { 6 },
            new RefDense(5, Activation.ReLU), new RefActivation(Activation.Sigmoid), new RefActivation(Activation.Tanh), new RefDense(2)),
        Net("ActivationsAfterPools", Loss.SoftmaxCrossEntropy, new[] { 2, 6, 6 },
            new RefConv2D(2, 3), new RefPool2D(Max: true, Kernel: 2), new RefActivation(Activation.ReLU),
            new RefPool2D(Max: false, Kernel: 2, Stride: 1), new RefActivation(Activation.LeakyReLU, 0.2f), new RefFlatten(),
            new RefActivation(Activation.Tanh), new RefDense(3)),
        Net("TwoSoftmaxes", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefDense(5), new RefActivation(Activation.Softmax), new RefActivation(Activation.Softmax)),
        Net("SoftmaxThenFlatten", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefDense(3, Activation.Softmax), new RefFlatten()),
        Net("SoftmaxOnly", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefActivation(Activation.Softmax)),
        Net("SigmoidOnly", Loss.BinaryCrossEntropy, new[] { 3 }, new RefActivation(Activation.Sigmoid)),
        Net("FlattenOnly", Loss.MeanSquaredError, new[] { 2, 2, 3 }, new RefFlatten()),
        Net("PoolsOnly", Loss.MeanSquaredError, new[] { 2, 4, 4 }, new RefPool2D(Max: true, Kernel: 2), new RefGlobalAvgPool2D()),
        Net("DropoutFirst", Loss.MeanSquaredError, new[] { 6 }, new RefDropout(0.3f), new RefDense(3)),
        Net("DropoutLastWithCrossEntropy", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefDense(3), new RefDropout(0.2f)),
        Net("PoolFirst", Loss.BinaryCrossEntropy, new[] { 1, 6, 6 },
            new RefPool2D(Max: true, Kernel: 3, Stride: 2), new RefConv2D(2, 2), new RefFlatten(), new RefDense(2)),
        Net("BatchNormFirst", Loss.MeanSquaredError, new[] { 3, 2, 2 }, new RefBatchNorm(2), new RefConv2D(2, 1), new RefGlobalAvgPool2D()),
        Net("RankTwoInput", Loss.MeanSquaredError, new[] { 3, 4 }, new RefActivation(Activation.ReLU), new RefFlatten(), new RefDense(2)),
        Net("DottedNames", Loss.SoftmaxCrossEntropy, new[] { 2, 5, 5 },
            new RefConv2D(2, 3, Name: "features.0"), new RefActivation(Activation.ReLU, Name: "features.1"), new RefFlatten(Name: "flat"),
            new RefDense(4, Name: "classifier"), new RefBatchNorm(1, Name: "classifier_bn"), new RefDense(2, Name: "head.out")),
        Net("ExtremeSlopes", Loss.MeanSquaredError, new[] { 4 },
            new RefDense(4, Activation.LeakyReLU, NegativeSlope: 0f), new RefDense(4, Activation.LeakyReLU, NegativeSlope: 1.5f),
            new RefActivation(Activation.LeakyReLU, 0f), new RefDense(2)),
        Net("WideDense", Loss.MeanSquaredError, new[] { 64 }, new RefDense(70, Activation.ReLU), new RefDense(65, Activation.Tanh), new RefDense(33)),
        Net("LargerConv", Loss.SoftmaxCrossEntropy, new[] { 3, 12, 12 },
            new RefConv2D(8, 3, Activation.ReLU, Padding: Padding.Same), new RefPool2D(Max: true, Kernel: 2),
            new RefConv2D(16, 3, Stride: 2, PaddingSize: 1), new RefBatchNorm(2), new RefFlatten(), new RefDense(10)),
        // Convolutions with more than 32 taps and stride 1 or 2 take the plane kernels: with 12 and 24 filters every
        // backward kernel is a plane one, with 40 both are the product; a 2x2 'same' window pads one side only; the
        // stride-2 layer's input gradient is the product, its weight gradient the filter-major plane kernel (32 filters).
        Net("PlaneConvolutions", Loss.SoftmaxCrossEntropy, new[] { 5, 7, 7 },
            new RefConv2D(6, 1), new RefConv2D(12, 3, Activation.Tanh, Padding: Padding.Same),
            new RefConv2D(24, 3, Activation.ReLU, Padding: Padding.Same, Bias: false), new RefConv2D(40, 3),
            new RefConv2D(8, 2, Padding: Padding.Same), new RefConv2D(32, 3, Activation.ReLU, Stride: 2, PaddingSize: 1),
            new RefGlobalAvgPool2D(), new RefDense(3)),
        // Plane convolutions with a batch norm after them: in eval-mode Forward the norm runs in the convolution's
        // epilogue (with and without a convolution bias, with and without a fused ReLU, at stride 1 and 2).
        Net("PlaneConvBatchNorm", Loss.SoftmaxCrossEntropy, new[] { 6, 6, 6 },
            new RefConv2D(8, 3, Padding: Padding.Same, Bias: false), new RefBatchNorm(2), new RefActivation(Activation.ReLU),
            new RefConv2D(12, 3, Padding: Padding.Same), new RefBatchNorm(2),
            new RefConv2D(16, 3, Stride: 2, PaddingSize: 1, Bias: false), new RefBatchNorm(2), new RefActivation(Activation.Tanh),
            new RefGlobalAvgPool2D(), new RefDense(3)),
        // Plane convolutions with a max pool in their epilogue: a ragged filter block (11 of 8 + 3), an odd output (9x9:
        // the last row and column dropped), a fused Tanh, stride 2, and no bias; then a 64-filter one (LeNet's and the CNN's shape).
        Net("PlaneConvMaxPool", Loss.SoftmaxCrossEntropy, new[] { 4, 11, 11 },
            new RefConv2D(11, 3, Activation.Tanh), new RefPool2D(Max: true, Kernel: 2),
            new RefConv2D(9, 3, Activation.ReLU, Padding: Padding.Same, Bias: false), new RefPool2D(Max: true, Kernel: 2),
            new RefFlatten(), new RefDense(3)),
        Net("PlaneConvMaxPoolStrided", Loss.MeanSquaredError, new[] { 5, 12, 12 },
            new RefConv2D(64, 3, Activation.ReLU, Stride: 2, PaddingSize: 1), new RefPool2D(Max: true, Kernel: 2),
            new RefGlobalAvgPool2D(), new RefDense(2)),
        // A direct convolution (18 taps) with its batch norm in the epilogue of eval-mode Forward.
        Net("DirectConvBatchNorm", Loss.SoftmaxCrossEntropy, new[] { 2, 7, 7 },
            new RefConv2D(8, 3, Padding: Padding.Same), new RefBatchNorm(2), new RefActivation(Activation.ReLU),
            new RefGlobalAvgPool2D(), new RefDense(3)),
        Net("SoftmaxInsideThenSigmoid", Loss.MeanSquaredError, new[] { 5 }, new RefDense(4, Activation.Softmax), new RefDense(3, Activation.Sigmoid)),
    };

    /// <summary>Inference-only networks (<c>Loss.None</c>): only Forward is generated.</summary>
    private static readonly RefNetwork[] InferenceOnly =
    {
        Net("InferenceMlp", Loss.None, new[] { 5 }, new RefDense(6, Activation.Tanh), new RefDropout(0.5f), new RefDense(3, Activation.Softmax)),
        Net("InferenceCnn", Loss.None, new[] { 2, 6, 5 },
            new RefConv2D(3, 3, Activation.LeakyReLU, PaddingSize: 1, NegativeSlope: 0.3f), new RefBatchNorm(2), new RefPool2D(Max: false, Kernel: 2),
            new RefFlatten(), new RefDense(4), new RefActivation(Activation.Sigmoid)),
    };

    private static readonly Lazy<System.Reflection.Assembly> Assembly =
        new(() => GeneratedComparison.CompileAndLoad(RefNetwork.ToSource(Namespace, Networks.Concat(InferenceOnly))));

    [Fact]
    public void Edge_case_networks_match_the_reference_in_training_and_eval_mode()
    {
        var failures = new List<string>();
        for (int i = 0; i < Networks.Length; i++)
        {
            var network = Networks[i];
            if (!network.Layers.Any(l => l is RefDropout))
                GeneratedComparison.Compare(Assembly.Value, Namespace, new ComparisonCase(network, 100 + i, 3, Training: true), failures);
            GeneratedComparison.Compare(Assembly.Value, Namespace, new ComparisonCase(network, 200 + i, 1 + 7 * (i % 2), Training: false), failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Edge-case networks against the reference", failures, 2 * Networks.Length));
    }

    [Fact]
    public void Inference_only_networks_forward_like_the_reference_in_eval_mode_and_update_running_statistics_in_training_mode()
    {
        var problems = new List<string>();
        foreach (var network in InferenceOnly)
        {
            var generated = GeneratorHarness.Create(Assembly.Value, Namespace + "." + network.ClassName, 3, 8);
            Assert.False(generated is ITrainableNetwork, $"{network.ClassName} has no loss but implements ITrainableNetwork");
            var random = new Random(21);
            GeneratedComparison.Randomize(generated, random);
            RefTensors.CheckTable(generated, network);
            var inputs = GeneratedComparison.Inputs(random, 5 * network.InputSize);
            var outputs = new float[5 * network.OutputSize];

            generated.IsTraining = false;
            generated.Forward(inputs, outputs, 5);
            var eval = ReferenceInterpreter.Run(network, RefTensors.CopyFrom(generated, network), GeneratedComparison.ToDouble(inputs), 5);
            GeneratedComparison.CompareValues(network.ClassName + " eval outputs", outputs, eval.Outputs, Tolerance.Default, problems);

            if (network.Layers.Any(l => l is RefDropout)) continue;
            var before = RefTensors.CopyFrom(generated, network);
            generated.IsTraining = true;
            generated.Forward(inputs, outputs, 5);
            var training = ReferenceInterpreter.Run(network, before, GeneratedComparison.ToDouble(inputs), 5, training: true);
            GeneratedComparison.CompareValues(network.ClassName + " training outputs", outputs, training.Outputs, Tolerance.Default, problems);
            foreach (var (name, values) in training.TensorsAfter.Buffers)
                GeneratedComparison.CompareTensor(network.ClassName + " " + name, RefTensors.Read(generated, generated.Buffers, name), values, Tolerance.Default, problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_network_grown_with_EnsureBatchCapacity_matches_the_reference_on_the_larger_batch_and_rejects_a_larger_one()
    {
        var network = Networks.Single(n => n.ClassName == "LargerConv");
        var generated = GeneratorHarness.CreateTrainable(Assembly.Value, Namespace + "." + network.ClassName, 4, maxBatchSize: 2);
        Assert.Equal(2, generated.MaxBatchSize);
        var random = new Random(31);
        GeneratedComparison.Randomize(generated, random);
        var tooMany = GeneratedComparison.Inputs(random, 3 * network.InputSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => generated.ForwardBackward(tooMany, new[] { 0, 1, 2 }, 3));

        generated.EnsureBatchCapacity(8);
        Assert.Equal(8, generated.MaxBatchSize);
        var inputs = GeneratedComparison.Inputs(random, 8 * network.InputSize);
        var labels = Enumerable.Range(0, 8).Select(_ => random.Next(10)).ToArray();
        var tensors = RefTensors.CopyFrom(generated, network);
        float loss = generated.ForwardBackward(inputs, labels, 8);
        var reference = ReferenceInterpreter.Run(network, tensors, GeneratedComparison.ToDouble(inputs), 8, RefTargets.FromLabels(labels), training: true, backward: true);
        var problems = new List<string>();
        GeneratedComparison.CompareValues("loss", new[] { loss }, new[] { reference.Loss }, Tolerance.Default, problems);
        GeneratedComparison.CompareValues("outputs", generated.Outputs.ToArray(), reference.Outputs, Tolerance.Default, problems);
        foreach (var (name, gradient) in reference.Gradients)
            GeneratedComparison.CompareTensor("gradient of " + name, RefTensors.Read(generated, generated.Gradients, name), gradient, Tolerance.Default, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Throws<ArgumentOutOfRangeException>(() => generated.ForwardBackward(GeneratedComparison.Inputs(random, 9 * network.InputSize), new int[9], 9));
    }

    [Fact]
    public void Batches_up_to_the_default_capacity_of_64_match_the_reference()
    {
        var failures = new List<string>();
        foreach (var (name, batch) in new[] { ("WideDense", 37), ("WideDense", 64), ("LargerConv", 19) })
        {
            var network = Networks.Single(n => n.ClassName == name);
            var generated = GeneratorHarness.CreateTrainable(Assembly.Value, Namespace + "." + name, 5);
            Assert.Equal(64, generated.MaxBatchSize);
            var random = new Random(batch);
            GeneratedComparison.Randomize(generated, random);
            var tensors = RefTensors.CopyFrom(generated, network);
            var inputs = GeneratedComparison.Inputs(random, batch * network.InputSize);
            var targets = GeneratedComparison.Targets(random, network, batch);
            float loss = GeneratedComparison.ForwardBackward(generated, inputs, targets, batch);
            var reference = ReferenceInterpreter.Run(network, tensors, GeneratedComparison.ToDouble(inputs), batch, GeneratedComparison.ToReference(targets), training: true, backward: true);
            var problems = new List<string>();
            GeneratedComparison.CompareValues("loss", new[] { loss }, new[] { reference.Loss }, Tolerance.Default, problems);
            GeneratedComparison.CompareValues("outputs", generated.Outputs.ToArray(), reference.Outputs, Tolerance.Default, problems);
            foreach (var (tensor, gradient) in reference.Gradients)
                GeneratedComparison.CompareTensor("gradient of " + tensor, RefTensors.Read(generated, generated.Gradients, tensor), gradient, Tolerance.Default, problems);
            if (problems.Count > 0) failures.Add($"{name}, batch {batch}:\n  " + string.Join("\n  ", problems));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
