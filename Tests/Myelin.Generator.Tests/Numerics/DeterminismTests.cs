using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Reproducibility: the same seed gives bit-identical parameters, buffers, outputs and gradients, step after step,
/// dropout included; and <c>ForwardBackward</c> overwrites the gradients (PyTorch's zero_grad then backward).
/// </summary>
public sealed class DeterminismTests
{
    private const string Namespace = "Numerics.Determinism";

    private static readonly RefNetwork Network = new("Repeatable", Loss.SoftmaxCrossEntropy, new[] { 2, 6, 5 }, new RefLayer[]
    {
        new RefConv2D(3, 3, Activation.ReLU, Padding: Padding.Same),
        new RefBatchNorm(2),
        new RefPool2D(Max: true, Kernel: 2),
        new RefFlatten(),
        new RefDense(10, Activation.Tanh),
        new RefDropout(0.5f),
        new RefDense(4),
    });

    private static readonly Lazy<System.Reflection.Assembly> Assembly = new(() => GeneratedComparison.CompileAndLoad(Network.ToSource(Namespace)));

    private static ITrainableNetwork Create(int seed) => GeneratorHarness.CreateTrainable(Assembly.Value, Namespace + "." + Network.ClassName, seed, 8);

    private static void AssertBitIdentical(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what} differs first at [{i}]: {expected[i]:R} and {actual[i]:R}");
        }
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_parameters_and_buffers_and_another_seed_does_not()
    {
        var first = Create(42);
        var second = Create(42);
        AssertBitIdentical("parameters", first.Parameters, second.Parameters);
        AssertBitIdentical("buffers", first.Buffers, second.Buffers);

        var other = Create(7);
        Assert.False(first.Parameters.SequenceEqual(other.Parameters), "seeds 42 and 7 gave the same parameters");
        other.InitializeParameters(42);
        AssertBitIdentical("parameters after InitializeParameters(42)", first.Parameters, other.Parameters);
    }

    [Fact]
    public void The_same_seed_and_calls_give_bit_identical_outputs_losses_gradients_and_buffers_over_three_training_steps()
    {
        var first = Create(3);
        var second = Create(3);
        var random = new Random(8);
        for (int step = 0; step < 3; step++)
        {
            int batch = new[] { 8, 3, 5 }[step];
            var inputs = GeneratedComparison.Inputs(random, batch * Network.InputSize);
            var labels = Enumerable.Range(0, batch).Select(_ => random.Next(4)).ToArray();
            float loss1 = first.ForwardBackward(inputs, labels, batch);
            float loss2 = second.ForwardBackward(inputs, labels, batch);
            Assert.Equal(BitConverter.SingleToInt32Bits(loss1), BitConverter.SingleToInt32Bits(loss2));
            AssertBitIdentical($"outputs of step {step}", first.Outputs, second.Outputs);
            AssertBitIdentical($"gradients of step {step}", first.Gradients, second.Gradients);
            AssertBitIdentical($"buffers after step {step}", first.Buffers, second.Buffers);
            // Change the parameters the same way in both, as an optimizer would.
            for (int i = 0; i < first.Parameters.Length; i++)
            {
                first.Parameters[i] -= 0.1f * first.Gradients[i];
                second.Parameters[i] -= 0.1f * second.Gradients[i];
            }
        }
    }

    [Fact]
    public void ForwardBackward_overwrites_the_gradients_instead_of_adding_to_them()
    {
        var used = Create(5);
        var fresh = Create(5);
        used.IsTraining = false;
        fresh.IsTraining = false;
        var random = new Random(9);
        var inputsA = GeneratedComparison.Inputs(random, 4 * Network.InputSize);
        var inputsB = GeneratedComparison.Inputs(random, 6 * Network.InputSize);
        var labelsA = new[] { 0, 1, 2, 3 };
        var labelsB = new[] { 3, 3, 1, 0, 2, 1 };

        used.ForwardBackward(inputsA, labelsA, 4);
        used.ForwardBackward(inputsB, labelsB, 6);
        fresh.ForwardBackward(inputsB, labelsB, 6);
        AssertBitIdentical("gradients after a previous step, against a fresh network", fresh.Gradients, used.Gradients);

        // ComputeLoss leaves the gradients alone.
        var before = used.Gradients.ToArray();
        used.ComputeLoss(inputsA, labelsA, 4);
        AssertBitIdentical("gradients after ComputeLoss", before, used.Gradients);
    }

    [Fact]
    public void Forward_ComputeLoss_and_ForwardBackward_agree_on_outputs_and_loss_in_eval_mode()
    {
        var network = Create(6);
        network.IsTraining = false;
        var random = new Random(10);
        var inputs = GeneratedComparison.Inputs(random, 7 * Network.InputSize);
        var labels = Enumerable.Range(0, 7).Select(_ => random.Next(4)).ToArray();
        var outputs = new float[7 * 4];
        network.Forward(inputs, outputs, 7);
        float computed = network.ComputeLoss(inputs, labels, 7);
        AssertBitIdentical("Outputs after ComputeLoss against Forward", outputs, network.Outputs);
        float trained = network.ForwardBackward(inputs, labels, 7);
        Assert.Equal(computed, trained);
        AssertBitIdentical("Outputs after ForwardBackward against Forward", outputs, network.Outputs);

        var single = new float[4];
        network.Forward(inputs.AsSpan(2 * Network.InputSize, Network.InputSize), single);
        var tensors = RefTensors.CopyFrom(network, Network);
        var reference = ReferenceInterpreter.Run(Network, tensors, GeneratedComparison.ToDouble(inputs), 7, RefTargets.FromLabels(labels));
        var problems = new List<string>();
        GeneratedComparison.CompareValues("single-sample Forward of sample 2", single, reference.Outputs.Skip(8).Take(4).ToArray(), Tolerance.Default, problems);
        GeneratedComparison.CompareValues("loss", new[] { computed }, new[] { reference.Loss }, Tolerance.Default, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
