using Myelin.Generator.Diagnostics;
using System.Threading;
using Microsoft.CodeAnalysis;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using Specs = Myelin.Generator.Tests.Planning.Specs;
using static Myelin.Generator.Tests.Diagnostics.DiagnosticAssert;

namespace Myelin.Generator.Tests.Diagnostics;

/// <summary>
/// One test (or theory) per diagnostic in <see cref="Generator.Diagnostics.DiagnosticDescriptors"/>: the ID, the exact
/// message with the layer's name and the numbers, the severity, and the span (the marked attribute or class name).
/// Every method name starts with the ID it covers; <see cref="Every_descriptor_has_a_test_named_after_its_ID"/> keeps
/// it that way.
/// </summary>
public sealed partial class DiagnosticTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Info = DiagnosticSeverity.Info;

    [Fact]
    public void MYL0001_a_network_class_that_is_not_partial_is_reported_on_its_name() => Single(Network("""
        [Network]
        [Input(4)]
        [Dense(2)]
        public class [|Net|];
        """), "MYL0001", "The network class 'Net' must be declared partial so that Myelin can add the generated members", Error);

    [Fact]
    public void MYL0002_a_generic_network_class_is_reported_on_its_name() => Single(Network("""
        [Network]
        [Input(4)]
        [Dense(2)]
        public partial class [|Net|]<T>;
        """), "MYL0002", "The network class 'Net' must not be generic: Myelin fixes its shapes at compile time", Error);

    [Fact]
    public void MYL0002_a_network_class_inside_a_generic_class_is_reported_as_generic() => Single(Network("""
        public partial class Outer<T>
        {
            [Network]
            [Input(4)]
            [Dense(2)]
            public partial class [|Net|];
        }
        """), "MYL0002", "The network class 'Net' must not be generic: Myelin fixes its shapes at compile time", Error);

    [Fact]
    public void MYL0003_a_network_nested_in_a_class_that_is_not_partial_names_that_class() => Single(Network("""
        public class Outer
        {
            [Network]
            [Input(4)]
            [Dense(2)]
            public partial class [|Net|];
        }
        """), "MYL0003", "The network class 'Net' is nested in 'Outer', which must also be declared partial", Error);

    [Fact]
    public void MYL0004_a_network_without_Input_is_reported_on_its_Network_attribute() => Single(Network("""
        [[|Network(Loss = Loss.MeanSquaredError)|]]
        [Dense(2)]
        public partial class Net;
        """), "MYL0004", "The network 'Net' has no [Input] attribute; declare the shape of one sample, e.g. [Input(784)] or [Input(1, 28, 28)]", Error);

    [Theory]
    [InlineData("[Input(4)] [[|Dense(0)|]]", "Dense 'dense1': units must be positive, but is 0")]
    [InlineData("[Input(4)] [Dense(3)] [[|Dense(-5)|]]", "Dense 'dense2': units must be positive, but is -5")]
    [InlineData("[[|Input(3, 0, 28)|]] [Flatten] [Dense(2)]", "Input 'input': size 2 must be positive, but is 0")]
    [InlineData("[Input(1, 8, 8)] [[|Conv2D(-1, 3)|]]", "Conv2D 'conv1': filters must be positive, but is -1")]
    [InlineData("[Input(1, 8, 8)] [[|Conv2D(4, 0)|]]", "Conv2D 'conv1': kernel size must be positive, but is 0")]
    [InlineData("[Input(1, 8, 8)] [[|Conv2D(4, 3, Stride = 0)|]]", "Conv2D 'conv1': stride must be positive, but is 0")]
    [InlineData("[Input(1, 8, 8)] [[|MaxPool2D(0)|]]", "MaxPool2D 'maxpool1': kernel size must be positive, but is 0")]
    [InlineData("[Input(1, 8, 8)] [[|AvgPool2D(2, Stride = -1)|]]", "AvgPool2D 'avgpool1': stride must be positive, but is -1")]
    public void MYL0005_a_size_that_is_zero_or_negative_names_the_layer_the_size_and_the_value(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0005", message, Error);

    [Fact]
    public void MYL0006_a_network_with_an_Input_and_no_layers_is_reported_on_its_Network_attribute() => Single(Network("""
        [[|Network|]]
        [Input(4)]
        public partial class Net;
        """), "MYL0006", "The network 'Net' has no layers after its [Input]; add at least one layer attribute such as [Dense(10)]", Error);

    [Theory]
    [InlineData("[[|Input(1, 2, 3, 4)|]]", "4")]
    [InlineData("[[|Input|]]", "0")]
    public void MYL0007_an_Input_with_no_sizes_or_more_than_three_gives_the_count(string input, string count) => Single(Network($"""
        [Network]
        {input}
        [Dense(2)]
        public partial class Net;
        """), "MYL0007", $"[Input] must give one to three sizes (features; steps and features for a sequence; or channels, height and width), but gives {count}", Error);

    [Theory]
    [InlineData("[Input(1, 28, 28)] [Conv2D(6, 3)] [[|Dense(10)|]]",
        "Dense 'dense1' needs a 1-D input, but 'conv1' produces 6x26x26; add [Flatten] before it")]
    [InlineData("[Input(1, 8, 8)] [MaxPool2D(2)] [[|Softmax|]]",
        "Softmax 'softmax1' needs a 1-D input, but 'maxpool1' produces 1x4x4; add [Flatten] before it")]
    public void MYL0008_a_layer_that_needs_a_vector_after_an_image_names_the_producer_and_its_shape(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0008", message, Error);

    [Theory]
    [InlineData("[Input(784)] [[|Conv2D(6, 3)|]]",
        "Conv2D 'conv1' needs a channels x height x width input, but 'input' produces 784")]
    [InlineData("[Input(1, 8, 8)] [Flatten] [[|MaxPool2D(2)|]]",
        "MaxPool2D 'maxpool1' needs a channels x height x width input, but 'flatten1' produces 64")]
    [InlineData("[Input(4)] [Dense(8)] [[|GlobalAvgPool2D|]]",
        "GlobalAvgPool2D 'globalavgpool1' needs a channels x height x width input, but 'dense1' produces 8")]
    public void MYL0009_a_layer_that_needs_an_image_after_a_vector_names_the_producer_and_its_shape(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0009", message, Error);

    [Theory]
    [InlineData("Loss.SoftmaxCrossEntropy", "[Input(1, 8, 8)] [Conv2D(4, 3)]",
        "SoftmaxCrossEntropy does not fit the output of 'conv1': it needs a 1-D output of class scores, but the output is 4x6x6; add [Flatten]")]
    [InlineData("Loss.SoftmaxCrossEntropy", "[Input(4)] [Dense(1)]",
        "SoftmaxCrossEntropy does not fit the output of 'dense1': it needs at least 2 classes, but the output has 1; use Loss.BinaryCrossEntropy for a single logit")]
    [InlineData("Loss.SoftmaxCrossEntropy", "[Input(4)] [Dense(10)] [ReLU]",
        "SoftmaxCrossEntropy does not fit the output of 'relu1': it expects logits or a Softmax, but the output goes through ReLU")]
    [InlineData("Loss.BinaryCrossEntropy", "[Input(4)] [Dense(3, Activation.Softmax)]",
        "BinaryCrossEntropy does not fit the output of 'dense1': it needs independent logits, one per binary label, but Softmax couples the 3 outputs into one multi-class distribution; use Loss.SoftmaxCrossEntropy")]
    [InlineData("Loss.BinaryCrossEntropy", "[Input(4)] [Dense(1, Activation.Tanh)]",
        "BinaryCrossEntropy does not fit the output of 'dense1': it expects logits or a Sigmoid, but the output goes through Tanh")]
    public void MYL0010_a_loss_that_does_not_fit_the_output_explains_why_on_the_Network_attribute(string loss, string layers, string message) => Single(Network($"""
        [[|Network(Loss = {loss})|]]
        {layers}
        public partial class Net;
        """), "MYL0010", message, Error);

    [Theory]
    [InlineData("[Dense(8, Name = \"hidden\")] [[|Dense(2, Name = \"hidden\")|]]", "hidden", "an earlier layer has the same name")]
    [InlineData("[Dense(8, Name = \"dense2\")] [[|Dense(2)|]]", "dense2", "an earlier layer has the same name")]
    [InlineData("[Dense(8, Name = \"Hidden\")] [[|Dense(2, Name = \"hidden\")|]]", "hidden", "it gives the same C# identifier 'Hidden' as layer 'Hidden'")]
    [InlineData("[Dense(8, Name = \"a.b\")] [[|Dense(2, Name = \"a_B\")|]]", "a_B", "it gives the same C# identifier 'A_B' as layer 'a.b'")]
    [InlineData("[Dense(4, Activation.Softmax)] [[|Dense(3, Name = \"dense1Softmax\")|]]", "dense1Softmax",
        "its generated member 'Dense1SoftmaxForward' is also generated for layer 'dense1'")]
    public void MYL0011_a_layer_name_used_twice_is_reported_on_the_second_layer(string layers, string name, string reason) => Single(Network($"""
        [Network]
        [Input(4)]
        {layers}
        public partial class Net;
        """), "MYL0011", $"Layer name '{name}' is not unique: {reason}; names must be unique because they name parameters in checkpoints and generated members", Error);

    [Theory]
    [InlineData("my layer")]
    [InlineData("")]
    [InlineData(".x")]
    [InlineData("x.")]
    [InlineData("a..b")]
    [InlineData("h\u00E9llo")]
    [InlineData("a-b")]
    public void MYL0012_an_invalid_layer_name_is_quoted_in_the_message(string name) => Single(Network($$"""
        [Network]
        [Input(4)]
        [[|Dense(2, Name = "{{name}}")|]]
        public partial class Net;
        """), "MYL0012", $"Layer name '{name}' is not valid: use letters, digits, '_' and '.', with a dot neither first, last nor doubled", Error);

    [Theory]
    [InlineData("[Network] [Input(4)] [[|Dense(2, (Activation)42)|]]", "Dense 'dense1': activation 42 is not a known Activation value")]
    [InlineData("[[|Network(Loss = (Loss)9)|]] [Input(4)] [Dense(2)]", "Network 'Net': Loss = 9 is not a known Loss value")]
    [InlineData("[Network] [Input(1, 8, 8)] [[|Conv2D(4, 3, Padding = (Padding)5)|]]", "Conv2D 'conv1': Padding = 5 is not a known Padding value")]
    [InlineData("[Network] [Input(1, 8, 8)] [[|Conv2D(4, 3, (Activation)(-1))|]]", "Conv2D 'conv1': activation -1 is not a known Activation value")]
    [InlineData("[Network] [Input(4)] [[|Dense(2, WeightInit = (Init)99)|]]", "Dense 'dense1': WeightInit = 99 is not a known Init value")]
    public void MYL0013_an_enum_value_cast_from_an_unknown_number_names_the_setting_and_the_number(string attributes, string message) => Single(Network($"""
        {attributes}
        public partial class Net;
        """), "MYL0013", message, Error);

    [Theory]
    [InlineData("[Input(4)] [[|Dropout(1.5f)|]] [Dense(2)]", "Dropout 'dropout1': the rate must be in [0, 1), but is 1.5")]
    [InlineData("[Input(4)] [[|Dropout(float.NaN)|]] [Dense(2)]", "Dropout 'dropout1': the rate must be in [0, 1), but is NaN")]
    [InlineData("[Input(4)] [[|Dense(2, Activation.LeakyReLU, NegativeSlope = -0.5f)|]]", "Dense 'dense1': NegativeSlope must be a finite number >= 0, but is -0.5")]
    [InlineData("[Input(4)] [Dense(3)] [[|LeakyReLU(-1f)|]]", "LeakyReLU 'leakyrelu1': NegativeSlope must be a finite number >= 0, but is -1")]
    [InlineData("[Input(4)] [[|BatchNorm1D(Momentum = 2f)|]]", "BatchNorm1D 'bn1': Momentum must be in [0, 1], but is 2")]
    [InlineData("[Input(4)] [[|BatchNorm1D(Epsilon = 0f)|]]", "BatchNorm1D 'bn1': Epsilon must be a finite number > 0, but is 0")]
    [InlineData("[Input(1, 8, 8)] [[|Conv2D(4, 3, PaddingSize = -1)|]]", "Conv2D 'conv1': PaddingSize must be >= 0, but is -1")]
    [InlineData("[Input(1, 8, 8)] [[|Conv2D(4, 3, Activation.Softmax)|]]",
        "Conv2D 'conv1': the activation must be element-wise (Softmax needs a 1-D output: add [Flatten] and a [Softmax] layer after it), but is Softmax")]
    public void MYL0014_a_value_out_of_its_range_gives_the_range_and_the_value(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0014", message, Error);

    [Fact]
    public void MYL0015_layers_on_a_second_partial_declaration_are_reported_there() => Single(Network("""
        [Network]
        [Input(4)]
        [Dense(8)]
        public partial class Net;

        [[|Dense(2)|]]
        public partial class Net;
        """), "MYL0015", "The layers of 'Net' are declared on more than one partial declaration; put them all on one so that their order is defined", Error);

    [Theory]
    [InlineData("static")]
    [InlineData("abstract")]
    public void MYL0016_a_static_or_abstract_network_class_is_reported_on_its_name(string modifier) => Single(Network($"""
        [Network]
        [Input(4)]
        [Dense(2)]
        public {modifier} partial class [|Net|];
        """), "MYL0016", $"The network class 'Net' must not be {modifier}", Error);

    [Fact]
    public void MYL0017_a_user_defined_LayerAttribute_is_reported_where_it_is_applied() => Single(Network("""
        public sealed class CustomAttribute : LayerAttribute;

        [Network]
        [Input(4)]
        [[|Custom|]]
        [Dense(2)]
        public partial class Net;
        """), "MYL0017", "'CustomAttribute' derives from LayerAttribute but is not a layer Myelin can generate", Error);

    [Theory]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, 3)] [MaxPool2D(2)] [[|Conv2D(8, 5)|]]",
        "Conv2D 'conv2': 5x5 kernel does not fit the 3x3 input produced by 'maxpool1'")]
    [InlineData("[Input(1, 4, 4)] [[|MaxPool2D(5)|]]",
        "MaxPool2D 'maxpool1': 5x5 kernel does not fit the 4x4 input produced by 'input'")]
    [InlineData("[Input(2, 10, 3)] [[|Conv2D(4, 5)|]]",
        "Conv2D 'conv1': 5x5 kernel does not fit the 10x3 input produced by 'input'")]
    public void MYL0020_a_kernel_larger_than_the_computed_input_names_both_sizes(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0020", message, Error);

    [Fact]
    public void MYL0021_a_padded_window_that_still_does_not_fit_gives_kernel_stride_padding_and_input() => Single(Network("""
        [Network]
        [Input(1, 2, 2)]
        [[|Conv2D(4, 7, PaddingSize = 1)|]]
        public partial class Net;
        """), "MYL0021", "Conv2D 'conv1': with kernel 7x7, stride 1 and padding 1, the 2x2 input produced by 'input' gives an output of -2x-2", Error);

    [Theory]
    [InlineData("[Input(1, 28, 28)] [Conv2D(6, 3)] [[|BatchNorm1D|]]",
        "BatchNorm1D 'bn1' normalises 1-D features, but 'conv1' produces 6x26x26; use [BatchNorm2D]")]
    [InlineData("[Input(4)] [Dense(16)] [[|BatchNorm2D|]]",
        "BatchNorm2D 'bn1' normalises channels x height x width, but 'dense1' produces 16; use [BatchNorm1D]")]
    [InlineData("[Input(3, 4)] [[|BatchNorm1D|]]",
        "BatchNorm1D 'bn1' normalises 1-D features, but 'input' produces 3x4; use [Flatten] first")]
    public void MYL0022_batch_norm_of_the_wrong_rank_suggests_the_right_one(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0022", message, Error);

    [Fact]
    public void MYL0023_same_padding_with_stride_2_gives_the_stride() => Single(Network("""
        [Network]
        [Input(1, 8, 8)]
        [[|Conv2D(4, 3, Stride = 2, Padding = Padding.Same)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net;
        """), "MYL0023", "Conv2D 'conv1': Padding.Same needs stride 1 (as in PyTorch), but the stride is 2; use an explicit PaddingSize", Error);

    [Fact]
    public void MYL0024_same_padding_and_an_explicit_padding_size_together_give_the_size() => Single(Network("""
        [Network]
        [Input(1, 8, 8)]
        [[|Conv2D(4, 3, Padding = Padding.Same, PaddingSize = 1)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net;
        """), "MYL0024", "Conv2D 'conv1': set Padding.Same or PaddingSize = 1, not both", Error);

    [Fact]
    public void MYL0100_a_ReLU_after_a_pool_runs_unfused_is_reported_and_repeated_in_the_remarks()
    {
        var run = Single(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 8, 8)]
            [Conv2D(4, 3)]
            [MaxPool2D(2)]
            [[|ReLU|]]
            [Flatten]
            [Dense(2)]
            public partial class Net;
            """), "MYL0100", "'relu1' runs as its own pass because 'maxpool1' cannot fuse an activation", Info);
        Assert.Contains("/// <para>MYL0100: 'relu1' runs as its own pass because 'maxpool1' cannot fuse an activation.</para>", run.Sources[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void MYL0100_a_second_activation_after_a_fused_one_says_the_layer_already_applies_one() => Single(Network("""
        [Network]
        [Input(4)]
        [Dense(3, Activation.ReLU)]
        [[|Sigmoid|]]
        public partial class Net;
        """), "MYL0100", "'sigmoid1' runs as its own pass because 'dense1' already applies ReLU", Info);

    [Fact]
    public void MYL0018_a_primary_constructor_is_reported_on_the_class() => Single(Network("""
        [Network]
        [Input(4)]
        [Dense(2)]
        public partial class [|Net|](int width) { public int Width => width; }
        """), "MYL0018", "The network class 'Net' must not have a primary constructor: Myelin generates its constructors (seed, maxBatchSize)", Error);

    [Theory]
    [InlineData("Parameters")]
    [InlineData("Loss")]
    [InlineData("Dense1Forward")]
    public void MYL0019_a_class_named_like_a_generated_member_is_reported_on_the_class(string name) => Single(Network($$"""
        [Network(Loss = global::Myelin.Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(2)]
        public partial class [|{{name}}|];
        """), "MYL0019", $"The network class '{name}' has the name of a member Myelin generates for it; rename the class", Error);

    [Theory]
    [InlineData("[Input(50000)] [[|Dense(50000)|]]", "Dense 'dense1': the weight would hold 2,500,000,000 values, more than the 2,147,483,647 a .NET array can index")]
    [InlineData("[[|Input(46341, 46341)|]] [Flatten] [Dense(1)]", "Input 'input': one sample would hold 2,147,488,281 values, more than the 2,147,483,647 a .NET array can index")]
    public void MYL0025_a_size_that_overflows_an_array_index_is_reported_with_the_count(string layers, string message) => Single(Network($"""
        [Network]
        {layers}
        public partial class Net;
        """), "MYL0025", message, Error);

    [Fact]
    public void MYL0100_an_activation_straight_after_the_input_names_the_input_as_the_producer() => Single(Network("""
        [Network]
        [Input(4)]
        [[|Tanh|]]
        [Dense(2)]
        public partial class Net;
        """), "MYL0100", "'tanh1' runs as its own pass because 'input' cannot fuse an activation", Info);

    [Fact]
    public void MYL0101_a_softmax_before_the_last_layer_of_a_cross_entropy_network_is_reported_on_its_layer()
    {
        var run = Single(Network("""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(4)]
            [[|Dense(8, Activation.Softmax)|]]
            [Dense(3)]
            public partial class Net;
            """), "MYL0101", "Softmax 'dense1' is not absorbed by a cross-entropy loss, so its backward pass multiplies by the softmax Jacobian", Info);
        Assert.Contains("MYL0101: Softmax 'dense1' is not absorbed", run.Sources[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void MYL0101_a_trailing_softmax_under_mean_squared_error_is_reported() => Single(Network("""
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(4)]
        [Dense(3)]
        [[|Softmax|]]
        public partial class Net;
        """), "MYL0101", "Softmax 'softmax1' is not absorbed by a cross-entropy loss, so its backward pass multiplies by the softmax Jacobian", Info);

    [Fact]
    public void MYL0101_is_not_reported_for_an_inference_only_network_with_a_softmax() =>
        Assert.Empty(Infrastructure.GeneratorHarness.Run(Network("""
            [Network]
            [Input(4)]
            [Dense(8, Activation.Softmax)]
            [Dense(3)]
            public partial class Net;
            """)).MyelinDiagnostics);

    [Fact]
    public void MYL0001_and_MYL0004_two_declaration_errors_are_both_reported()
    {
        var run = Infrastructure.GeneratorHarness.Run(Network("""
            [Network]
            [Dense(2)]
            public class Net;
            """));
        Assert.Equal(new[] { "MYL0001", "MYL0004" }, run.MyelinDiagnostics.Select(d => d.Id).Order().ToArray());
        Assert.Empty(run.Sources);
    }

    // MYL0999. No attribute combination found so far (see Robustness/) makes a stage throw, so these tests provoke the
    // exceptions below the public surface: a layer kind the planner has no rule for, and a plan whose value table is
    // empty. They drive the generator's private Safe* wrappers by reflection, exactly as the pipeline calls them.

    [Fact]
    public void MYL0999_an_exception_in_the_planner_becomes_an_internal_error_on_the_class()
    {
        var parsed = Specs.Network(new[] { 4 }, LossKind.None, new BogusSpec(null, null));
        var result = (PlanResult)InvokeGenerator("SafePlan", parsed, CancellationToken.None);

        Assert.Null(result.Plan);
        var diagnostic = Assert.Single(result.Diagnostics).ToDiagnostic();
        Assert.Equal("MYL0999", diagnostic.Id);
        Assert.Equal(Error, diagnostic.Severity);
        Assert.Equal("Myelin's generator failed on 'Net': InvalidOperationException: No planner for layer kind Bogus. "
            + "This is a bug in Myelin; please report it with the network's declaration.", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(parsed.ClassLocation!.Start, diagnostic.Location.SourceSpan.Start);
    }

    [Fact]
    public void MYL0999_an_exception_in_the_emitter_becomes_an_internal_error_instead_of_a_crash()
    {
        var plan = Specs.Plan(new[] { 4 }, LossKind.None, Specs.Dense(2));
        var broken = new PlanResult(plan with { Values = EquatableArray<PlannedValue>.Empty }, "Net",
            EquatableArray<DiagnosticInfo>.Empty);
        object emitted = InvokeGenerator("SafeEmit", broken);

        Assert.Null(emitted.GetType().GetProperty("Source")!.GetValue(emitted));
        var errors = (EquatableArray<DiagnosticInfo>)emitted.GetType().GetProperty("Diagnostics")!.GetValue(emitted)!;
        var diagnostic = Assert.Single(errors).ToDiagnostic();
        Assert.Equal("MYL0999", diagnostic.Id);
        Assert.Matches("^Myelin's generator failed on 'Net': [A-Za-z]+Exception: ", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static object InvokeGenerator(string method, params object[] arguments)
    {
        var info = typeof(NetworkGenerator).GetMethod(method, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        Assert.True(info is not null, $"NetworkGenerator.{method} not found; update this test to the generator's exception wrapper");
        return info!.Invoke(null, arguments)!;
    }

    /// <summary>A layer kind the planner has no rule for.</summary>
    private sealed record BogusSpec(string? Name, LocationInfo? Location) : Parsing.LayerSpec(Name, Location)
    {
        public override string Kind => "Bogus";
        public override string NamePrefix => "bogus";
    }

    [Theory]
    [InlineData("""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10)]
        public partial class Net;
        """)]
    [InlineData("""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(6, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(16, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(120, Activation.ReLU)]
        [Dense(10)]
        public partial class Net;
        """)]
    [InlineData("""
        [Network]
        [Input(3, 8, 8)]
        [Conv2D(4, 3, Padding = Padding.Same)]
        [BatchNorm2D]
        [ReLU]
        [GlobalAvgPool2D]
        [Dropout(0.25f)]
        [Dense(2, Activation.Softmax)]
        public partial class Net;
        """)]
    public void A_valid_network_gets_no_Myelin_diagnostic_and_compiles_without_warnings(string declaration)
    {
        var run = Infrastructure.GeneratorHarness.Run(Network(declaration));
        Assert.Empty(run.MyelinDiagnostics);
        Assert.Single(run.Sources);
        var problems = run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_descriptor_has_a_test_named_after_its_ID()
    {
        var tested = typeof(DiagnosticTests).GetMethods()
            .Where(m => m.GetCustomAttributes(typeof(FactAttribute), inherit: true).Length > 0)
            .Select(m => m.Name.Split('_')[0])
            .ToHashSet();
        var missing = DescriptorCatalog.All.Select(d => d.Id).Where(id => !tested.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "Diagnostics without a test: " + string.Join(", ", missing));
    }
}
