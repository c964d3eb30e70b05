using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Batch normalisation against the reference: batch statistics and running-stat updates (unbiased variance) in
/// training mode, running statistics in eval mode, several steps in a row, momentum and epsilon settings, and the
/// error for a training batch with one value per channel.
/// </summary>
public sealed class BatchNormTests
{
    private const string Namespace = "Numerics.Norm";
    private const string Fixed = Namespace + ".Fixed";

    private static readonly RefNetwork Steps = new("Steps", Loss.MeanSquaredError, new[] { 2, 4, 3 }, new RefLayer[]
    {
        new RefConv2D(3, 2, Padding: Padding.Same),
        new RefBatchNorm(2, Momentum: 0.3f),
        new RefActivation(Activation.ReLU),
        new RefFlatten(),
        new RefDense(5),
        new RefBatchNorm(1, Epsilon: 1e-3f),
        new RefDense(2),
    });

    private static readonly RefNetwork OneRow = new("OneRow", Loss.MeanSquaredError, new[] { 3 },
        new RefLayer[] { new RefDense(4), new RefBatchNorm(1), new RefDense(2) });

    private static readonly RefNetwork OnePixel = new("OnePixel", Loss.MeanSquaredError, new[] { 2, 2, 2 },
        new RefLayer[] { new RefPool2D(Max: true, Kernel: 2), new RefBatchNorm(2, Name: "norm"), new RefFlatten() });

    // PyTorch needs more than one value per channel, and a 3x2 plane has six.
    private static readonly RefNetwork OneImage = new("OneImage", Loss.BinaryCrossEntropy, new[] { 2, 3, 2 }, new RefLayer[]
    {
        new RefConv2D(2, 1), new RefBatchNorm(2, Momentum: 0.5f), new RefActivation(Activation.Sigmoid),
    });

    private static readonly Lazy<System.Reflection.Assembly> FixedAssembly =
        new(() => GeneratedComparison.CompileAndLoad(RefNetwork.ToSource(Fixed, new[] { Steps, OneRow, OnePixel, OneImage })));

    private static RefNetwork RandomMlp(int seed, string className)
    {
        var random = new Random(seed);
        float[] momenta = { 0.1f, 0f, 1f, 0.25f, 0.9f };
        float[] epsilons = { 1e-5f, 1e-3f, 0.1f };
        var layers = new List<RefLayer>();
        int blocks = random.Next(1, 3);
        for (int b = 0; b < blocks; b++)
        {
            layers.Add(new RefDense(random.Next(1, 13), random.Next(2) == 0 ? Activation.None : Activation.ReLU, Bias: random.Next(2) == 0));
            layers.Add(new RefBatchNorm(1, momenta[random.Next(momenta.Length)], epsilons[random.Next(epsilons.Length)]));
            if (random.Next(2) == 0) layers.Add(RandomNetworks.StandAlone(random, allowSoftmax: false));
        }
        var loss = new[] { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError }[seed % 3];
        layers.Add(new RefDense(loss == Loss.SoftmaxCrossEntropy ? random.Next(2, 6) : random.Next(1, 6)));
        return new RefNetwork(className, loss, new[] { random.Next(1, 10) }, layers);
    }

