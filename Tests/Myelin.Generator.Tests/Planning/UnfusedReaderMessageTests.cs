using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// MYL0100's reason when an activation cannot fuse because its input has another reader: it must name that other
/// reader, by its layer name, not the activation itself or a layer index.
/// </summary>
public sealed class UnfusedReaderMessageTests
{
    [Fact]
    public void MYL0100_names_the_other_reader_of_the_value_the_activation_reads()
    {
        // d is read by relu1 and by dense3: relu1 runs as its own pass because d is also read by dense3.
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.MeanSquaredError,
            Dense(8, name: "d"), Activation(ActivationKind.ReLU), Dense(3), Dense(3) with { From = "d" },
            new AddSpec(null, null, EquatableArray.Create("dense2", "dense3"), ActivationKind.None, 0.01f)), CancellationToken.None);
        var note = Assert.Single(result.Diagnostics, d => d.Descriptor.Id == "MYL0100");
        Assert.Equal(new[] { "relu1", "d", "is also read by 'dense3'" }, note.Arguments);
    }

    [Fact]
    public void MYL0100_names_the_other_reader_of_the_image_behind_a_flatten()
    {
        // c is read by flatten1 (a view, read by tanh1) and by maxpool1: tanh1 cannot fuse into c because of maxpool1.
        var result = NetworkPlanner.Plan(Network(new[] { 1, 4, 4 }, LossKind.MeanSquaredError,
            Conv(2, 3, name: "c"), Flatten(), Activation(ActivationKind.Tanh), Dense(2),
            MaxPool(2) with { From = "c" }, Flatten(), Dense(2),
            new AddSpec(null, null, EquatableArray.Create("dense1", "dense2"), ActivationKind.None, 0.01f)), CancellationToken.None);
        var note = Assert.Single(result.Diagnostics, d => d.Descriptor.Id == "MYL0100");
        Assert.Equal("tanh1", note.Arguments[0]);
        Assert.Equal("is also read by 'maxpool1'", note.Arguments[2]);
    }
}
