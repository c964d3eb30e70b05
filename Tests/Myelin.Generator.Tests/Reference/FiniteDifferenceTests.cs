using System.Globalization;
using Myelin.Generator.Tests.Numerics;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// The reference's hand-written backward pass against central finite differences, all in double:
/// <c>fd = (L(p + h) - L(p - h)) / 2h</c> with <c>h = 1e-5</c>, accepted when
/// <c>|fd - analytic| &lt;= 1e-6 * max(|analytic|, 1e-3)</c> (relative 1e-6, and 1e-9 absolute for gradients below 1e-3).
/// Every parameter tensor and the input are checked, up to 40 sampled elements each. A perturbation that moves a ReLU
/// or a max-pool choice across its kink (the reference's kink signature changes) is skipped and counted; at most 1% may be.
/// </summary>
public sealed class FiniteDifferenceTests
{
    private const double H = 1e-5;
    private const double Relative = 1e-6;
    private const double SmallGradient = 1e-3;
    private const int SamplesPerTensor = 40;

    [Fact]
    public void Random_dense_networks_have_reference_gradients_equal_to_central_differences()
    {
        var networks = Enumerable.Range(0, 24).Select(i => RandomNetworks.Dense(seed: 200 + i, className: "Fd" + i,
            loss: new[] { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError }[i % 3]));
        CheckAll(networks.Select((n, i) => (n, Seed: 300 + i, Training: i % 2 == 0, Batch: 1 + i % 4)));
    }

    [Fact]
    public void Random_convolutional_networks_have_reference_gradients_equal_to_central_differences_in_training_and_eval_mode()
    {
        var networks = Enumerable.Range(0, 24).Select(i => RandomNetworks.Conv(seed: 400 + i, className: "FdConv" + i,
            loss: new[] { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError }[i % 3]));
        CheckAll(networks.Select((n, i) => (n, Seed: 500 + i, Training: i % 2 == 0, Batch: 2 + i % 3)));
    }

    [Fact]
    public void Every_layer_kind_and_loss_has_reference_gradients_equal_to_central_differences()
    {
        var cases = new List<(RefNetwork, int, bool, int)>();
        foreach (bool training in new[] { true, false })
        {
            cases.Add((EveryImageLayer(Loss.SoftmaxCrossEntropy), 1, training, 3));
            cases.Add((EveryImageLayer(Loss.BinaryCrossEntropy), 2, training, 2));
            cases.Add((EveryImageLayer(Loss.MeanSquaredError), 3, training, 1 + (training ? 1 : 0)));
            cases.Add((EveryVectorLayer(Loss.SoftmaxCrossEntropy, absorbedSoftmax: true), 4, training, 3));
            cases.Add((EveryVectorLayer(Loss.SoftmaxCrossEntropy, absorbedSoftmax: false), 5, training, 4));
            cases.Add((EveryVectorLayer(Loss.BinaryCrossEntropy, absorbedSoftmax: false), 6, training, 2));
            cases.Add((EveryVectorLayer(Loss.MeanSquaredError, absorbedSoftmax: false), 7, training, 5));
            cases.Add((ImageOutput(), 8, training, 2));
        }
        CheckAll(cases);
    }

