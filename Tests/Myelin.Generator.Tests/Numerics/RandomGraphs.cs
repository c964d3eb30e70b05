using System.Globalization;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Seeded random graph networks (DAGs) for the generated-versus-reference and finite-difference tests: chains mixed
/// with residual blocks (<c>Add</c> of two or three inputs, shapes equal by construction: dense layers of the same width,
/// 'Same'-padded convolutions with as many filters as channels), <c>Concat</c> of branches of different widths, skip
/// connections across several layers, values read by two or three layers, branches from the network's input, batch
/// norm, dropout, activations after merges, sometimes a layer nothing reads (pruned, MYL0102), and a head for every
/// loss (including a merge as the last layer, with an absorbed sigmoid or softmax). Every network is valid and small.
/// </summary>
internal static class RandomGraphs
{
    private static readonly Activation[] ElementWise = { Activation.ReLU, Activation.LeakyReLU, Activation.Sigmoid, Activation.Tanh };

    /// <summary>The warning a network with a layer nothing reads gets; the graph tests allow it.</summary>
    public static readonly string[] AllowedWarnings = { "MYL0102" };

    /// <summary>A random DAG over vectors: dense layers, BatchNorm1D, dropout, activations, Add and Concat.</summary>
    public static RefNetwork Dense(int seed, string className, Loss loss)
    {
        var random = new Random(seed);
        var g = new Builder(random, new[] { random.Next(2, 13) });
        int blocks = random.Next(1, 4);
        for (int b = 0; b < blocks; b++) Block(g, image: false);
        Head(g, loss);
        return g.Build(className, loss);
    }

    /// <summary>
    /// A random DAG over images: 'Same' and strided convolutions, pooling, BatchNorm2D, dropout, activations, residual
    /// Adds and channel Concats (also with the input), then global pooling or a flatten, sometimes vector blocks, and a head
    /// (or, for MSE and binary cross-entropy, sometimes the image itself).
    /// </summary>
    public static RefNetwork Conv(int seed, string className, Loss loss)
    {
        var random = new Random(seed);
        var g = new Builder(random, new[] { random.Next(1, 4), random.Next(3, 8), random.Next(3, 8) });
        g.Append(RandomNetworks.RandomConv(random, g.CurrentShape) with { Padding = Padding.Same, PaddingSize = 0, Stride = 1 });
        int blocks = random.Next(1, 4);
        for (int b = 0; b < blocks; b++) Block(g, image: true);

        bool imageOutput = loss != Loss.SoftmaxCrossEntropy && random.Next(4) == 0;
        if (imageOutput)
        {
            // A merge can end the network: its sum or join is the output (logits, or through an absorbed sigmoid).
            if (random.Next(2) == 0) Residual(g, image: true);
            if (loss == Loss.BinaryCrossEntropy && (EndsInActivation(g) || random.Next(2) == 0)) g.Append(new RefActivation(Activation.Sigmoid));
            return g.Build(className, loss);
        }
        switch (random.Next(3))
        {
            case 0:
                g.Append(new RefGlobalAvgPool2D());
                break;
            case 1:
                // A flatten is a view of the image value: later merges may read it beside a dense layer's output.
                g.Append(new RefFlatten());
                break;
            default:
                // Global pooling and a flatten of the same image, joined: both add to its gradient.
                string x = g.Current;
                string pooled = g.Append(new RefGlobalAvgPool2D());
                string flat = g.Append(new RefFlatten { From = x });
                g.Append(new RefConcat(random.Next(2) == 0 ? new[] { pooled, flat } : new[] { flat, pooled }));
                break;
        }
        if (random.Next(2) == 0) Block(g, image: false);
        Head(g, loss);
        return g.Build(className, loss);
    }

    // ---- Blocks: each starts from the builder's current value and leaves its output as the current value ----

