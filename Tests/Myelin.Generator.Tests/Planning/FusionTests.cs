using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// Which layers become one op. An element-wise activation joins the epilogue of the dense, convolution or batch-norm
/// op that produced its input, if that op has no activation yet; anywhere else it is an op of its own and the planner
/// says so with MYL0100.
/// </summary>
public sealed class FusionTests
{
    [Theory]
    [InlineData(1)] // ReLU
    [InlineData(2)] // LeakyReLU
    [InlineData(3)] // Sigmoid
    [InlineData(4)] // Tanh
    public void A_stand_alone_activation_after_a_dense_layer_fuses_into_one_op(int activation)
    {
        var kind = (ActivationKind)activation;
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.None, Dense(8), Activation(kind, slope: 0.2f)), CancellationToken.None);
        Assert.Empty(result.Diagnostics);
        var op = Assert.IsType<DenseOp>(Assert.Single(result.Plan!.Ops));
        Assert.Equal(new[] { 0, 1 }, op.Layers);
        Assert.Equal(kind, op.Activation);
        if (kind == ActivationKind.LeakyReLU) Assert.Equal(0.2f, op.NegativeSlope);
        Assert.Equal(2, result.Plan.Layers.Count); // the summary still lists both layers
    }

    [Fact]
    public void An_activation_given_on_the_dense_layer_is_the_same_single_op_as_a_separate_layer()
    {
        var declared = Plan(new[] { 4 }, LossKind.None, Dense(8, ActivationKind.ReLU));
        var separate = Plan(new[] { 4 }, LossKind.None, Dense(8), Activation(ActivationKind.ReLU));
        var a = Assert.IsType<DenseOp>(Assert.Single(declared.Ops));
        var b = Assert.IsType<DenseOp>(Assert.Single(separate.Ops));
        Assert.Equal(a.Activation, b.Activation);
        Assert.Equal(a.Output, b.Output);
    }

    [Fact]
    public void A_ReLU_after_a_convolution_or_a_batch_norm_fuses()
    {
        var plan = Plan(new[] { 1, 8, 8 }, LossKind.None, Conv(4, 3), Activation(ActivationKind.ReLU), BatchNorm(2), Activation(ActivationKind.Tanh));
        Assert.Collection(plan.Ops,
            op => Assert.Equal(ActivationKind.ReLU, Assert.IsType<Conv2DOp>(op).Activation),
            op => Assert.Equal(ActivationKind.Tanh, Assert.IsType<BatchNormOp>(op).Activation));
    }

    [Fact]
    public void A_ReLU_after_a_pool_runs_as_its_own_op_and_reports_MYL0100_on_the_ReLU()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 1, 8, 8 }, LossKind.None, Conv(4, 3), MaxPool(2), Activation(ActivationKind.ReLU)), CancellationToken.None);
        var plan = result.Plan!;
        Assert.Collection(plan.Ops,
            op => Assert.Equal(ActivationKind.None, Assert.IsType<Conv2DOp>(op).Activation),
            op => Assert.IsType<PoolOp>(op),
            op => Assert.Equal(ActivationKind.ReLU, Assert.IsType<ActivationOp>(op).Activation));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MYL0100", diagnostic.Descriptor.Id);
        Assert.Equal(new[] { "relu1", "maxpool1", "cannot fuse an activation" }, diagnostic.Arguments);
        Assert.Equal(At(2), diagnostic.Location);
        // The reason is repeated for the generated remarks.
        Assert.Equal("MYL0100: 'relu1' runs as its own pass because 'maxpool1' cannot fuse an activation.", Assert.Single(plan.Notes));
    }

    [Fact]
    public void A_second_activation_does_not_fuse_into_an_op_that_already_has_one()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.None, Dense(8, ActivationKind.ReLU), Activation(ActivationKind.Tanh)), CancellationToken.None);
        Assert.Equal(2, result.Plan!.Ops.Count);
        Assert.Equal(new[] { "tanh1", "dense1", "already applies ReLU" }, Assert.Single(result.Diagnostics).Arguments);
    }

    [Fact]
    public void An_activation_after_dropout_or_the_input_does_not_fuse_but_one_after_a_flatten_joins_the_op_before_it()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 1, 4, 4 }, LossKind.None,
            Activation(ActivationKind.Sigmoid), Conv(2, 3), Flatten(), Activation(ActivationKind.ReLU), Dropout(0.5f), Activation(ActivationKind.Tanh)), CancellationToken.None);
        Assert.Equal(4, result.Plan!.Ops.Count);
        Assert.Equal(ActivationKind.ReLU, Assert.IsType<Conv2DOp>(result.Plan.Ops[1]).Activation);
        Assert.Equal(
            new[] { "sigmoid1 input cannot fuse an activation", "tanh1 dropout1 cannot fuse an activation" },
            result.Diagnostics.Select(d => string.Join(" ", d.Arguments)));
    }

    [Fact]
    public void Softmax_never_fuses_into_a_dense_epilogue()
    {
        var plan = Plan(new[] { 4 }, LossKind.None, Dense(3, ActivationKind.Softmax));
        Assert.Collection(plan.Ops,
            op => Assert.Equal(ActivationKind.None, Assert.IsType<DenseOp>(op).Activation),
            op => Assert.Equal(ActivationKind.Softmax, Assert.IsType<ActivationOp>(op).Activation));
        Assert.Equal(plan.Ops[0].Output, plan.Ops[1].Input.Value);
        Assert.Equal(plan.OutputValue, plan.Ops[1].Output);
    }

    [Fact]
    public void Each_op_reads_the_buffer_the_previous_op_wrote()
    {
        var plan = Plan(new[] { 1, 12, 12 }, LossKind.SoftmaxCrossEntropy,
            Conv(4, 3, ActivationKind.ReLU), BatchNorm(2), MaxPool(2), Flatten(), Dropout(0.5f), Dense(10));
        Assert.Equal(-1, plan.Ops[0].Input.Value);
        for (int i = 1; i < plan.Ops.Count; i++) Assert.Equal(plan.Ops[i - 1].Output, plan.Ops[i].Input.Value);
        Assert.Equal(plan.Ops[^1].Output, plan.OutputValue);
        Assert.Equal(plan.Ops.Count, plan.Ops.Select(o => o.Output).Distinct().Count());
    }
}
