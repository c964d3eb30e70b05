using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Inverted dropout in training mode. The dropout is the last layer, so that its mask can be read off the outputs:
/// an output is either zero (dropped) or the eval-mode output times <c>1/(1 - p)</c> (kept).
/// </summary>
public sealed class DropoutTests
{
    private const string Namespace = "Numerics.Dropout";
    private const int Units = 50;
    private static readonly float[] Rates = { 0f, 0.1f, 0.5f, 0.8f };

    private static RefNetwork Network(float rate) => new($"Drop{(int)(rate * 100)}", Loss.MeanSquaredError, new[] { 6 }, new RefLayer[]
    {
        new RefDense(8, Activation.Tanh), new RefDense(Units), new RefDropout(rate),
    });

    /// <summary>Dropout inside the network; the identity dense after it lets the test read the mask off the outputs.</summary>
    private static readonly RefNetwork Middle = new("DropMiddle", Loss.MeanSquaredError, new[] { 6 }, new RefLayer[]
    {
        new RefDense(Units, Activation.Tanh), new RefDropout(0.4f), new RefDense(Units),
    });

    private static readonly Lazy<System.Reflection.Assembly> Assembly =
        new(() => GeneratedComparison.CompileAndLoad(RefNetwork.ToSource(Namespace, Rates.Select(Network).Append(Middle))));

    private static ITrainableNetwork Create(float rate, int seed) =>
        GeneratorHarness.CreateTrainable(Assembly.Value, Namespace + "." + Network(rate).ClassName, seed, 8);

