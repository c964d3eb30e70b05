using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// When the CPU runs a max pool in the epilogue of the convolution before it: only over windows that do not overlap,
/// only when the pool alone reads the convolution's output, and only straight after a convolution. Every other case
/// keeps the two ops apart, because the full-size output is needed (by another reader, by overlapping windows, or by
/// a layer in between).
/// </summary>
public sealed class PoolEpilogueTests
{
    [Theory]
    [InlineData(2, 0)] // 2x2, stride 2: LeNet's pools
    [InlineData(2, 3)] // stride larger than the window: some inputs are read by no window
    [InlineData(3, 3)]
    public void A_max_pool_over_disjoint_windows_straight_after_a_convolution_runs_in_its_epilogue(int kernel, int stride)
    {
        var plan = Plan(new[] { 1, 12, 12 }, LossKind.SoftmaxCrossEntropy,
            Conv(4, 3, ActivationKind.LeakyReLU), MaxPool(kernel, stride), Flatten(), Dense(3));
        var conv = Assert.IsType<Conv2DOp>(plan.Ops[0]);
        var pool = Assert.IsType<PoolOp>(plan.Ops[1]);
        Assert.True(conv.PoolEpilogue);
        Assert.True(pool.ConvolutionEpilogue);
        Assert.Equal(ActivationKind.LeakyReLU, pool.ProducerActivation);
        Assert.Equal(conv.NegativeSlope, pool.ProducerSlope);
        Assert.True(pool.BackwardReadsOutput); // the fused backward differentiates the activation from the pooled values
        Assert.Contains("maxpool1 in its epilogue", conv.Description);
    }

    [Fact]
    public void A_stand_alone_activation_between_convolution_and_pool_is_fused_first_and_then_the_pool()
    {
        var plan = Plan(new[] { 1, 12, 12 }, LossKind.None, Conv(4, 3), Activation(ActivationKind.Tanh), MaxPool(2));
        var pool = Assert.IsType<PoolOp>(plan.Ops[1]);
        Assert.True(pool.ConvolutionEpilogue);
        Assert.Equal(ActivationKind.Tanh, pool.ProducerActivation);
    }

    [Fact]
    public void Overlapping_average_and_global_pools_stay_apart()
    {
        var overlapping = Plan(new[] { 1, 12, 12 }, LossKind.None, Conv(4, 3), MaxPool(3, 2));
        var average = Plan(new[] { 1, 12, 12 }, LossKind.None, Conv(4, 3), AvgPool(2));
        var global = Plan(new[] { 1, 12, 12 }, LossKind.None, Conv(4, 3), GlobalAvgPool());
        foreach (var plan in new[] { overlapping, average, global })
        {
            Assert.False(Assert.IsType<Conv2DOp>(plan.Ops[0]).PoolEpilogue);
            Assert.False(Assert.IsType<PoolOp>(plan.Ops[1]).ConvolutionEpilogue);
            Assert.False(plan.Ops[1].BackwardReadsOutput);
        }
    }

    [Fact]
    public void A_pool_after_a_batch_norm_stays_apart()
    {
        var plan = Plan(new[] { 1, 12, 12 }, LossKind.None, Conv(4, 3), BatchNorm(2), MaxPool(2));
        Assert.False(Assert.IsType<Conv2DOp>(plan.Ops[0]).PoolEpilogue);
        Assert.False(Assert.IsType<PoolOp>(plan.Ops[2]).ConvolutionEpilogue);
    }

    [Fact]
    public void A_convolution_whose_output_another_layer_also_reads_keeps_its_output_and_the_pool_stays_apart()
    {
        // conv1 feeds the pool and, through From, a second pool; neither may take the full-size output away.
        var plan = Plan(new[] { 1, 12, 12 }, LossKind.None,
            Conv(4, 3, ActivationKind.ReLU, name: "conv1"), MaxPool(2, name: "left"), MaxPool(2, name: "right") with { From = "conv1" },
            new ConcatSpec(null, null, EquatableArray.Create("left", "right")));
        Assert.False(Assert.IsType<Conv2DOp>(plan.Ops[0]).PoolEpilogue);
        Assert.All(plan.Ops.OfType<PoolOp>(), pool => Assert.False(pool.ConvolutionEpilogue));
    }

    [Fact]
    public void A_fused_activation_read_elsewhere_keeps_the_pool_apart()
    {
        // The ReLU layer joins conv1's epilogue, but the sum reads it too: the full-size activation must exist.
        var plan = Plan(new[] { 4, 12, 12 }, LossKind.None,
            Conv(4, 3, padding: PaddingKind.Same), Activation(ActivationKind.ReLU, name: "act"), MaxPool(2, name: "pooled"),
            Conv(4, 1, name: "branch") with { From = "act" }, MaxPool(2, name: "pooled2"),
            new AddSpec(null, null, EquatableArray.Create("pooled", "pooled2"), ActivationKind.None, 0f));
        Assert.False(Assert.IsType<Conv2DOp>(plan.Ops[0]).PoolEpilogue);
        Assert.False(Assert.IsType<PoolOp>(plan.Ops[1]).ConvolutionEpilogue);
        Assert.True(Assert.IsType<PoolOp>(plan.Ops[3]).ConvolutionEpilogue); // the branch's own pool still fuses
    }
}
