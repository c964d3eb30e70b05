using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Seeded random networks for the generated-versus-reference and finite-difference tests. Every network is valid
/// (the generator must accept it) and small, so that hundreds of them generate, compile and run in seconds.
/// </summary>
internal static class RandomNetworks
{
    private static readonly Activation[] ElementWise = { Activation.ReLU, Activation.LeakyReLU, Activation.Sigmoid, Activation.Tanh };

    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    /// <summary>A random LeakyReLU slope in [0, 0.5] with three decimals, e.g. 0.137.</summary>
    public static float Slope(Random random) => (float)Math.Round(random.NextDouble() * 0.5, 3);

    private static Activation AnyActivation(Random random, bool allowSoftmax) =>
        random.Next(allowSoftmax ? 7 : 6) switch
        {
            0 or 1 => Activation.None,
            6 => Activation.Softmax,
            int n => ElementWise[n - 2],
        };

    /// <summary>
    /// A multi-layer perceptron: 1 to 4 dense layers of 1 to 40 units with random activations (in the layer or as
    /// stand-alone layers), biases on or off, sometimes a dropout (run in eval mode), and a head that fits the loss:
    /// logits or a softmax for cross-entropy, logits or a sigmoid for binary cross-entropy, anything for MSE.
    /// </summary>
    public static RefNetwork Dense(int seed, string className, Loss? loss = null)
    {
        var random = new Random(seed);
        var chosenLoss = loss ?? Losses[random.Next(Losses.Length)];
        int inputs = random.Next(1, 41);
        int depth = random.Next(1, 5);
        var layers = new List<RefLayer>();
        for (int d = 0; d < depth - 1; d++)
        {
            var activation = AnyActivation(random, allowSoftmax: true);
            layers.Add(new RefDense(random.Next(1, 41), activation, Bias: random.Next(4) != 0,
                NegativeSlope: activation == Activation.LeakyReLU ? Slope(random) : 0.01f));
            if (random.Next(4) == 0) layers.Add(StandAlone(random, allowSoftmax: true));
            if (random.Next(8) == 0) layers.Add(new RefDropout((float)Math.Round(random.NextDouble() * 0.8, 2)));
        }
        layers.AddRange(Head(random, chosenLoss));
        return new RefNetwork(className, chosenLoss, new[] { inputs }, layers);
    }

    /// <summary>The last dense layer and what follows it, valid for <paramref name="loss"/>.</summary>
    private static IEnumerable<RefLayer> Head(Random random, Loss loss)
    {
        bool bias = random.Next(4) != 0;
        switch (loss)
        {
            case Loss.SoftmaxCrossEntropy:
                int classes = random.Next(2, 11);
                switch (random.Next(3))
                {
                    case 0: return new RefLayer[] { new RefDense(classes, Bias: bias) };
                    case 1: return new RefLayer[] { new RefDense(classes, Activation.Softmax, Bias: bias) };
                    default: return new RefLayer[] { new RefDense(classes, Bias: bias), new RefActivation(Activation.Softmax) };
                }
            case Loss.BinaryCrossEntropy:
                int logits = random.Next(1, 11);
                switch (random.Next(3))
                {
                    case 0: return new RefLayer[] { new RefDense(logits, Bias: bias) };
                    case 1: return new RefLayer[] { new RefDense(logits, Activation.Sigmoid, Bias: bias) };
                    default: return new RefLayer[] { new RefDense(logits, Bias: bias), new RefActivation(Activation.Sigmoid) };
                }
            default:
                int outputs = random.Next(1, 11);
                var activation = AnyActivation(random, allowSoftmax: true);
                var dense = new RefDense(outputs, activation, Bias: bias, NegativeSlope: activation == Activation.LeakyReLU ? Slope(random) : 0.01f);
                return random.Next(3) == 0 ? new RefLayer[] { dense, StandAlone(random, allowSoftmax: true) } : new RefLayer[] { dense };
        }
    }

    /// <summary>A stand-alone activation layer; LeakyReLU gets a random slope.</summary>
    public static RefActivation StandAlone(Random random, bool allowSoftmax)
    {
        int n = random.Next(allowSoftmax ? 5 : 4);
        if (n == 4) return new RefActivation(Activation.Softmax);
        var kind = ElementWise[n];
        return new RefActivation(kind, kind == Activation.LeakyReLU ? Slope(random) : 0.01f);
    }

