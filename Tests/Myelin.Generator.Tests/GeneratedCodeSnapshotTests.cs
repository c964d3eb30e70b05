using Microsoft.CodeAnalysis;
using Myelin.Generator.Tests.Incremental;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests;

/// <summary>
/// The generated source of representative networks against reviewed snapshots in <c>Snapshots/</c>. Every snapshot
/// run also checks that the code compiles without warnings and that a second generator run is fully cached. When a
/// snapshot changes, read the diff: these files are how readability regressions in the emitter get noticed.
/// </summary>
public sealed class GeneratedCodeSnapshotTests
{
    [Fact]
    public void The_MNIST_MLP_784_128_10_matches_its_snapshot() => Verify("MnistMlp", """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10)]
        public partial class MnistMlp;
        """);

    [Fact]
    public void A_binary_classifier_with_an_absorbed_trailing_sigmoid_matches_its_snapshot() => Verify("SpamFilter", """
        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(8)]
        [Dense(16, Activation.ReLU)]
        [Dense(1, Activation.Sigmoid)]
        public partial class SpamFilter;
        """);

    [Fact]
    public void A_regression_network_with_stand_alone_Tanh_and_LeakyReLU_layers_matches_its_snapshot() => Verify("Regressor", """
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(3)]
        [Dense(16)]
        [Tanh]
        [Dense(8)]
        [LeakyReLU(0.2f)]
        [Dense(1)]
        public partial class Regressor;
        """);

    [Fact]
    public void A_residual_block_with_batch_norm_and_a_fused_ReLU_after_the_sum_matches_its_snapshot() => Verify("ResidualNet", """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 8, 8)]
        [Conv2D(4, 3, Padding = Padding.Same, Bias = false, Name = "stem")]
        [BatchNorm2D] [ReLU(Name = "block_in")]
        [Conv2D(4, 3, Padding = Padding.Same, Bias = false)] [BatchNorm2D] [ReLU]
        [Conv2D(4, 3, Padding = Padding.Same, Bias = false)] [BatchNorm2D(Name = "block_branch")]
        [Add("block_in", "block_branch", Activation = Activation.ReLU)]
        [GlobalAvgPool2D]
        [Dense(3)]
        public partial class ResidualNet;
        """);

    [Fact]
    public void A_branching_network_that_joins_two_widths_and_reads_the_input_twice_matches_its_snapshot() => Verify("BranchingNet", """
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(6)]
        [Dense(8, Activation.Tanh, Name = "wide")]
        [Dense(3, Activation.ReLU, From = "input", Name = "narrow")]
        [Concat("wide", "narrow", "input")]
        [Dense(2)]
        public partial class BranchingNet;
        """);

    [Fact]
    public void LeNet_5_matches_its_snapshot() => Verify("LeNet5", """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(6, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(16, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(120, Activation.ReLU)]
        [Dense(10)]
        public partial class LeNet5;
        """);

    [Fact]
    public void The_three_convolution_CNN_matches_its_snapshot() => Verify("MnistCnn", """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(32, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation.ReLU)]
        [Flatten]
        [Dense(64, Activation.ReLU)]
        [Dense(10)]
        public partial class MnistCnn;
        """);

    [Fact]
    public void A_network_with_batch_norm_and_dropout_matches_its_snapshot() => Verify("BatchNormNet", """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 16, 16)]
        [Conv2D(8, 3, Padding = Padding.Same)]
        [BatchNorm2D]
        [ReLU]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(32)]
        [BatchNorm1D]
        [ReLU]
        [Dropout(0.5f)]
        [Dense(10)]
        public partial class BatchNormNet;
        """);

    [Fact]
    public void A_stacked_recurrent_network_with_a_bidirectional_LSTM_a_GRU_and_a_dense_layer_on_every_step_matches_its_snapshot() => Verify("RecurrentNet", """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(6, 3)]                                            // 6 steps of 3 features
        [Dense(4, Activation.Tanh)]                              // on every step -> 6x4
        [LSTM(5, ReturnSequences = true, Bidirectional = true)]  // -> 6x10
        [GRU(4)]                                                 // the final state -> 4
        [Dense(3)]
        public partial class RecurrentNet;
        """);

    [Fact]
    public void An_inference_only_network_nested_in_a_class_matches_its_snapshot() => Verify("Models.Classifier", """
        public static partial class Models
        {
            [Network]
            [Input(4)]
            [Dense(3, Activation.Softmax)]
            public partial class Classifier;
        }
        """);

    private static void Verify(string name, string declaration)
    {
        string source = $"""
            using Myelin;

            namespace Demo;

            {declaration}
            """;
        var run = CachingAssert.RunTwiceAndAssertCached(source);
        Assert.Empty(run.MyelinDiagnostics);
        var problems = run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems));
        Snapshot.Match(run.Source($"Demo.{name}.g.cs"), name);
    }
}
