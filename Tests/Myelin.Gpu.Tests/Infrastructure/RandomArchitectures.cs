using System.Globalization;
using System.Text;

namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>
/// Seeded random network declarations, valid by construction: an image network (convolutions of every padding and
/// stride, now and then a pair wide enough to run as an implicit GEMM, pooling, batch norm, stand-alone activations,
/// dropout, residual Adds and channel Concats) or a vector network (dense layers, batch norm, dropout, Adds and feature
/// Concats), ending in a dense head that fits a random loss. Every layer is named, so that merges can read any of them.
/// </summary>
internal static class RandomArchitectures
{
    internal static readonly string[] Activations = { "None", "ReLU", "LeakyReLU", "Sigmoid", "Tanh" };

    public static string Source(int seed, string className)
    {
        var random = new Random(seed);
        var names = new List<string> { "input" };
        var shapes = new List<int[]>();
        var lines = new List<string>();
        string loss = Loss(random);
        bool image = random.Next(3) != 0;
        shapes.Add(image ? new[] { random.Next(1, 4), random.Next(5, 9), random.Next(5, 9) } : new[] { random.Next(3, 13) });
        lines.Add($"[Input({string.Join(", ", shapes[0])})]");

        // Adds a layer: its attribute (without the name, which is added here) and its output shape.
        void Add(string kind, string arguments, int[] output)
        {
            string name = "l" + names.Count.ToString(CultureInfo.InvariantCulture);
            lines.Add($"[{kind}({arguments}{(arguments.Length == 0 ? "" : ", ")}Name = \"{name}\")]");
            names.Add(name);
            shapes.Add(output);
        }
        string Activation() => Activations[random.Next(Activations.Length)];
        string Bias() => random.Next(4) == 0 ? ", Bias = false" : "";
        string? SameShapeAs(int[] shape)
        {
            var partners = Enumerable.Range(0, names.Count - 1).Where(i => shapes[i].SequenceEqual(shape)).ToList();
            return partners.Count == 0 ? null : names[partners[random.Next(partners.Count)]];
        }

        int blocks = random.Next(3, 7);
        for (int b = 0; b < blocks; b++)
        {
            var last = shapes[^1];
            string previous = names[^1];
            int choice = random.Next(11);
            if (image)
            {
                int c = last[0], h = last[1], w = last[2];
                if (choice < 3)
                {
                    int filters = random.Next(2, 7), kernel = random.Next(1, Math.Min(4, Math.Min(h, w) + 1));
                    if (random.Next(2) == 0)
                    {
                        Add("Conv2D", $"{filters}, {kernel}, Activation.{Activation()}, Padding = Padding.Same{Bias()}", new[] { filters, h, w });
                    }
                    else
                    {
                        int stride = random.Next(1, 3), pad = random.Next(0, 2);
                        int oh = (h + 2 * pad - kernel) / stride + 1, ow = (w + 2 * pad - kernel) / stride + 1;
                        Add("Conv2D", $"{filters}, {kernel}, Activation.{Activation()}, Stride = {stride}, PaddingSize = {pad}{Bias()}", new[] { filters, oh, ow });
                    }
                }
                else if (choice == 3)
                {
                    // 8 channels, then 17 or more filters of 3x3: over 1024 weights, the implicit-GEMM path.
                    Add("Conv2D", $"8, 3, Activation.{Activation()}, Padding = Padding.Same", new[] { 8, h, w });
                    int filters = random.Next(17, 24);
                    Add("Conv2D", $"{filters}, 3, Activation.{Activation()}, Padding = Padding.Same{Bias()}", new[] { filters, h, w });
                }
                else if (choice == 4 && h >= 4 && w >= 4)
                {
                    if (random.Next(2) == 0) Add("MaxPool2D", "2", new[] { c, h / 2, w / 2 });
                    else Add("AvgPool2D", "2, Stride = 1", new[] { c, h - 1, w - 1 });
                }
                else if (choice == 5)
                {
                    Add("BatchNorm2D", "", last);
                }
                else if (choice == 6)
                {
                    if (random.Next(2) == 0) Add("Dropout", "0.25f", last);
                    else Add(Activations[random.Next(1, Activations.Length)], "", last);
                }
                else if (choice is 7 or 9)
                {
                    // A residual block: an earlier layer of this shape, or a new same-padded branch, added to the last.
                    string partner = SameShapeAs(last) ?? "";
                    if (partner.Length == 0 || choice == 9)
                    {
                        Add("Conv2D", $"{c}, 3, Activation.{Activation()}, Padding = Padding.Same{Bias()}", last);
                        partner = names[^1];
                    }
                    Add("Add", $"\"{previous}\", \"{partner}\", Activation = Activation.{Activation()}", last);
                }
                else if (choice == 8)
                {
                    var candidates = Enumerable.Range(0, names.Count).Where(i => shapes[i].Length == 3 && shapes[i][1] == h && shapes[i][2] == w).ToList();
                    int other = candidates[random.Next(candidates.Count)];
                    Add("Concat", $"\"{previous}\", \"{names[other]}\"", new[] { c + shapes[other][0], h, w });
                }
            }
            else
            {
                if (choice < 5)
                {
                    int units = random.Next(2, 14);
                    Add("Dense", $"{units}, Activation.{Activation()}{Bias()}", new[] { units });
                }
                else if (choice == 5)
                {
                    Add("BatchNorm1D", "", last);
                }
                else if (choice == 6)
                {
                    if (random.Next(2) == 0) Add("Dropout", "0.4f", last);
                    else Add(Activations[random.Next(1, Activations.Length)], "", last);
                }
                else if (choice is 7 or 9)
                {
                    string partner = SameShapeAs(last) ?? "";
                    if (partner.Length == 0 || choice == 9)
                    {
                        Add("Dense", $"{last[0]}, Activation.{Activation()}{Bias()}", last);
                        partner = names[^1];
                    }
                    Add("Add", $"\"{previous}\", \"{partner}\"", last);
                }
                else
                {
                    int other = random.Next(names.Count);
                    Add("Concat", $"\"{previous}\", \"{names[other]}\"", new[] { last[0] + shapes[other][0] });
                }
            }
        }
        if (shapes[^1].Length == 3)
        {
            var last = shapes[^1];
            if (random.Next(2) == 0) Add("Flatten", "", new[] { last[0] * last[1] * last[2] });
            else Add("GlobalAvgPool2D", "", new[] { last[0] });
        }
        int outputs = Outputs(random, loss);
        string head = loss switch
        {
            "SoftmaxCrossEntropy" => random.Next(2) == 0 ? ", Activation.Softmax" : "",
            "BinaryCrossEntropy" => random.Next(2) == 0 ? ", Activation.Sigmoid" : "",
            _ => random.Next(2) == 0 ? ", Activation.Tanh" : "",
        };
        lines.Add($"[Dense({outputs}{head})]");
        return Declaration(loss, lines, className);
    }

    /// <summary>A random loss, as a <c>Loss</c> member name.</summary>
    public static string Loss(Random random) => new[] { "SoftmaxCrossEntropy", "BinaryCrossEntropy", "MeanSquaredError" }[random.Next(3)];

    /// <summary>A random output width that fits the loss: two classes or more for the softmax, else one or more.</summary>
    public static int Outputs(Random random, string loss) => loss == "SoftmaxCrossEntropy" ? random.Next(2, 6) : random.Next(1, 4);

    /// <summary>The source of a network class <paramref name="className"/> in namespace <c>RandomNetworks</c>, from its loss and layer attributes.</summary>
    public static string Declaration(string loss, IEnumerable<string> layers, string className)
    {
        var text = new StringBuilder();
        text.AppendLine("using Myelin;").AppendLine().AppendLine("namespace RandomNetworks;").AppendLine();
        text.AppendLine($"[Network(Loss = Loss.{loss})]");
        foreach (string line in layers) text.AppendLine(line);
        text.AppendLine($"public partial class {className};");
        return text.ToString();
    }
}