    /// <summary>
    /// A small convolutional network: a C x H x W input (C 1-4, H and W 3-10), one to three of Conv2D (1-4 filters,
    /// kernel 1-5, stride 1-3, valid, same or explicit padding), max or average pooling, BatchNorm2D, stand-alone
    /// activations and dropout, then global average pooling or a flatten with an optional dense head. MSE and binary
    /// cross-entropy sometimes take the image output itself.
    /// </summary>
    public static RefNetwork Conv(int seed, string className, Loss? loss = null, bool allowBatchNorm = true, bool allowDropout = true)
    {
        var random = new Random(seed);
        var chosenLoss = loss ?? Losses[random.Next(Losses.Length)];
        var shape = new[] { random.Next(1, 5), random.Next(3, 11), random.Next(3, 11) };
        var input = shape;
        var layers = new List<RefLayer>();
        int count = random.Next(1, 4);
        // The first layer is always a convolution, so that every network has weights below its pooling.
        for (int i = 0; i < count; i++)
        {
            RefLayer layer = (i == 0 ? 0 : random.Next(7)) switch
            {
                0 or 1 or 2 => RandomConv(random, shape),
                3 => RandomPool(random, shape, max: true),
                4 => RandomPool(random, shape, max: false),
                5 when allowBatchNorm => new RefBatchNorm(2, Momentum: random.Next(2) == 0 ? 0.1f : (float)Math.Round(random.NextDouble(), 2)),
                5 => StandAlone(random, allowSoftmax: false),
                _ when allowDropout && random.Next(2) == 0 => new RefDropout((float)Math.Round(random.NextDouble() * 0.8, 2)),
                _ => StandAlone(random, allowSoftmax: false),
            };
            layers.Add(layer);
            shape = layer.OutputShape(shape);
        }

        bool imageOutput = chosenLoss != Loss.SoftmaxCrossEntropy && random.Next(4) == 0;
        if (imageOutput)
        {
            // Binary cross-entropy takes logits or an absorbed sigmoid, nothing else.
            if (chosenLoss == Loss.BinaryCrossEntropy && (EndsInActivation(layers) || random.Next(2) == 0))
                layers.Add(new RefActivation(Activation.Sigmoid));
            return new RefNetwork(className, chosenLoss, input, layers);
        }
        if (random.Next(2) == 0) layers.Add(new RefGlobalAvgPool2D());
        else layers.Add(new RefFlatten());
        bool denseHead = chosenLoss == Loss.SoftmaxCrossEntropy || random.Next(3) != 0;
        if (denseHead)
        {
            if (random.Next(3) == 0) layers.Add(new RefDense(random.Next(1, 13), ElementWise[random.Next(4)]));
            layers.AddRange(Head(random, chosenLoss));
        }
        else if (chosenLoss == Loss.BinaryCrossEntropy && (EndsInActivation(layers) || random.Next(2) == 0))
        {
            layers.Add(new RefActivation(Activation.Sigmoid));
        }
        return new RefNetwork(className, chosenLoss, input, layers);
    }

    /// <summary>Whether the last layer that is not a flatten ends in an activation (so a loss would see its output, not logits).</summary>
    private static bool EndsInActivation(List<RefLayer> layers) =>
        layers.LastOrDefault(l => l is not RefFlatten) is RefActivation or RefConv2D { Activation: not Activation.None };

    /// <summary>A convolution that fits <paramref name="shape"/>: valid, same (stride 1) or explicit padding up to k/2 (PyTorch's limit).</summary>
    public static RefConv2D RandomConv(Random random, int[] shape)
    {
        int filters = random.Next(1, 5);
        var activation = random.Next(2) == 0 ? Activation.None : ElementWise[random.Next(4)];
        float slope = activation == Activation.LeakyReLU ? Slope(random) : 0.01f;
        bool bias = random.Next(4) != 0;
        int smallest = Math.Min(shape[1], shape[2]);
        switch (random.Next(3))
        {
            case 0:
                int k = random.Next(1, Math.Min(5, smallest) + 1);
                return new RefConv2D(filters, k, activation, Stride: random.Next(1, 4), Bias: bias, NegativeSlope: slope);
            case 1:
                return new RefConv2D(filters, random.Next(1, 6), activation, Padding: Padding.Same, Bias: bias, NegativeSlope: slope);
            default:
                int kernel = random.Next(2, 6);
                int padding = random.Next(1, kernel / 2 + 1);
                if (smallest + 2 * padding < kernel) kernel = smallest + 2 * padding;
                return new RefConv2D(filters, kernel, activation, Stride: random.Next(1, 4), PaddingSize: padding, Bias: bias, NegativeSlope: slope);
        }
    }

    private static RefPool2D RandomPool(Random random, int[] shape, bool max)
    {
        int kernel = random.Next(1, Math.Min(3, Math.Min(shape[1], shape[2])) + 1);
        int stride = random.Next(3) == 0 ? 0 : random.Next(1, 4);
        return new RefPool2D(max, kernel, stride);
    }

    /// <summary>A batch size from the set that matters: 1, odd sizes and the capacity (8).</summary>
    public static int BatchSize(Random random) => new[] { 1, 2, 3, 5, 7, 8 }[random.Next(6)];
}
