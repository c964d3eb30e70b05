using System.Globalization;
using System.Text;

namespace Myelin.Generator.Tests.Robustness;

/// <summary>
/// Seeded random network declarations that are always valid C# but often invalid networks. Half are built
/// shape-aware (each layer chosen to fit the current shape, so most compile), half are chaos (any layer, any argument:
/// zero and negative sizes, huge kernels, unknown enum values cast from numbers, odd names, wrong orders, no input,
/// no layers).
/// </summary>
internal sealed class RandomNetworks
{
    private static readonly string[] OddNames =
    {
        "hidden", "features.0", "0", "9lives", "_", "_x", "a.b", "a_B", "Input", "Output", "Run", "Parameters", "Loss", "Layers",
        "Forward", "bias", "class", "int", "dense1", "Dense1", "step", "seed", "x..y", ".lead", "trail.", "", "with space",
        "h\u00E9", "dense1Softmax", "dense1Logits", "dense1Output", "conv1Columns", "bn1Normalized", "EnsureBatchCapacity",
    };

    private static readonly string[] ActivationNames = { "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax" };

    private readonly Random _random;

    public RandomNetworks(int seed) => _random = new Random(seed);

    /// <summary>The declaration of class <c>Robust.Net{index}</c>.</summary>
    public string Next(int index)
    {
        bool chaos = _random.Next(2) == 0;
        var attributes = chaos ? Chaos() : ShapeAware();
        var text = new StringBuilder();
        text.AppendLine("using Myelin;");
        text.AppendLine();
        text.AppendLine("namespace Robust;");
        text.AppendLine();
        foreach (string attribute in attributes) text.AppendLine($"[{attribute}]");
        text.AppendLine($"public partial class Net{index};");
        return text.ToString();
    }

    private string Loss() => Pick(
        (30, "Loss.SoftmaxCrossEntropy"), (20, "Loss.BinaryCrossEntropy"), (20, "Loss.MeanSquaredError"), (25, "Loss.None"), (5, "(Loss)" + _random.Next(4, 40)));

    private List<string> ShapeAware()
    {
        var attributes = new List<string> { $"Network(Loss = {Loss()})" };
        int[] shape = _random.Next(2) == 0
            ? new[] { _random.Next(1, 65) }
            : new[] { _random.Next(1, 4), _random.Next(3, 17), _random.Next(3, 17) };
        attributes.Add($"Input({string.Join(", ", shape)})");
        int layers = _random.Next(1, 7);
        for (int i = 0; i < layers; i++)
        {
            if (shape.Length == 3)
            {
                int c = shape[0], h = shape[1], w = shape[2], small = Math.Min(h, w);
                switch (_random.Next(8))
                {
                    case 0:
                    case 1:
                    {
                        int filters = _random.Next(1, 9), k = _random.Next(1, Math.Min(small, 5) + 1);
                        string options = "";
                        int pad = 0, stride = 1;
                        switch (_random.Next(4))
                        {
                            case 0: options = ", Padding = Padding.Same"; pad = -1; break;
                            case 1: pad = _random.Next(0, 3); stride = _random.Next(1, 3); options = $", Stride = {stride}, PaddingSize = {pad}"; break;
                            case 2: options = ", Bias = false"; break;
                        }
                        attributes.Add($"Conv2D({filters}, {k}, {ActivationArgument()}{options}{NameOption()})");
                        if (pad < 0) shape = new[] { filters, h, w };
                        else shape = new[] { filters, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1 };
                        break;
                    }
                    case 2:
                    {
                        int k = _random.Next(1, Math.Min(small, 3) + 1);
                        string kind = _random.Next(2) == 0 ? "MaxPool2D" : "AvgPool2D";
                        attributes.Add($"{kind}({k}{NameOption()})");
                        shape = new[] { c, h / k, w / k };
                        break;
                    }
                    case 3: attributes.Add($"BatchNorm2D{Parenthesised(NameOption())}"); break;
                    case 4: attributes.Add(StandAloneActivation(image: true)); break;
                    case 5: attributes.Add($"Dropout({Rate()}f{NameOption()})"); break;
                    case 6: attributes.Add($"GlobalAvgPool2D{Parenthesised(NameOption())}"); shape = new[] { c }; break;
                    default: attributes.Add("Flatten"); shape = new[] { c * h * w }; break;
                }
            }
            else
            {
                switch (_random.Next(6))
                {
                    case 0:
                    case 1:
                    case 2:
                        int units = _random.Next(1, 33);
                        string bias = _random.Next(5) == 0 ? ", Bias = false" : "";
                        string init = _random.Next(5) == 0 ? $", WeightInit = Init.{Pick((1, "KaimingNormal"), (1, "XavierUniform"), (1, "Zeros"), (1, "Ones"))}" : "";
                        attributes.Add($"Dense({units}, {ActivationArgument()}{bias}{init}{NameOption()})");
                        shape = new[] { units };
                        break;
                    case 3: attributes.Add($"BatchNorm1D{Parenthesised(NameOption())}"); break;
                    case 4: attributes.Add(StandAloneActivation(image: false)); break;
                    default: attributes.Add($"Dropout({Rate()}f{NameOption()})"); break;
                }
            }
        }
        return attributes;
    }