    /// <summary>
    /// One block from the current value: a plain layer (for images one that changes the height and width, so that
    /// earlier values no longer fit a merge with what follows), a residual block, branches joined by a Concat, a long
    /// skip, or (images) a downsampling merge; then sometimes a layer nothing reads.
    /// </summary>
    private static void Block(Builder g, bool image)
    {
        switch (g.Random.Next(image ? 8 : 6))
        {
            case 7 when Math.Min(g.CurrentShape[1], g.CurrentShape[2]) >= 3:
                Downsample(g);
                break;
            case 0 when image:
                var shape = g.CurrentShape;
                if (Math.Min(shape[1], shape[2]) >= 4 && g.Random.Next(2) == 0)
                    g.Append(new RefPool2D(g.Random.Next(2) == 0, 2));
                else
                    g.Append(RandomNetworks.RandomConv(g.Random, shape));
                ChainExtras(g, image);
                break;
            case 0:
                g.Append(new RefDense(g.Random.Next(1, 17), RandomActivation(g.Random), Bias: g.Random.Next(4) != 0));
                ChainExtras(g, image);
                break;
            case 1 or 2:
                Residual(g, image);
                break;
            case 3 or 4:
                Branches(g, image);
                break;
            default:
                LongSkip(g, image);
                break;
        }
        MaybeDeadLayer(g, image);
    }

    /// <summary>
    /// <c>y = f(x + branch(x) [+ other])</c>: a branch of one to three layers ending in as many units or filters as x
    /// has, a third input half the time (a second branch from x, so x has three readers, or an earlier value or the
    /// network input of x's shape), and an activation on the sum or after it.
    /// </summary>
    private static void Residual(Builder g, bool image)
    {
        string x = g.Current;
        var shape = g.CurrentShape;
        var inputs = new List<string> { x, Branch(g, x, shape, image) };
        if (g.Random.Next(2) == 0)
        {
            var others = g.ValuesOfShape(shape).Where(v => !inputs.Contains(v)).ToList();
            inputs.Add(others.Count > 0 && g.Random.Next(2) == 0 ? others[g.Random.Next(others.Count)] : Branch(g, x, shape, image));
        }
        Shuffle(g.Random, inputs);
        var activation = g.Random.Next(3) == 0 ? Activation.None : ElementWise[g.Random.Next(4)];
        g.Append(new RefAdd(inputs, activation, NegativeSlope: activation == Activation.LeakyReLU ? RandomNetworks.Slope(g.Random) : 0.01f));
        if (g.Random.Next(4) == 0) ChainExtras(g, image);
    }

    /// <summary>One to three layers from <paramref name="from"/> that end in <paramref name="shape"/>; returns the last one's name.</summary>
    private static string Branch(Builder g, string from, int[] shape, bool image)
    {
        int length = g.Random.Next(1, 4);
        string last = from;
        for (int k = 0; k < length; k++)
        {
            bool final = k == length - 1;
            RefLayer layer = g.Random.Next(5) switch
            {
                0 or 1 when image => SameConv(g.Random, final ? shape[0] : g.Random.Next(1, 5)),
                0 or 1 => new RefDense(final ? shape[0] : g.Random.Next(1, 17), RandomActivation(g.Random), Bias: g.Random.Next(4) != 0),
                2 => new RefBatchNorm(image ? 2 : 1, Momentum: g.Random.Next(2) == 0 ? 0.1f : (float)Math.Round(g.Random.NextDouble(), 2)),
                3 => RandomNetworks.StandAlone(g.Random, allowSoftmax: false),
                _ => new RefDropout((float)Math.Round(g.Random.NextDouble() * 0.6, 2)),
            };
            // The final layer must give x's shape back: a batch norm, activation or dropout keeps the shape it reads.
            if (final && layer is RefBatchNorm or RefActivation or RefDropout && !g.ShapeOf(last).SequenceEqual(shape))
                layer = image ? SameConv(g.Random, shape[0]) : new RefDense(shape[0]);
            last = g.Append(layer with { From = last == g.Last ? null : last });
        }
        return last;
    }

