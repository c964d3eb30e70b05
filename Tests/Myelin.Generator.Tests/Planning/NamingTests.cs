using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>Layer names (PyTorch-style defaults or the user's) and the C# identifiers derived from them.</summary>
public sealed class NamingTests
{
    [Fact]
    public void Unnamed_layers_are_numbered_per_kind_in_order()
    {
        var plan = Plan(new[] { 3, 12, 12 }, LossKind.None,
            Conv(4, 3), Activation(ActivationKind.ReLU), MaxPool(2), Conv(4, 3), BatchNorm(2), Activation(ActivationKind.LeakyReLU, slope: 0.1f),
            AvgPool(2), GlobalAvgPool(), Dropout(0.1f), Dense(8), BatchNorm(1), Activation(ActivationKind.Tanh), Dense(4),
            Activation(ActivationKind.Sigmoid), Dense(3), Activation(ActivationKind.Softmax));
        Assert.Equal(
            new[]
            {
                "conv1", "relu1", "maxpool1", "conv2", "bn1", "leakyrelu1", "avgpool1", "globalavgpool1", "dropout1", "dense1", "bn2",
                "tanh1", "dense2", "sigmoid1", "dense3", "softmax1",
            },
            plan.Layers.Select(l => l.Name));
        Assert.Equal("Conv1", plan.Layers[0].Identifier);
        Assert.Equal("Globalavgpool1", plan.Layers[7].Identifier);
    }

    [Fact]
    public void Flatten_layers_are_numbered_too()
    {
        var plan = Plan(new[] { 2, 2, 2 }, LossKind.None, Flatten(), Dense(4), Flatten());
        Assert.Equal(new[] { "flatten1", "dense1", "flatten2" }, plan.Layers.Select(l => l.Name));
    }

    [Fact]
    public void A_custom_name_names_the_layer_its_tensors_and_its_identifiers()
    {
        var plan = Plan(new[] { 4 }, LossKind.None, Dense(8, name: "encoder.hidden"), Dense(2, name: "head"));
        Assert.Equal(new[] { "encoder.hidden", "head" }, plan.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "Encoder_Hidden", "Head" }, plan.Layers.Select(l => l.Identifier));
        Assert.Equal(new[] { "encoder.hidden.weight", "encoder.hidden.bias", "head.weight", "head.bias" }, plan.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { "Encoder_HiddenWeight", "Encoder_HiddenBias", "HeadWeight", "HeadBias" }, plan.Tensors.Select(t => t.Identifier));
    }

    [Fact]
    public void An_unnamed_layer_after_a_named_one_of_the_same_kind_keeps_its_position_number()
    {
        // As PyTorch numbers modules by position, a name given to one layer does not shift the others' numbers.
        var plan = Plan(new[] { 4 }, LossKind.None, Dense(8, name: "hidden"), Dense(2));
        Assert.Equal(new[] { "hidden", "dense2" }, plan.Layers.Select(l => l.Name));
    }

    [Theory]
    [InlineData("features.0", "Features_0")]
    [InlineData("0", "Layer0")]
    [InlineData("0.weight_norm", "Layer0_Weight_norm")]
    [InlineData("_private", "_private")]
    [InlineData("ALLCAPS", "ALLCAPS")]
    public void A_name_becomes_a_PascalCase_identifier_with_dots_as_underscores(string name, string identifier)
    {
        var plan = Plan(new[] { 4 }, LossKind.None, Dense(2, name: name));
        Assert.Equal(identifier, plan.Layers[0].Identifier);
        Assert.Equal(name + ".weight", plan.Tensors[0].Name);
    }

    [Fact]
    public void Two_names_with_the_same_identifier_are_reported_on_the_second_layer()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.None, Dense(8, name: "a.b"), Dense(2, name: "a_B")), CancellationToken.None);
        Assert.Null(result.Plan);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MYL0011", diagnostic.Descriptor.Id);
        Assert.Equal(At(1), diagnostic.Location);
    }
}
