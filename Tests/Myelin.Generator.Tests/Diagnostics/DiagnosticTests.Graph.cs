using Microsoft.CodeAnalysis;
using static Myelin.Generator.Tests.Diagnostics.DiagnosticAssert;

namespace Myelin.Generator.Tests.Diagnostics;

// The diagnostics of graph networks (names that do not resolve, merges that do not fit, unused layers), of the class
// itself (records, members that clash with generated ones), and the rule that every independent error is reported.
public sealed partial class DiagnosticTests
{
    private const DiagnosticSeverity Warning = DiagnosticSeverity.Warning;

    [Theory]
    [InlineData("[Dense(8, Name = \"hidden\")] [[|Dense(2, From = \"hiden\")|]]", "Dense 'dense2' reads 'hiden', but no layer has that name; did you mean 'hidden'?")]
    [InlineData("[Dense(8, Name = \"hidden\")] [[|Add(\"hidden\", \"inptu\")|]] [Dense(2)]", "Add 'add1' reads 'inptu', but no layer has that name; did you mean 'input'?")]
    [InlineData("[Dense(8)] [[|Dense(2, From = \"classifier\")|]]", "Dense 'dense2' reads 'classifier', but no layer has that name")]
    public void MYL0026_a_name_that_no_layer_has_is_reported_with_the_closest_name(string layers, string message) => Single(Network($"""
        [Network]
        [Input(4)]
        {layers}
        public partial class Net;
        """), "MYL0026", message, Error);

    [Theory]
    [InlineData("[[|Dense(8, From = \"head\")|]] [Dense(2, Name = \"head\")]", "Dense 'dense1' reads 'head', which is declared after it")]
    [InlineData("[Dense(8)] [[|Dense(8, Name = \"loop\", From = \"loop\")|]] [Dense(2)]", "Dense 'loop' reads 'loop', which is declared after it")]
    public void MYL0027_a_layer_that_reads_itself_or_a_later_layer_is_reported(string layers, string start) => Single(Network($"""
        [Network]
        [Input(4)]
        {layers}
        public partial class Net;
        """), "MYL0027", start + "; a layer can only read earlier layers or 'input', so that the network is an acyclic graph", Error);

    [Fact]
    public void MYL0028_an_Add_of_two_shapes_names_both_layers_and_shapes() => Single(Network("""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 8, 8)]
        [Conv2D(4, 3, Padding = Padding.Same, Name = "stem")]
        [Conv2D(8, 3, Padding = Padding.Same, Name = "branch")]
        [[|Add("stem", "branch")|]]
        [GlobalAvgPool2D]
        [Dense(2)]
        public partial class Net;
        """), "MYL0028", "Add 'add1': 'stem' produces 4x8x8 but 'branch' produces 8x8x8; every input of Add must have the same shape", Error);

    [Theory]
    [InlineData("[Conv2D(4, 3, Name = \"a\")] [Conv2D(4, 3, Padding = Padding.Same, From = \"input\", Name = \"b\")]", "a", "4x6x6", "b", "4x8x8",
        "images are joined along channels, so their heights and widths must match (6x6 against 8x8)")]
    [InlineData("[Conv2D(4, 3, Name = \"a\")] [Flatten(Name = \"b\")]", "a", "4x6x6", "b", "144",
        "Concat joins images with images (along channels) or vectors with vectors (along features); add [Flatten] to the images")]
    public void MYL0029_a_Concat_of_inputs_that_do_not_line_up_says_why(string layers, string first, string firstShape, string second, string secondShape, string why) => Single(Network($"""
        [Network]
        [Input(1, 8, 8)]
        {layers}
        [[|Concat("{first}", "{second}")|]]
        public partial class Net;
        """), "MYL0029", $"Concat 'concat1': '{first}' produces {firstShape} but '{second}' produces {secondShape}; {why}", Error);

    [Theory]
    [InlineData("Add(\"a\")", "Add 'add1' needs at least two inputs, but names only 'a'")]
    [InlineData("Concat", "Concat 'concat1' needs at least two inputs, but names none")]
    public void MYL0030_a_merge_of_fewer_than_two_inputs_is_reported(string merge, string message) => Single(Network($"""
        [Network]
        [Input(4)]
        [Dense(8, Name = "a")]
        [[|{merge}|]]
        [Dense(2)]
        public partial class Net;
        """), "MYL0030", message, Error);

