using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// How the loss attaches. Cross-entropy absorbs a final softmax and binary cross-entropy a final sigmoid: the forward
/// pass still ends in probabilities, but the loss writes the gradient of the logits (probabilities minus targets)
/// and the activation's own backward never runs.
/// </summary>
public sealed class LossAbsorptionTests
{
    [Fact]
    public void Dense_with_Softmax_under_cross_entropy_absorbs_the_softmax()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.SoftmaxCrossEntropy, Dense(10, ActivationKind.Softmax)), CancellationToken.None);
        Assert.Empty(result.Diagnostics); // in particular no MYL0101
        var plan = result.Plan!;
        var dense = Assert.IsType<DenseOp>(plan.Ops[0]);
        var softmax = Assert.IsType<ActivationOp>(plan.Ops[1]);
        Assert.Equal(ActivationKind.Softmax, softmax.Activation);
        Assert.True(softmax.AbsorbedByLoss);
        Assert.Equal(new LossPlan(LossKind.SoftmaxCrossEntropy, dense.Output, ActivationKind.Softmax), plan.Loss);
        Assert.Equal("Dense1Logits", plan.Values[dense.Output].Identifier);
        Assert.Equal(softmax.Output, plan.OutputValue); // Forward still returns probabilities
    }

    [Fact]
    public void A_stand_alone_Softmax_layer_at_the_end_is_absorbed_the_same_way()
    {
        var plan = Plan(new[] { 4 }, LossKind.SoftmaxCrossEntropy, Dense(10), Activation(ActivationKind.Softmax));
        var softmax = Assert.IsType<ActivationOp>(plan.Ops[1]);
        Assert.True(softmax.AbsorbedByLoss);
        Assert.Equal(plan.Ops[0].Output, plan.Loss.GradientValue);
    }

    [Fact]
    public void Dense_with_Sigmoid_under_binary_cross_entropy_is_split_into_logits_and_an_absorbed_sigmoid()
    {
        var plan = Plan(new[] { 4 }, LossKind.BinaryCrossEntropy, Dense(1, ActivationKind.Sigmoid));
        Assert.Equal(2, plan.Ops.Count);
        var dense = Assert.IsType<DenseOp>(plan.Ops[0]);
        var sigmoid = Assert.IsType<ActivationOp>(plan.Ops[1]);
        Assert.Equal(ActivationKind.None, dense.Activation);
        Assert.Equal("Dense1Logits", plan.Values[dense.Output].Identifier);
        Assert.Equal(ActivationKind.Sigmoid, sigmoid.Activation);
        Assert.True(sigmoid.AbsorbedByLoss);
        Assert.Equal(dense.Output, sigmoid.Input.Value);
        Assert.Equal(sigmoid.Output, plan.OutputValue);
        Assert.Equal("Dense1Output", plan.Values[plan.OutputValue].Identifier);
        Assert.Equal(new LossPlan(LossKind.BinaryCrossEntropy, dense.Output, ActivationKind.Sigmoid), plan.Loss);
        Assert.DoesNotContain("Sigmoid", dense.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Sigmoid_layer_fused_into_a_dense_layer_is_split_back_out_for_binary_cross_entropy()
    {
        var fused = Plan(new[] { 4 }, LossKind.BinaryCrossEntropy, Dense(3), Activation(ActivationKind.Sigmoid));
        Assert.Equal(ActivationKind.None, Assert.IsType<DenseOp>(fused.Ops[0]).Activation);
        Assert.True(Assert.IsType<ActivationOp>(fused.Ops[1]).AbsorbedByLoss);
        Assert.Equal(ActivationKind.Sigmoid, fused.Loss.AbsorbedActivation);
    }

    [Fact]
    public void A_sigmoid_fused_into_a_convolution_is_split_out_for_binary_cross_entropy_on_an_image_output()
    {
        var plan = Plan(new[] { 1, 6, 6 }, LossKind.BinaryCrossEntropy, Conv(1, 3, ActivationKind.Sigmoid));
        var conv = Assert.IsType<Conv2DOp>(plan.Ops[0]);
        Assert.Equal(ActivationKind.None, conv.Activation);
        Assert.True(Assert.IsType<ActivationOp>(plan.Ops[1]).AbsorbedByLoss);
        Assert.Equal(conv.Output, plan.Loss.GradientValue);
    }

    [Fact]
    public void Logits_without_an_activation_are_the_loss_input_and_nothing_is_absorbed()
    {
        var plan = Plan(new[] { 4 }, LossKind.SoftmaxCrossEntropy, Dense(10));
        Assert.Equal(new LossPlan(LossKind.SoftmaxCrossEntropy, plan.OutputValue, ActivationKind.None), plan.Loss);
        Assert.DoesNotContain(plan.Ops, op => op is ActivationOp);
    }

    [Fact]
    public void Mean_squared_error_absorbs_nothing_and_a_trailing_sigmoid_stays_fused()
    {
        var plan = Plan(new[] { 4 }, LossKind.MeanSquaredError, Dense(1, ActivationKind.Sigmoid));
        var dense = Assert.IsType<DenseOp>(Assert.Single(plan.Ops));
        Assert.Equal(ActivationKind.Sigmoid, dense.Activation);
        Assert.Equal(new LossPlan(LossKind.MeanSquaredError, dense.Output, ActivationKind.None), plan.Loss);
    }

    [Fact]
    public void A_softmax_inside_a_cross_entropy_network_is_not_absorbed_and_reports_MYL0101()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.SoftmaxCrossEntropy, Dense(8, ActivationKind.Softmax), Dense(3)), CancellationToken.None);
        var softmax = Assert.IsType<ActivationOp>(result.Plan!.Ops[1]);
        Assert.False(softmax.AbsorbedByLoss);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MYL0101", diagnostic.Descriptor.Id);
        Assert.Equal(At(0), diagnostic.Location);
    }

    [Fact]
    public void An_inference_only_network_keeps_its_softmax_and_has_no_loss()
    {
        var result = NetworkPlanner.Plan(Network(new[] { 4 }, LossKind.None, Dense(3, ActivationKind.Softmax)), CancellationToken.None);
        Assert.Empty(result.Diagnostics);
        Assert.False(result.Plan!.IsTrainable);
        Assert.False(Assert.IsType<ActivationOp>(result.Plan.Ops[1]).AbsorbedByLoss);
    }

    [Fact]
    public void A_softmax_straight_on_the_input_is_absorbed_with_the_input_as_logits()
    {
        // Nothing to train, but a valid plan: the loss reads the network input and writes no gradient (-1).
        var plan = Plan(new[] { 4 }, LossKind.SoftmaxCrossEntropy, Activation(ActivationKind.Softmax));
        Assert.True(Assert.IsType<ActivationOp>(Assert.Single(plan.Ops)).AbsorbedByLoss);
        Assert.Equal(-1, plan.Loss.GradientValue);
        Assert.Equal(0, plan.ParameterCount);
    }
}