    [Fact]
    public void Input_gradients_flow_through_convolution_and_pooling_and_match_central_differences()
    {
        var network = new RefNetwork("Flow", Loss.MeanSquaredError, new[] { 2, 6, 6 }, new RefLayer[]
        {
            new RefConv2D(3, 3, Activation.Tanh, PaddingSize: 1),
            new RefPool2D(Max: true, Kernel: 2),
            new RefConv2D(2, 2, Padding: Padding.Same),
            new RefPool2D(Max: false, Kernel: 2, Stride: 1),
            new RefGlobalAvgPool2D(),
        });
        var random = new Random(11);
        var tensors = RefTensors.CreateRandom(network, random);
        var inputs = Enumerable.Range(0, 2 * network.InputSize).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        var targets = new RefTargets(null, Enumerable.Range(0, 2 * network.OutputSize).Select(_ => random.NextDouble()).ToArray());
        var pass = ReferenceInterpreter.Run(network, tensors, inputs, 2, targets, training: false, backward: true);

        // Max pooling passes gradient to one input per window, so some inputs get exactly zero and many do not.
        int nonzero = pass.InputGradient!.Count(g => g != 0);
        Assert.True(nonzero > inputs.Length / 4, $"only {nonzero} of {inputs.Length} inputs received a gradient");
        var failures = new List<string>();
        int skipped = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var (fd, kink) = CentralDifference(network, tensors, inputs, 2, targets, false, null, pass.KinkSignature, v => inputs[i] += v);
            if (kink) { skipped++; continue; }
            Judge("input", i, fd, pass.InputGradient![i], failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(skipped <= inputs.Length / 50, $"{skipped} of {inputs.Length} input checks crossed a kink");
    }

    /// <summary>Conv (same, explicit, strided), BatchNorm2D, every element-wise activation, both poolings, global pooling, dropout, dense head.</summary>
    private static RefNetwork EveryImageLayer(Loss loss)
    {
        var head = loss switch
        {
            Loss.SoftmaxCrossEntropy => new RefLayer[] { new RefDense(3, Activation.Softmax) },
            Loss.BinaryCrossEntropy => new RefLayer[] { new RefDense(2), new RefActivation(Activation.Sigmoid) },
            _ => new RefLayer[] { new RefDense(2, Activation.Tanh) },
        };
        return new RefNetwork("Every" + loss, loss, new[] { 2, 7, 6 }, new RefLayer[]
        {
            new RefConv2D(3, 3, Padding: Padding.Same),
            new RefBatchNorm(2, Momentum: 0.2f),
            new RefActivation(Activation.LeakyReLU, 0.2f),
            new RefPool2D(Max: true, Kernel: 2),
            new RefConv2D(3, 2, Activation.Sigmoid, Stride: 2, PaddingSize: 1, Bias: false),
            new RefDropout(0.25f),
            new RefPool2D(Max: false, Kernel: 2, Stride: 1),
            new RefActivation(Activation.Tanh),
            new RefConv2D(2, 1, Activation.ReLU),
            new RefGlobalAvgPool2D(),
        }.Concat(head).ToList());
    }

    /// <summary>Dense layers with BatchNorm1D, dropout, a softmax inside the network (its Jacobian) and the loss's head.</summary>
    private static RefNetwork EveryVectorLayer(Loss loss, bool absorbedSoftmax)
    {
        var layers = new List<RefLayer>
        {
            new RefDense(6, Activation.LeakyReLU, NegativeSlope: 0.3f),
            new RefBatchNorm(1, Epsilon: 1e-3f),
            new RefActivation(Activation.Tanh),
            new RefDropout(0.5f),
            new RefDense(5, Activation.Softmax, Bias: false),
            new RefDense(4, Activation.Sigmoid),
            new RefFlatten(),
        };
        layers.Add(loss switch
        {
            Loss.SoftmaxCrossEntropy when absorbedSoftmax => new RefDense(3, Activation.Softmax),
            Loss.BinaryCrossEntropy => new RefDense(3, Activation.Sigmoid),
            _ => new RefDense(3),
        });
        return new RefNetwork("Vector" + loss, loss, new[] { 5 }, layers);
    }

    /// <summary>Binary cross-entropy straight on an image output through an absorbed sigmoid.</summary>
    private static RefNetwork ImageOutput() => new("ImageOutput", Loss.BinaryCrossEntropy, new[] { 1, 5, 4 }, new RefLayer[]
    {
        new RefConv2D(2, 2, Padding: Padding.Same),
        new RefBatchNorm(2),
        new RefConv2D(2, 3, Activation.Sigmoid, PaddingSize: 1),
    });

    internal static void CheckAll(IEnumerable<(RefNetwork Network, int Seed, bool Training, int Batch)> cases)
    {
        var failures = new List<string>();
        int checks = 0, skipped = 0, count = 0;
        foreach (var (network, seed, training, batch) in cases)
        {
            count++;
            var problems = new List<string>();
            Check(network, seed, training, batch, problems, ref checks, ref skipped);
            if (problems.Count > 0)
                failures.Add($"{network.ClassName} (seed {seed}, batch {batch}, {(training ? "training" : "eval")}):\n{network.ToDeclaration()}  " + string.Join("\n  ", problems.Take(10)));
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} networks fail the finite-difference check:\n\n" + string.Join("\n\n", failures));
        Assert.True(skipped <= checks / 100 + 1, $"{skipped} of {checks + skipped} perturbations crossed a kink; too many to trust the check");
    }

    /// <summary>Checks every parameter tensor and the input of one network on one seeded batch.</summary>
    private static void Check(RefNetwork network, int seed, bool training, int batch, List<string> problems, ref int checks, ref int skipped)
    {
        var random = new Random(seed);
        var tensors = RefTensors.CreateRandom(network, random);
        var inputs = Enumerable.Range(0, batch * network.InputSize).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        var targets = network.Loss == Loss.SoftmaxCrossEntropy
            ? RefTargets.FromLabels(Enumerable.Range(0, batch).Select(_ => random.Next(network.OutputSize)).ToArray())
            : new RefTargets(null, Enumerable.Range(0, batch * network.OutputSize).Select(_ => random.NextDouble()).ToArray());
        var masks = training ? DropoutMasks(network, batch, random) : null;
        var pass = ReferenceInterpreter.Run(network, tensors, inputs, batch, targets, training, backward: true, masks);

        foreach (var (name, values) in tensors.Parameters)
        {
            foreach (int i in Sample(values.Length, random))
            {
                var (fd, kink) = CentralDifference(network, tensors, inputs, batch, targets, training, masks, pass.KinkSignature, v => values[i] += v);
                if (kink) { skipped++; continue; }
                checks++;
                Judge(name, i, fd, pass.Gradients[name][i], problems);
            }
        }
        foreach (int i in Sample(inputs.Length, random))
        {
            var (fd, kink) = CentralDifference(network, tensors, inputs, batch, targets, training, masks, pass.KinkSignature, v => inputs[i] += v);
            if (kink) { skipped++; continue; }
            checks++;
            Judge("input", i, fd, pass.InputGradient![i], problems);
        }
    }

    /// <summary>Random masks for every dropout layer: 0 with probability p, else 1/(1 - p).</summary>
    internal static Dictionary<string, double[]> DropoutMasks(RefNetwork network, int batch, Random random)
    {
        var masks = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var names = network.LayerNames;
        var shapes = network.LayerShapes;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (network.Layers[i] is not RefDropout dropout) continue;
            int size = shapes[i].Aggregate(1, (a, b) => a * b);
            double keep = 1 / (1 - (double)dropout.Rate);
            masks[names[i]] = Enumerable.Range(0, batch * size).Select(_ => random.NextDouble() < dropout.Rate ? 0 : keep).ToArray();
        }
        return masks;
    }