    /// <summary>
    /// <c>Concat</c> of two or three branches of different widths: from x, from an earlier value of x's height and width,
    /// or from the network input; one of them may be x itself (or a flatten of an image value, for vectors).
    /// </summary>
    private static void Branches(Builder g, bool image)
    {
        string x = g.Current;
        var shape = g.CurrentShape;
        int count = g.Random.Next(2, 4);
        var inputs = new List<string>();
        for (int k = 0; k < count; k++)
        {
            int choice = g.Random.Next(6);
            if (choice == 0 && !inputs.Contains(x))
            {
                inputs.Add(x);
                continue;
            }
            string from = x;
            if (choice == 1)
            {
                var sources = image ? g.ValuesOfSize(shape[1], shape[2]) : g.Vectors();
                from = sources[g.Random.Next(sources.Count)];
            }
            // For vectors, sometimes a softmax of the source itself: its Jacobian-vector product, added to another reader's.
            RefLayer layer = image ? SameConv(g.Random, g.Random.Next(1, 5))
                : choice == 2 ? new RefActivation(Activation.Softmax)
                : new RefDense(g.Random.Next(1, 13), RandomActivation(g.Random));
            string end = g.Append(layer with { From = from == g.Last ? null : from });
            if (g.Random.Next(3) == 0) end = g.Append(new RefBatchNorm(image ? 2 : 1));
            inputs.Add(end);
        }
        if (!image && g.Random.Next(3) == 0 && g.Flattened().FirstOrDefault(v => !inputs.Contains(v)) is { } flat) inputs.Add(flat);
        Shuffle(g.Random, inputs);
        g.Append(new RefConcat(inputs));
        if (g.Random.Next(3) == 0) g.Append(RandomNetworks.StandAlone(g.Random, allowSoftmax: false));
    }

    /// <summary>
    /// Two or three of a max pool, an average pool and a convolution of one window geometry (2x2 stride 2, or overlapping
    /// 3x3 stride 1) read the same value and are summed or joined, as in a ResNet's downsampling shortcut: the pools'
    /// backward passes must add to a gradient another reader wrote.
    /// </summary>
    private static void Downsample(Builder g)
    {
        string x = g.Current;
        int channels = g.CurrentShape[0];
        var (kernel, stride) = g.Random.Next(2) == 0 ? (2, 2) : (3, 1);
        bool add = g.Random.Next(2) == 0;
        var paths = new List<RefLayer>
        {
            new RefPool2D(Max: true, kernel, stride == kernel ? 0 : stride),
            new RefPool2D(Max: false, kernel, stride == kernel ? 0 : stride),
            new RefConv2D(add ? channels : g.Random.Next(1, 5), kernel, RandomActivation(g.Random), Stride: stride, Bias: g.Random.Next(2) == 0),
        };
        Shuffle(g.Random, paths);
        var inputs = paths.Take(g.Random.Next(2, 4)).Select(layer => g.Append(layer with { From = x == g.Last ? null : x })).ToList();
        g.Append(add ? new RefAdd(inputs, RandomActivation(g.Random)) : new RefConcat(inputs));
    }

    /// <summary>A skip across several layers: two to four shape-keeping layers, then <c>Add(start, end)</c>.</summary>
    private static void LongSkip(Builder g, bool image)
    {
        string start = g.Current;
        var shape = g.CurrentShape;
        int length = g.Random.Next(2, 5);
        for (int k = 0; k < length; k++)
        {
            RefLayer layer = g.Random.Next(4) switch
            {
                0 or 1 => image ? SameConv(g.Random, shape[0]) : new RefDense(shape[0], RandomActivation(g.Random)),
                2 => new RefBatchNorm(image ? 2 : 1),
                _ => RandomNetworks.StandAlone(g.Random, allowSoftmax: false),
            };
            g.Append(layer);
        }
        // Half the time the skip starts at the network input, when it has this shape.
        if (g.InputShape.SequenceEqual(shape) && g.Random.Next(2) == 0) start = "input";
        g.Append(new RefAdd(new[] { start, g.Current }, g.Random.Next(2) == 0 ? Activation.ReLU : Activation.None));
    }