    [Fact]
    public void MYL0031_From_on_a_merge_layer_is_reported() => Single(Network("""
        [Network]
        [Input(4)]
        [Dense(8, Name = "a")]
        [Dense(8, Name = "b")]
        [[|Add("a", "b", From = "a")|]]
        public partial class Net;
        """), "MYL0031", "Add 'add1' takes its inputs from its arguments, so From = \"a\" has no meaning; name every input in the attribute's arguments", Error);

    [Fact]
    public void MYL0032_a_network_declared_as_a_record_is_reported_on_its_name() => Single(Network("""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(2)]
        public partial record [|Net|];
        """), "MYL0032", "The network 'Net' is declared as a record; declare it as a class, because a network owns mutable weights and buffers that a record's copies ('with') and value equality would share or compare", Error);

    [Theory]
    [InlineData("public const int [|InputSize|] = 4;", "field 'InputSize'", "member 'InputSize'")]
    [InlineData("public int [|Parameters|] => 0;", "property 'Parameters'", "member 'Parameters'")]
    [InlineData("private void [|Dense1Forward|]() { }", "method 'Dense1Forward()'", "member 'Dense1Forward'")]
    [InlineData("public sealed class [|Gpu|] { }", "nested type 'Gpu'", "member 'Gpu'")]
    [InlineData("public void [|Forward|](System.ReadOnlySpan<float> x, System.Span<float> y) { }",
        "method 'Forward(System.ReadOnlySpan<float>,System.Span<float>)'", "method 'Forward(System.ReadOnlySpan<float>,System.Span<float>)'")]
    [InlineData("public [|Net|]() { }", "constructor 'Net()'", "constructor Net()")]
    [InlineData("public [|Net|](int a, int b) { }", "constructor 'Net(int,int)'", "constructor Net(int,int)")]
    public void MYL0033_a_user_member_named_like_a_generated_one_is_reported_on_the_member(string member, string what, string generated) => Single(Network($$"""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(2)]
        public partial class Net
        {
            {{member}}
        }
        """), "MYL0033", $"The {what} collides with the {generated} that Myelin generates for the network 'Net'; rename it", Error);

    [Fact]
    public void MYL0033_overloads_of_the_public_methods_with_other_parameters_are_allowed()
    {
        var run = Infrastructure.GeneratorHarness.Run(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(4)]
            [Dense(2)]
            public partial class Net
            {
                public Net(int seed) : this(seed, 8) { }
                public float[] Forward(float[] sample) { var output = new float[OutputSize]; Forward(sample, output); return output; }
            }
            """));
        Assert.Empty(run.MyelinDiagnostics);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void MYL0102_a_layer_that_nothing_reads_is_a_warning_and_the_network_still_generates()
    {
        var run = Single(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(8)]
            [Dense(8, Name = "a")]
            [[|Dense(8, From = "input", Name = "b")|]]
            [Dense(2, From = "a")]
            public partial class Net;
            """), "MYL0102", "The output of Dense 'b' is read by no later layer and is not the network's output, so it is not computed; read it with From or a merge layer, or remove the layer", Warning);
        // Its parameters stay in the table, but no op computes it.
        Assert.Contains("\"b.weight\"", run.Sources[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("BForward", run.Sources[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void MYL0005_MYL0012_and_MYL0026_independent_errors_are_all_reported_in_one_build()
    {
        var run = Infrastructure.GeneratorHarness.Run(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(4)]
            [Dense(0)]
            [Dense(-1)]
            [Dense(8, Name = "bad name")]
            [Dense(2, From = "nowhere")]
            public partial class Net;
            """));
        Assert.Equal(new[] { "MYL0005", "MYL0005", "MYL0012", "MYL0026" }, run.MyelinDiagnostics.Select(d => d.Id).Order().ToArray());
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void MYL0008_a_shape_error_on_one_branch_does_not_hide_an_independent_error_on_another()
    {
        var run = Infrastructure.GeneratorHarness.Run(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 6, 6)]
            [Dense(4, Name = "a")]
            [Conv2D(2, 7, From = "input", Name = "b")]
            [Concat("a", "b")]
            public partial class Net;
            """));
        // 'a' needs a flat input and 'b''s kernel does not fit: both reported; the Concat after them is skipped, since
        // its shapes depend on both.
        Assert.Equal(new[] { "MYL0008", "MYL0020" }, run.MyelinDiagnostics.Select(d => d.Id).Order().ToArray());
    }
}