    private static IEnumerable<int> Sample(int length, Random random) =>
        length <= SamplesPerTensor ? Enumerable.Range(0, length) : Enumerable.Range(0, SamplesPerTensor).Select(_ => random.Next(length)).Distinct().ToList();

    /// <summary>(L(p + h) - L(p - h)) / 2h, restoring p; and whether either side left the linear piece of the base point.</summary>
    private static (double Value, bool Kink) CentralDifference(RefNetwork network, RefTensors tensors, double[] inputs, int batch,
        RefTargets targets, bool training, Dictionary<string, double[]>? masks, long signature, Action<double> nudge)
    {
        nudge(H);
        var plus = ReferenceInterpreter.Run(network, tensors, inputs, batch, targets, training, backward: false, masks);
        nudge(-2 * H);
        var minus = ReferenceInterpreter.Run(network, tensors, inputs, batch, targets, training, backward: false, masks);
        nudge(H);
        bool kink = plus.KinkSignature != signature || minus.KinkSignature != signature;
        return ((plus.Loss - minus.Loss) / (2 * H), kink);
    }

    private static void Judge(string tensor, int index, double fd, double analytic, List<string> problems)
    {
        double allowed = Relative * Math.Max(Math.Abs(analytic), SmallGradient);
        if (!(Math.Abs(fd - analytic) <= allowed))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"d loss / d {tensor}[{index}]: backward {analytic:G10}, central difference {fd:G10}, |diff| {Math.Abs(fd - analytic):G3} > {allowed:G3}"));
        }
    }
}