    /// <summary>Sometimes a batch norm, activation or dropout after a layer.</summary>
    private static void ChainExtras(Builder g, bool image)
    {
        if (g.Random.Next(3) == 0) g.Append(new RefBatchNorm(image ? 2 : 1));
        if (g.Random.Next(4) == 0) g.Append(RandomNetworks.StandAlone(g.Random, allowSoftmax: false));
        if (g.Random.Next(5) == 0) g.Append(new RefDropout((float)Math.Round(g.Random.NextDouble() * 0.6, 2)));
    }

    /// <summary>
    /// One time in eight, a layer that reads the current value but that nothing reads: the generator warns (MYL0102) and
    /// never runs it, the reference skips it too, and it keeps its parameters (with zero gradients) and its statistics.
    /// </summary>
    private static void MaybeDeadLayer(Builder g, bool image)
    {
        if (g.Random.Next(8) != 0) return;
        string x = g.Current;
        g.Append(g.Random.Next(3) switch
        {
            0 => new RefBatchNorm(image ? 2 : 1),
            1 => new RefDropout(0.5f),
            _ => image ? SameConv(g.Random, 2) : new RefDense(3, Activation.Tanh),
        });
        g.Current = x;
    }

    /// <summary>The last layers, valid for <paramref name="loss"/>: a dense head, or two heads summed (or joined, for MSE).</summary>
    private static void Head(Builder g, Loss loss)
    {
        int units = loss == Loss.SoftmaxCrossEntropy ? g.Random.Next(2, 7) : g.Random.Next(1, 6);
        if (g.Random.Next(3) != 0)
        {
            g.Append(new RefDense(units, loss switch
            {
                Loss.SoftmaxCrossEntropy => g.Random.Next(2) == 0 ? Activation.Softmax : Activation.None,
                Loss.BinaryCrossEntropy => g.Random.Next(2) == 0 ? Activation.Sigmoid : Activation.None,
                _ => RandomActivation(g.Random),
            }));
            return;
        }
        // Two heads from different values, merged as the last layer.
        string x = g.Current;
        var sources = g.Vectors();
        string other = sources[g.Random.Next(sources.Count)];
        string a = g.Append(new RefDense(units) { From = x == g.Last ? null : x });
        string b = g.Append(new RefDense(units, Bias: false) { From = other });
        if (loss == Loss.MeanSquaredError && g.Random.Next(2) == 0)
        {
            g.Append(new RefConcat(new[] { a, b }));
            return;
        }
        var activation = loss switch
        {
            Loss.BinaryCrossEntropy => g.Random.Next(2) == 0 ? Activation.Sigmoid : Activation.None,
            Loss.MeanSquaredError => RandomActivation(g.Random),
            _ => Activation.None,
        };
        g.Append(new RefAdd(new[] { a, b }, activation));
        if (loss == Loss.SoftmaxCrossEntropy && g.Random.Next(2) == 0) g.Append(new RefActivation(Activation.Softmax));
        if (loss == Loss.BinaryCrossEntropy && activation == Activation.None && g.Random.Next(2) == 0) g.Append(new RefActivation(Activation.Sigmoid));
    }

    private static bool EndsInActivation(Builder g) =>
        g.CurrentLayer is RefActivation or RefConv2D { Activation: not Activation.None } or RefAdd { Activation: not Activation.None };

    private static RefConv2D SameConv(Random random, int filters)
    {
        var activation = RandomActivation(random);
        return new RefConv2D(filters, random.Next(1, 4), activation, Padding: Padding.Same, Bias: random.Next(4) != 0,
            NegativeSlope: activation == Activation.LeakyReLU ? RandomNetworks.Slope(random) : 0.01f);
    }

    private static Activation RandomActivation(Random random) => random.Next(3) == 0 ? Activation.None : ElementWise[random.Next(4)];