    /// <summary>The outputs of one training step and of the same batch in eval mode (no dropout, nothing else changes).</summary>
    private static (float[] Training, float[] Eval) Step(ITrainableNetwork network, float[] inputs, float[] targets, int batch)
    {
        network.IsTraining = false;
        var eval = new float[batch * Units];
        network.Forward(inputs, eval, batch);
        network.IsTraining = true;
        network.ForwardBackward(inputs, targets, batch);
        return (network.Outputs.ToArray(), eval);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.8f)]
    public void Training_mode_drops_about_the_rate_and_scales_kept_elements_by_one_over_one_minus_the_rate(float rate)
    {
        var network = Create(rate, seed: 1);
        var random = new Random(2);
        float keep = 1f / (1f - rate);
        int dropped = 0, total = 0;
        for (int step = 0; step < 5; step++)
        {
            var inputs = GeneratedComparison.Inputs(random, 8 * 6);
            var (training, eval) = Step(network, inputs, new float[8 * Units], 8);
            for (int i = 0; i < training.Length; i++)
            {
                total++;
                if (training[i] == 0f && eval[i] != 0f)
                {
                    dropped++;
                    continue;
                }
                float expected = eval[i] * keep;
                Assert.True(Math.Abs(training[i] - expected) <= 1e-6f * Math.Abs(expected),
                    $"p = {rate}, step {step}, element {i}: kept output {training[i]:R}, expected {eval[i]:R} x {keep:R} = {expected:R}");
            }
        }
        // The dropped count is binomial(total, p): allow 4.5 standard deviations.
        double fraction = (double)dropped / total;
        double allowed = 4.5 * Math.Sqrt(rate * (1 - rate) / total);
        Assert.True(Math.Abs(fraction - rate) <= allowed, $"p = {rate}: dropped {dropped} of {total} ({fraction:F4}), allowed {rate} ± {allowed:F4}");
    }

    [Fact]
    public void The_same_seed_and_calls_give_the_same_masks_and_each_step_draws_a_new_mask()
    {
        var first = Create(0.5f, seed: 11);
        var second = Create(0.5f, seed: 11);
        var otherSeed = Create(0.5f, seed: 12);
        var random = new Random(3);
        var inputs = GeneratedComparison.Inputs(random, 8 * 6);
        var targets = new float[8 * Units];
        float[]? previous = null;
        for (int step = 0; step < 3; step++)
        {
            var a = Step(first, inputs, targets, 8).Training;
            var b = Step(second, inputs, targets, 8).Training;
            var c = Step(otherSeed, inputs, targets, 8).Training;
            Assert.True(a.SequenceEqual(b), $"step {step}: two networks with seed 11 and the same calls gave different outputs");
            Assert.False(a.Select(v => v == 0f).SequenceEqual(c.Select(v => v == 0f)), $"step {step}: seeds 11 and 12 drew the same mask");
            if (previous is not null)
                Assert.False(a.Select(v => v == 0f).SequenceEqual(previous.Select(v => v == 0f)), $"step {step} drew the same mask as the step before");
            previous = a;
        }
    }

    [Fact]
    public void Gradients_through_training_mode_dropout_match_the_reference_with_the_mask_the_network_drew()
    {
        const float Rate = 0.5f;
        var spec = Network(Rate);
        var network = Create(Rate, seed: 4);
        var random = new Random(5);
        GeneratedComparison.Randomize(network, random);
        var problems = new List<string>();
        foreach (int batch in new[] { 1, 3, 8 })
        {
            var inputs = GeneratedComparison.Inputs(random, batch * 6);
            var targets = Enumerable.Range(0, batch * Units).Select(_ => (float)random.NextDouble()).ToArray();
            var (training, eval) = Step(network, inputs, targets, batch);
            var mask = training.Select((v, i) => v == 0f && eval[i] != 0f ? 0.0 : 1 / (1 - (double)Rate)).ToArray();
            var masks = new Dictionary<string, double[]> { ["dropout1"] = mask };
            var tensors = RefTensors.CopyFrom(network, spec);
            var reference = ReferenceInterpreter.Run(spec, tensors, GeneratedComparison.ToDouble(inputs), batch,
                RefTargets.FromValues(targets), training: true, backward: true, masks);
            GeneratedComparison.CompareValues($"batch {batch} outputs", training, reference.Outputs, Tolerance.Default, problems);
            foreach (var (name, gradient) in reference.Gradients)
                GeneratedComparison.CompareTensor($"batch {batch} gradient of {name}", RefTensors.Read(network, network.Gradients, name), gradient, Tolerance.Default, problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + spec.ToDeclaration());
    }

    [Fact]
    public void Gradients_through_a_training_mode_dropout_inside_the_network_match_the_reference()
    {
        var network = GeneratorHarness.CreateTrainable(Assembly.Value, Namespace + "." + Middle.ClassName, 6, 8);
        var random = new Random(7);
        GeneratedComparison.Randomize(network, random);
        // dense2 = identity, so the outputs are the dropout's outputs and the eval outputs its inputs.
        var weight = network.Tensors.Single(t => t.Name == "dense2.weight");
        var bias = network.Tensors.Single(t => t.Name == "dense2.bias");
        network.Parameters.Slice(weight.Offset, weight.Length).Clear();
        network.Parameters.Slice(bias.Offset, bias.Length).Clear();
        for (int i = 0; i < Units; i++) network.Parameters[weight.Offset + i * Units + i] = 1f;

        var inputs = GeneratedComparison.Inputs(random, 5 * 6);
        var targets = Enumerable.Range(0, 5 * Units).Select(_ => (float)random.NextDouble()).ToArray();
        var tensors = RefTensors.CopyFrom(network, Middle);
        var (training, eval) = Step(network, inputs, targets, 5);
        var mask = training.Select((v, i) => v == 0f && eval[i] != 0f ? 0.0 : 1 / (1 - 0.4)).ToArray();
        Assert.InRange(mask.Count(m => m == 0), 5 * Units * 0.2, 5 * Units * 0.6);
        var reference = ReferenceInterpreter.Run(Middle, tensors, GeneratedComparison.ToDouble(inputs), 5, RefTargets.FromValues(targets),
            training: true, backward: true, new Dictionary<string, double[]> { ["dropout1"] = mask });
        var problems = new List<string>();
        GeneratedComparison.CompareValues("outputs", training, reference.Outputs, Tolerance.Default, problems);
        foreach (var (name, gradient) in reference.Gradients)
            GeneratedComparison.CompareTensor("gradient of " + name, RefTensors.Read(network, network.Gradients, name), gradient, Tolerance.Default, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + Middle.ToDeclaration());
    }
}