    [Fact]
    public void Random_networks_with_BatchNorm1D_match_the_reference_in_training_and_eval_mode()
    {
        var networks = Enumerable.Range(0, 12).Select(i => RandomMlp(3000 + i, "Bn" + i)).ToList();
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace, networks, failures);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!assemblies.TryGetValue(networks[i].ClassName, out var assembly)) continue;
            GeneratedComparison.Compare(assembly(), Namespace, new ComparisonCase(networks[i], 8000 + i, new[] { 2, 3, 5, 8 }[i % 4], Training: true), failures);
            GeneratedComparison.Compare(assembly(), Namespace, new ComparisonCase(networks[i], 8100 + i, new[] { 1, 2, 7 }[i % 3], Training: false), failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("BatchNorm1D networks against the reference", failures, 2 * networks.Count));
    }

    [Fact]
    public void Running_statistics_follow_the_reference_over_three_training_steps_and_then_normalise_in_eval_mode()
    {
        var network = Steps;
        var generated = GeneratedComparison.Create(FixedAssembly.Value, Fixed, network);
        var random = new Random(17);
        GeneratedComparison.Randomize(generated, random);
        var tensors = RefTensors.CopyFrom(generated, network);
        float tracked1 = (float)tensors["bn1.num_batches_tracked"][0], tracked2 = (float)tensors["bn2.num_batches_tracked"][0];
        var problems = new List<string>();

        foreach (int batch in new[] { 2, 5, 8 })
        {
            var inputs = GeneratedComparison.Inputs(random, batch * network.InputSize);
            var targets = GeneratedComparison.Targets(random, network, batch);
            GeneratedComparison.ForwardBackward(generated, inputs, targets, batch);
            var pass = ReferenceInterpreter.Run(network, tensors, GeneratedComparison.ToDouble(inputs), batch,
                GeneratedComparison.ToReference(targets), training: true, backward: true);
            tensors = pass.TensorsAfter;
            foreach (var name in tensors.Buffers.Keys)
            {
                GeneratedComparison.CompareTensor($"{name} after the step with batch {batch}",
                    RefTensors.Read(generated, generated.Buffers, name), tensors.Buffers[name], Tolerance.Default, problems);
            }
        }
        Assert.Equal(new[] { tracked1 + 3 }, RefTensors.Read(generated, generated.Buffers, "bn1.num_batches_tracked"));
        Assert.Equal(new[] { tracked2 + 3 }, RefTensors.Read(generated, generated.Buffers, "bn2.num_batches_tracked"));

        // Eval mode normalises with the running statistics just accumulated and leaves them unchanged.
        generated.IsTraining = false;
        var evalInputs = GeneratedComparison.Inputs(random, 3 * network.InputSize);
        var outputs = new float[3 * network.OutputSize];
        generated.Forward(evalInputs, outputs, 3);
        var eval = ReferenceInterpreter.Run(network, tensors, GeneratedComparison.ToDouble(evalInputs), 3);
        GeneratedComparison.CompareValues("eval outputs", outputs, eval.Outputs, Tolerance.Default, problems);
        Assert.Equal(new[] { tracked1 + 3 }, RefTensors.Read(generated, generated.Buffers, "bn1.num_batches_tracked"));
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + network.ToDeclaration());
    }

    [Fact]
    public void Training_with_one_value_per_channel_throws_InvalidOperationException_naming_the_layer_and_eval_mode_works()
    {
        var problems = new List<string>();
        foreach (var (network, layer) in new[] { (OneRow, "bn1"), (OnePixel, "norm") })
        {
            var generated = GeneratedComparison.Create(FixedAssembly.Value, Fixed, network);
            var inputs = GeneratedComparison.Inputs(new Random(3), network.InputSize);
            var targets = new float[network.OutputSize];
            generated.IsTraining = true;
            var error = Assert.Throws<InvalidOperationException>(() => generated.ForwardBackward(inputs, targets, 1));
            Assert.Contains(layer, error.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => generated.ComputeLoss(inputs, targets, 1));
            Assert.Throws<InvalidOperationException>(() => generated.Forward(inputs, new float[network.OutputSize]));

            // The same batch of one is fine in eval mode, where the running statistics normalise.
            GeneratedComparison.Compare(FixedAssembly.Value, Fixed, new ComparisonCase(network, 9, 1, Training: false), problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void BatchNorm2D_in_training_mode_accepts_a_batch_of_one_image_with_several_positions()
    {
        var problems = new List<string>();
        GeneratedComparison.Compare(FixedAssembly.Value, Fixed, new ComparisonCase(OneImage, 4, 1, Training: true), problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