    private static void Shuffle<T>(Random random, List<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// Grows a network layer by layer, tracking each layer's name (the generator's default names) and shape, and the
    /// "current" value that the next block starts from (usually, but not always, the last layer).
    /// </summary>
    private sealed class Builder
    {
        private readonly List<RefLayer> _layers = new();
        private readonly List<string> _names = new();
        private readonly Dictionary<string, int[]> _shapes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly HashSet<string> _flattens = new(StringComparer.Ordinal);

        public Builder(Random random, int[] input)
        {
            Random = random;
            InputShape = input;
            _shapes["input"] = input;
            Current = "input";
        }

        public Random Random { get; }

        public int[] InputShape { get; }

        /// <summary>The value the next block reads.</summary>
        public string Current { get; set; }

        public int[] CurrentShape => _shapes[Current];

        /// <summary>The last layer's name: a layer without <c>From</c> reads it.</summary>
        public string Last => _names.Count == 0 ? "input" : _names[^1];

        /// <summary>The layer whose output is the current value, or null for the input.</summary>
        public RefLayer? CurrentLayer => _names.IndexOf(Current) is >= 0 and var i ? _layers[i] : null;

        public int[] ShapeOf(string name) => _shapes[name];

        /// <summary>
        /// Appends a layer; a layer without <c>From</c> that is not a merge reads <see cref="Current"/> (so the builder
        /// adds <c>From</c> when the current value is not the last layer). Returns its name, now the current value.
        /// </summary>
        public string Append(RefLayer layer)
        {
            if (layer is not RefMerge && layer.From is null && Current != Last) layer = layer with { From = Current };
            // A batch norm of a batch norm normalises features that are already normalised, and where they were nearly
            // constant it amplifies float rounding by 1/sqrt(eps) twice: ill-conditioned, so a tanh takes its place.
            if (layer is RefBatchNorm && _layers.ElementAtOrDefault(_names.IndexOf(layer.From ?? Last)) is RefBatchNorm)
                layer = new RefActivation(Activation.Tanh) { From = layer.From };
            _counts.TryGetValue(layer.NamePrefix, out int count);
            _counts[layer.NamePrefix] = ++count;
            string name = layer.Name ?? layer.NamePrefix + count.ToString(CultureInfo.InvariantCulture);
            var reads = layer is RefMerge merge ? merge.Inputs : new[] { layer.From ?? Last };
            _shapes[name] = layer.OutputShapeFrom(reads.Select(r => _shapes[r]).ToList());
            if (layer is RefFlatten) _flattens.Add(name);
            _layers.Add(layer);
            _names.Add(name);
            Current = name;
            return name;
        }

        /// <summary>Every value (layer outputs and the input) of exactly this shape.</summary>
        public List<string> ValuesOfShape(int[] shape) => _shapes.Where(p => p.Value.SequenceEqual(shape)).Select(p => p.Key).ToList();

        /// <summary>Every image value of this height and width.</summary>
        public List<string> ValuesOfSize(int height, int width) =>
            _shapes.Where(p => p.Value.Length == 3 && p.Value[1] == height && p.Value[2] == width).Select(p => p.Key).ToList();

        /// <summary>Every vector value (at least the current one when the current value is a vector).</summary>
        public List<string> Vectors() => _shapes.Where(p => p.Value.Length == 1).Select(p => p.Key).ToList();

        /// <summary>The flatten views among the values.</summary>
        public IEnumerable<string> Flattened() => _flattens;

        public RefNetwork Build(string className, Loss loss)
        {
            // The output is the last layer: if a layer nothing reads came last, end with an activation of the current
            // value that the loss accepts (only image outputs get here: dense heads always come last).
            if (Current != Last) Append(new RefActivation(loss == Loss.BinaryCrossEntropy ? Activation.Sigmoid : Activation.Tanh));
            return new RefNetwork(className, loss, InputShape, _layers.ToList());
        }
    }
}
