namespace Myelin.Generator.Tests.Robustness;

/// <summary>
/// Declarations at the edges of C#: keyword names, records, primary constructors, unusual containers, names that
/// could collide with generated members, degenerate networks. The same contract as the random networks: clean
/// generated code, or a Myelin diagnostic and no code.
/// </summary>
public sealed class EdgeDeclarationTests
{
    private const string Layers = "[Network(Loss = Loss.SoftmaxCrossEntropy)]\n[Input(1, 6, 6)]\n[Conv2D(2, 3, Activation.ReLU)]\n[Flatten]\n[Dense(3)]";

    public static TheoryData<string, string, string> Cases => new()
    {
        { "a class named with a keyword", "Robust.class.g.cs", $"namespace Robust;\n{Layers}\npublic partial class @class;" },
        { "a namespace with a keyword", "event.Models.Net.g.cs", $"namespace @event.Models;\n{Layers}\npublic partial class Net;" },
        { "the global namespace", "Net.g.cs", $"{Layers}\npublic partial class Net;" },
        { "a namespace called Myelin.Demo", "Myelin.Demo.Net.g.cs", $"namespace Myelin.Demo;\n{Layers}\npublic partial class Net;" },
        { "a record", "Robust.Net.g.cs", $"namespace Robust;\n{Layers}\npublic partial record Net;" },
        { "a record with a primary constructor", "Robust.Net.g.cs", $"namespace Robust;\n{Layers}\npublic partial record Net(int Width);" },
        { "a class with a primary constructor", "Robust.Net.g.cs", $"namespace Robust;\n{Layers}\npublic partial class Net(int width)\n{{\n    public int Width => width;\n}}" },
        { "a sealed internal class", "Robust.Net.g.cs", $"namespace Robust;\n{Layers}\ninternal sealed partial class Net;" },
        { "a file-local class", "Robust.Net.g.cs", $"namespace Robust;\n{Layers}\nfile partial class Net;" },
        { "a class nested in a struct", "Robust.Host.Net.g.cs", $"namespace Robust;\npublic partial struct Host\n{{\n{Layers}\npublic partial class Net;\n}}" },
        { "a class nested in a record struct", "Robust.Host.Net.g.cs", $"namespace Robust;\npublic partial record struct Host\n{{\n{Layers}\npublic partial class Net;\n}}" },
        { "a class nested in an interface", "Robust.IHost.Net.g.cs", $"namespace Robust;\npublic partial interface IHost\n{{\n{Layers}\npublic partial class Net;\n}}" },
        { "a class nested three deep", "Robust.A.B.Net.g.cs", $"namespace Robust;\npublic static partial class A\n{{\n    internal partial class B\n    {{\n{Layers}\nprivate partial class Net;\n    }}\n}}" },
        { "a class named Parameters", "Robust.Parameters.g.cs", $"namespace Robust;\n{Layers}\npublic partial class Parameters;" },
        { "a class named Loss", "Robust.Loss.g.cs", $"namespace Robust;\n{Layers.Replace("Loss = Loss.", "Loss = global::Myelin.Loss.", StringComparison.Ordinal)}\npublic partial class Loss;" },
        { "a class named Layers", "Robust.Layers.g.cs", $"namespace Robust;\n{Layers}\npublic partial class Layers;" },
        { "a class named InputSize", "Robust.InputSize.g.cs", $"namespace Robust;\n{Layers}\npublic partial class InputSize;" },
        { "a class named like a generated method", "Robust.Conv1Forward.g.cs", $"namespace Robust;\n{Layers}\npublic partial class Conv1Forward;" },
        { "a convolution named Input", "Robust.Net.g.cs", "namespace Robust;\n[Network]\n[Input(1, 6, 6)]\n[Conv2D(2, 3, Name = \"Input\")]\npublic partial class Net;" },
        { "a convolution named Output", "Robust.Net.g.cs", "namespace Robust;\n[Network]\n[Input(1, 6, 6)]\n[Conv2D(2, 3, Name = \"Output\")]\npublic partial class Net;" },
        { "a layer named like a split softmax", "Robust.Net.g.cs", "namespace Robust;\n[Network]\n[Input(4)]\n[Dense(4, Activation.Softmax)]\n[Dense(3, Name = \"dense1Softmax\")]\npublic partial class Net;" },
        { "a layer named like a split sigmoid", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.BinaryCrossEntropy)]\n[Input(4)]\n[Dense(4, Name = \"dense2Sigmoid\")]\n[Dense(1, Activation.Sigmoid)]\npublic partial class Net;" },
        { "layers named Run and Check", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.MeanSquaredError)]\n[Input(4)]\n[Dense(4, Name = \"Run\")]\n[Dense(1, Name = \"Check\")]\npublic partial class Net;" },
        { "a softmax straight on the input under cross-entropy", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.SoftmaxCrossEntropy)]\n[Input(4)]\n[Softmax]\npublic partial class Net;" },
        { "a trained network without parameters", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.MeanSquaredError)]\n[Input(4)]\n[ReLU]\n[Dropout(0.5f)]\npublic partial class Net;" },
        { "only a Flatten under cross-entropy", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.SoftmaxCrossEntropy)]\n[Input(2, 2, 2)]\n[Flatten]\npublic partial class Net;" },
        { "a rank-2 input through element-wise layers", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.MeanSquaredError)]\n[Input(3, 4)]\n[Tanh]\n[Dropout(0.2f)]\npublic partial class Net;" },
        { "a batch norm right after the input", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.SoftmaxCrossEntropy)]\n[Input(2, 4, 4)]\n[BatchNorm2D]\n[GlobalAvgPool2D]\n[Softmax]\npublic partial class Net;" },
        { "a 1x1 convolution with stride 3 and padding 2", "Robust.Net.g.cs", "namespace Robust;\n[Network(Loss = Loss.BinaryCrossEntropy)]\n[Input(2, 5, 5)]\n[Conv2D(1, 1, Activation.Sigmoid, Stride = 3, PaddingSize = 2, Bias = false)]\npublic partial class Net;" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_edge_declaration_gives_clean_code_or_a_diagnostic_and_no_code(string description, string hintName, string declaration)
    {
        _ = description;
        var failures = RobustnessCheck.Failures(new[] { new NetworkCase("Net.cs", hintName, "using Myelin;\n" + declaration) });
        RobustnessCheck.AssertNone(failures, 1);
    }

    [Theory]
    [InlineData("[Input(50000)]\n[Dense(50000)]")] // 2.5e9 weights: wraps to a negative int
    [InlineData("[Input(100000)]\n[Dense(100000)]")] // 1e10 weights: wraps to a positive but wrong int
    [InlineData("[Input(46341, 46341)]\n[Flatten]\n[Dense(1)]")] // 46341^2 > int.MaxValue
    [InlineData("[Input(3, 30000, 30000)]\n[Conv2D(1, 1)]")] // 2.7e9 inputs per sample
    public void A_network_whose_sizes_overflow_int_is_reported_instead_of_generated_with_wrapped_counts(string layers)
    {
        var run = Infrastructure.GeneratorHarness.Run($"using Myelin;\nnamespace Robust;\n[Network]\n{layers}\npublic partial class Net;");
        Assert.True(run.MyelinDiagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error),
            "No Myelin error for a network whose sizes do not fit an int. Generated:\n" + string.Join("\n", run.Sources.Select(s => s.Text.Split('\n').FirstOrDefault(l => l.Contains("ParameterCount =", StringComparison.Ordinal)))));
        Assert.Empty(run.Sources);
    }
}
