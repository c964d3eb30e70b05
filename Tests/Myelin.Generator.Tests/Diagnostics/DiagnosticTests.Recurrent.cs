using Microsoft.CodeAnalysis;
using Myelin.Generator.Tests.Incremental;
using Myelin.Generator.Tests.Infrastructure;
using static Myelin.Generator.Tests.Diagnostics.DiagnosticAssert;

namespace Myelin.Generator.Tests.Diagnostics;

// The diagnostics of sequences and recurrent layers: a recurrent layer on something that is not a sequence, layers that
// cannot take a sequence, the SimpleRNN's nonlinearity; and sequence networks, which the GPU backend prints too.
public sealed partial class DiagnosticTests
{
    [Theory]
    [InlineData("[Input(1, 28, 28)] [[|LSTM(4)|]]", "LSTM 'lstm1' reads a sequence of steps x features, but 'input' produces 1x28x28; an image is not a sequence: declare the network's input as [Input(steps, features)] (a one-channel image read row by row is [Input(height, width)])")]
    [InlineData("[Input(784)] [[|GRU(4)|]]", "GRU 'gru1' reads a sequence of steps x features, but 'input' produces 784; declare the network's input as [Input(steps, features)]")]
    [InlineData("[Input(5, 3)] [LSTM(4)] [[|SimpleRNN(4)|]]", "SimpleRNN 'rnn1' reads a sequence of steps x features, but 'lstm1' produces 4; declare the network's input as [Input(steps, features)], and set ReturnSequences = true on a recurrent layer that feeds this one")]
    public void MYL0034_a_recurrent_layer_on_something_that_is_not_a_sequence_says_what_it_got_and_what_to_declare(string layers, string message) => Single(Network($"""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        {layers}
        [Dense(2)]
        public partial class Net;
        """), "MYL0034", message, Error);

    [Theory]
    [InlineData("[LSTM(4, ReturnSequences = true)] [[|Dense(2, Activation.Softmax)|]] [Flatten] [Dense(2)]",
        "Dense 'dense1' cannot take the sequence 5x4 produced by 'lstm1'; Softmax over a sequence is not supported; read the last step (ReturnSequences = false), or add [Flatten] first")]
    [InlineData("[[|Softmax|]] [Flatten] [Dense(2)]",
        "Softmax 'softmax1' cannot take the sequence 5x3 produced by 'input'; Softmax over a sequence is not supported; read the last step (ReturnSequences = false), or add [Flatten] first")]
    [InlineData("[GRU(4, ReturnSequences = true, Name = \"a\")] [GRU(4, ReturnSequences = true, From = \"input\", Name = \"b\")] [[|Concat(\"a\", \"b\")|]] [Flatten] [Dense(2)]",
        "Concat 'concat1' cannot take the sequence 5x4 produced by 'a'; Concat joins images or vectors; join two directions with Bidirectional = true, or add [Flatten] first")]
    public void MYL0035_a_layer_that_cannot_take_a_sequence_names_the_sequence_and_the_way_out(string layers, string message) => Single(Network($"""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(5, 3)]
        {layers}
        public partial class Net;
        """), "MYL0035", message, Error);

    [Fact]
    public void MYL0014_a_SimpleRNN_takes_only_PyTorch_s_nonlinearities() => Single(Network("""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(5, 3)]
        [[|SimpleRNN(4, Activation.Sigmoid)|]]
        [Dense(2)]
        public partial class Net;
        """), "MYL0014", "SimpleRNN 'rnn1': the activation must be Tanh or ReLU (PyTorch's nonlinearity), but is Sigmoid", Error);

    [Fact]
    public void MYL0005_a_recurrent_layer_needs_positive_units() => Single(Network("""
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(5, 3)]
        [[|GRU(0)|]]
        [Dense(2)]
        public partial class Net;
        """), "MYL0005", "GRU 'gru1': units must be positive, but is 0", Error);

    [Theory]
    [InlineData("[[|LSTM(8)|]] [Dense(2)]", "LSTM 'lstm1' cannot run in int8, which Int8 = true asks for: int8 has no Recurrent layers (it runs dense, convolution, pooling, flatten, dropout, batch norm, add, concat and activation layers); leave this network in float")]
    [InlineData("[[|Dense(4)|]] [Flatten] [Dense(2)]", "Dense 'dense1' cannot run in int8, which Int8 = true asks for: int8 has no dense layer applied to every step of a sequence (its int8 kernels read one row per sample); leave this network in float")]
    public void MYL0040_a_sequence_network_asking_for_int8_is_refused_on_the_layer(string layers, string message) => SingleInt8(Network($"""
        [Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
        [Input(6, 3)]
        {layers}
        public partial class Net;
        """), "MYL0040", message);

    [Theory]
    [InlineData("[LSTM(8)] [Dense(2)]")]
    [InlineData("[GRU(4, ReturnSequences = true, Bidirectional = true)] [SimpleRNN(3, Activation.ReLU, ReturnSequences = true)] [Dense(4)] [Flatten] [Dense(2)]")]
    public void MYL0103_is_not_reported_for_a_sequence_network_in_a_project_with_Myelin_Gpu_which_gets_its_CPU_and_its_GPU_network(string layers)
    {
        var run = GeneratorHarness.Run(GpuEmissionCachingTests.WithGpu(GeneratorHarness.CreateCompilation(Network($"""
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(6, 3)]
            {layers}
            public partial class Seq;
            """))));
        Assert.Empty(run.MyelinDiagnostics);
        Assert.Equal(new HashSet<string> { "Demo.Seq.g.cs", "Demo.Seq.Gpu.g.cs" }, run.Sources.Select(s => s.HintName).ToHashSet());
        // The GPU source compiles against ILGPU in Myelin.Gpu.Tests, which runs it; here it must hold the recurrent kernels.
        Assert.Contains("CellBackward(", run.Source("Seq.Gpu.g.cs"), StringComparison.Ordinal);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".Gpu.g.cs", StringComparison.Ordinal) != true));
    }
}
