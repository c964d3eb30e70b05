using Microsoft.CodeAnalysis;
using Myelin.Generator.Tests.Infrastructure;
using static Myelin.Generator.Tests.Diagnostics.DiagnosticAssert;

namespace Myelin.Generator.Tests.Diagnostics;

// The diagnostics of networks that ask for int8 code (Int8 = true): layers the int8 network cannot run, and a member
// named like its nested class. They come from the int8 step, after the float network is planned: the float class is
// still generated (the error fails the build anyway), only the int8 class is not.
public sealed partial class DiagnosticTests
{
    /// <summary>
    /// As <see cref="DiagnosticAssert.Single"/>: exactly one Myelin diagnostic with this ID, message and severity at the
    /// marked span; and the float network's file is the only source.
    /// </summary>
    private static void SingleInt8(string markedSource, string id, string message)
    {
        var source = MarkedSource.Parse(markedSource);
        var run = GeneratorHarness.Run(source.Text);
        var found = run.MyelinDiagnostics;
        Assert.True(found.Count == 1, $"Expected one Myelin diagnostic ({id}), got {found.Count}:\n" + string.Join("\n", found));
        Assert.Equal(id, found[0].Id);
        Assert.Equal(message, found[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DiagnosticSeverity.Error, found[0].Severity);
        Assert.Equal("Source0.cs", found[0].Location.GetLineSpan().Path);
        Assert.Equal(source.Span, found[0].Location.SourceSpan);
        Assert.Equal(new[] { "Demo.Net.g.cs" }, run.Sources.Select(s => s.HintName));
    }

    [Fact]
    public void MYL0040_a_softmax_that_another_layer_reads_cannot_run_in_int8() => SingleInt8(Network("""
        [Network(Int8 = true)]
        [Input(8)]
        [Dense(6)]
        [[|Softmax|]]
        [Dense(3)]
        public partial class Net;
        """), "MYL0040", "Softmax 'softmax1' cannot run in int8, which Int8 = true asks for: int8 runs a softmax only at the end of the network, "
        + "in float, and here other layers read its probabilities; move the softmax to the end or leave this network in float");

    [Fact]
    public void MYL0040_a_dense_layer_whose_int32_sums_could_overflow_names_its_input_count() => SingleInt8(Network("""
        [Network(Int8 = true)]
        [Input(140000)]
        [[|Dense(2)|]]
        public partial class Net;
        """), "MYL0040", "Dense 'dense1' cannot run in int8, which Int8 = true asks for: its int32 sums of 140,000 products (inputs) could overflow, "
        + "since at most 133,144 products of 127 x 127 fit; leave this network in float");

    [Fact]
    public void MYL0040_is_reported_only_when_the_network_asks_for_int8_and_the_float_network_still_generates()
    {
        const string layers = """
            [Input(8)]
            [Dense(6)]
            [Softmax]
            [Dense(3)]
            public partial class Net;
            """;
        var plain = GeneratorHarness.Run(Network("[Network]\n" + layers));
        Assert.DoesNotContain(plain.MyelinDiagnostics, d => d.Id == "MYL0040");
        var int8 = GeneratorHarness.Run(Network("[Network(Int8 = true)]\n" + layers));
        Assert.Single(int8.MyelinDiagnostics, d => d.Id == "MYL0040");
        Assert.Equal(new[] { "Demo.Net.g.cs" }, int8.Sources.Select(s => s.HintName));
    }

    [Fact]
    public void MYL0033_a_member_named_Int8_in_a_network_that_asks_for_int8_is_reported_on_the_member() => SingleInt8(Network("""
        [Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
        [Input(4)]
        [Dense(2)]
        public partial class Net
        {
            public int [|Int8|] => 8;
        }
        """), "MYL0033", "The property 'Int8' collides with the nested class 'Int8' (its int8 network, asked for by Int8 = true) that Myelin generates for the network 'Net'; rename it");

    [Fact]
    public void A_network_that_asks_for_int8_gets_its_int8_class_in_a_second_file_that_compiles_cleanly()
    {
        var run = GeneratorHarness.Run(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
            [Input(1, 8, 8)]
            [Conv2D(4, 3, Activation.ReLU)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(3)]
            [Softmax]
            public partial class Net;
            """));
        Assert.Empty(run.MyelinDiagnostics);
        Assert.Equal(new[] { "Demo.Net.Int8.g.cs", "Demo.Net.g.cs" }, run.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