    private List<string> Chaos()
    {
        var attributes = new List<string>();
        if (_random.Next(10) > 0) attributes.Add(_random.Next(3) == 0 ? "Network" : $"Network(Loss = {Loss()})");
        else attributes.Add("Network(Loss = (Loss)(" + _random.Next(-3, 9) + "))");
        if (_random.Next(10) > 0)
        {
            int rank = Pick((1, 0), (6, 1), (2, 2), (8, 3), (1, 4));
            attributes.Add("Input" + (rank == 0 ? "" : "(" + string.Join(", ", Enumerable.Range(0, rank).Select(_ => Size())) + ")"));
        }
        int layers = _random.Next(0, 9);
        for (int i = 0; i < layers; i++)
        {
            string name = NameOption(chaos: true);
            string layer = _random.Next(14) switch
            {
                0 or 1 => $"Dense({Size()}, {ChaosActivation()}{ChaosDenseOptions()}{name})",
                2 or 3 => $"Conv2D({Size()}, {Kernel()}, {ChaosActivation()}{ChaosConvOptions()}{name})",
                4 => $"MaxPool2D({Kernel()}{(_random.Next(3) == 0 ? ", Stride = " + _random.Next(-1, 4) : "")}{name})",
                5 => $"AvgPool2D({Kernel()}{(_random.Next(3) == 0 ? ", Stride = " + _random.Next(-1, 4) : "")}{name})",
                6 => $"GlobalAvgPool2D{Parenthesised(name)}",
                7 => $"Flatten{Parenthesised(name)}",
                8 => $"Dropout({Pick((3, Rate()), (1, "1"), (1, "-0.5"), (1, "float.NaN"), (1, "2"))}f{name})".Replace("float.NaNf", "float.NaN", StringComparison.Ordinal),
                9 => "BatchNorm1D" + Parenthesised(Pick((3, ""), (1, ", Momentum = 1.5f"), (1, ", Epsilon = 0f"), (1, ", Epsilon = float.PositiveInfinity")) + name),
                10 => $"BatchNorm2D{Parenthesised(name)}",
                11 => $"LeakyReLU({Pick((3, "0.01f"), (1, "-1f"), (1, "float.NaN"), (1, "0f"))}{name})",
                _ => $"{ActivationNames[_random.Next(ActivationNames.Length)]}{Parenthesised(name)}",
            };
            attributes.Add(layer);
        }
        return attributes;
    }

    private string Size() => Pick((10, _random.Next(1, 17).ToString(CultureInfo.InvariantCulture)), (2, "0"), (2, "-" + _random.Next(1, 5)),
        (1, "28"), (1, "1000"));

    private string Kernel() => Pick((6, _random.Next(1, 6).ToString(CultureInfo.InvariantCulture)), (1, "0"), (1, "-2"), (1, "50"), (1, "100000"));

    private string Rate() => (_random.Next(0, 10) / 10.0).ToString("0.0", CultureInfo.InvariantCulture);

    private string ActivationArgument() => "Activation." + Pick((4, "None"), (3, "ReLU"), (1, "LeakyReLU"), (1, "Sigmoid"), (1, "Tanh"), (1, "Softmax"));

    private string ChaosActivation() => Pick((8, ActivationArgument()), (1, "(Activation)42"), (1, "(Activation)(-1)"));

    private string ChaosDenseOptions() => Pick((6, ""), (1, ", Bias = false"), (1, ", NegativeSlope = -2f"), (1, ", WeightInit = (Init)99"), (1, ", BiasInit = Init.Ones"));

    private string ChaosConvOptions() => Pick((5, ""), (1, ", Stride = " + _random.Next(-1, 4)), (1, ", Padding = Padding.Same"),
        (1, ", Padding = (Padding)3"), (1, ", PaddingSize = " + _random.Next(-1, 4)), (1, ", Padding = Padding.Same, Stride = 2"),
        (1, ", Padding = Padding.Same, PaddingSize = 1"));

    private string StandAloneActivation(bool image)
    {
        string kind = ActivationNames[_random.Next(image ? 4 : 5)];
        string name = NameOption();
        return kind == "LeakyReLU" ? $"LeakyReLU(0.1f{name})" : kind + Parenthesised(name);
    }

    /// <summary>Usually nothing; sometimes a <c>, Name = "..."</c> from a list of ordinary and odd names.</summary>
    private string NameOption(bool chaos = false)
    {
        if (_random.Next(chaos ? 3 : 6) > 0) return "";
        string name = OddNames[_random.Next(OddNames.Length)];
        return $", Name = \"{name}\"";
    }

    /// <summary><c>(Name = "x")</c> for an attribute with no other arguments, or nothing.</summary>
    private static string Parenthesised(string option) => option.Length == 0 ? "" : "(" + option.Substring(2) + ")";

    private T Pick<T>(params (int Weight, T Value)[] choices)
    {
        int roll = _random.Next(choices.Sum(c => c.Weight));
        foreach (var (weight, value) in choices)
        {
            if (roll < weight) return value;
            roll -= weight;
        }
        throw new InvalidOperationException("unreachable");
    }
}
