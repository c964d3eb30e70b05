using Myelin.Generator.Tests.Numerics;

namespace Myelin.Generator.Tests.Reference;

/// <summary>The test-side network description of graphs: the printed declaration, the resolved inputs, shapes and liveness.</summary>
public sealed class RefNetworkTests
{
    [Fact]
    public void A_graph_prints_From_Add_and_Concat_as_the_generator_reads_them()
    {
        var network = new RefNetwork("Printed", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefLayer[]
        {
            new RefDense(3, Activation.ReLU, Name: "a"),
            new RefDense(3) { From = "input" },
            new RefBatchNorm(1, Momentum: 0.2f) { From = "a" },
            new RefAdd(new[] { "a", "dense2", "bn1" }, Activation.LeakyReLU, NegativeSlope: 0.2f, Name: "sum"),
            new RefConcat(new[] { "sum", "input" }),
            new RefActivation(Activation.Tanh) { From = "sum", Name = "t" },
            new RefDense(2) { From = "concat1" },
        });
        Assert.Equal(
            "[Network(Loss = Loss.SoftmaxCrossEntropy)]\n[Input(4)]\n[Dense(3, Activation.ReLU, Name = \"a\")]\n[Dense(3, From = \"input\")]\n"
            + "[BatchNorm1D(Momentum = 0.2f, From = \"a\")]\n"
            + "[Add(\"a\", \"dense2\", \"bn1\", Activation = Activation.LeakyReLU, NegativeSlope = 0.2f, Name = \"sum\")]\n"
            + "[Concat(\"sum\", \"input\")]\n[Tanh(From = \"sum\", Name = \"t\")]\n[Dense(2, From = \"concat1\")]\npublic partial class Printed;\n",
            network.ToDeclaration().ReplaceLineEndings("\n"));
        Assert.Equal(new[] { new[] { -1 }, new[] { -1 }, new[] { 0 }, new[] { 0, 1, 2 }, new[] { 3, -1 }, new[] { 3 }, new[] { 4 } }, network.LayerInputs);
        Assert.Equal(new[] { 3, 3, 3, 3, 7, 3, 2 }, network.LayerShapes.Select(s => s[0]));
        Assert.Equal(new[] { true, true, true, true, true, false, true }, network.LiveLayers);
    }

    [Fact]
    public void The_reference_sums_the_gradients_of_a_value_with_several_readers_and_skips_a_layer_nothing_reads()
    {
        // y = x + x + dense(x) with dense the identity: dL/dx = 3 dL/dy, for MSE with target 0: dL/dy = 2y / count.
        var network = new RefNetwork("Sum", Loss.MeanSquaredError, new[] { 2 }, new RefLayer[]
        {
            new RefDense(2, Bias: false),
            new RefBatchNorm(1) { From = "input" },
            new RefAdd(new[] { "input", "input", "dense1" }),
        });
        var tensors = RefTensors.CreateRandom(network, new Random(1));
        tensors["dense1.weight"][0] = 1; tensors["dense1.weight"][1] = 0; tensors["dense1.weight"][2] = 0; tensors["dense1.weight"][3] = 1;
        var before = tensors.Clone();
        var inputs = new[] { 0.5, -1.0, 2.0, 0.25 };
        var pass = ReferenceInterpreter.Run(network, tensors, inputs, 2, new RefTargets(null, new double[4]), training: true, backward: true);
        Assert.Equal(inputs.Select(x => 3 * x), pass.Outputs);
        Assert.Equal(inputs.Select(x => 3 * (2 * 3 * x / 4)), pass.InputGradient!);
        Assert.Null(pass.LayerOutputs[1]);
        Assert.Equal(before["bn1.running_mean"], pass.TensorsAfter["bn1.running_mean"]);
        Assert.Equal(0, pass.TensorsAfter["bn1.num_batches_tracked"][0]);
        Assert.All(pass.Gradients["bn1.weight"], g => Assert.Equal(0, g));
    }
}
