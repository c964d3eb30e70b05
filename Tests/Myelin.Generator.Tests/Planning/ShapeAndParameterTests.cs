using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;
using Myelin.Generator.Tests.Incremental;
using Myelin.Generator.Tests.Infrastructure;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// Output shapes, parameter counts and the parameter table, checked against counts worked out by hand:
/// a convolution has <c>filters * channels * k * k + filters</c> parameters, a dense layer <c>units * inputs + units</c>,
/// an unpadded k x k convolution takes <c>k - 1</c> off the height and width, and a 2x2 pool halves them (floor).
/// </summary>
public sealed class ShapeAndParameterTests
{
    private static NetworkPlan LeNet() => Plan(new[] { 1, 28, 28 }, LossKind.SoftmaxCrossEntropy,
        Conv(6, 3, ActivationKind.ReLU), MaxPool(2), Conv(16, 3, ActivationKind.ReLU), MaxPool(2), Flatten(),
        Dense(120, ActivationKind.ReLU), Dense(10));

    private static NetworkPlan Cnn() => Plan(new[] { 1, 28, 28 }, LossKind.SoftmaxCrossEntropy,
        Conv(32, 3, ActivationKind.ReLU), MaxPool(2), Conv(64, 3, ActivationKind.ReLU), MaxPool(2), Conv(64, 3, ActivationKind.ReLU),
        Flatten(), Dense(64, ActivationKind.ReLU), Dense(10));

    [Fact]
    public void LeNet_has_the_hand_computed_shape_and_parameter_count_of_every_layer()
    {
        var plan = LeNet();
        // conv1 6*1*9+6 = 60; conv2 16*6*9+16 = 880; dense1 400*120+120 = 48,120; dense2 120*10+10 = 1,210.
        AssertLayers(plan,
            ("conv1", "6x26x26", 60),
            ("maxpool1", "6x13x13", 0),
            ("conv2", "16x11x11", 880),
            ("maxpool2", "16x5x5", 0),
            ("flatten1", "400", 0),
            ("dense1", "120", 48_120),
            ("dense2", "10", 1_210));
        Assert.Equal(60 + 880 + 48_120 + 1_210, plan.ParameterCount);
        Assert.Equal(50_270, plan.ParameterCount);
        Assert.Equal("1x28x28", plan.InputShape.ToString());
        Assert.Equal("10", plan.OutputShape.ToString());
    }

    [Fact]
    public void The_three_convolution_CNN_has_the_hand_computed_shape_and_parameter_count_of_every_layer()
    {
        var plan = Cnn();
        // 28 -> 26 -> 13 -> 11 -> 5 -> 3; conv1 32*9+32 = 320; conv2 64*32*9+64 = 18,496; conv3 64*64*9+64 = 36,928;
        // dense1 576*64+64 = 36,928; dense2 64*10+10 = 650.
        AssertLayers(plan,
            ("conv1", "32x26x26", 320),
            ("maxpool1", "32x13x13", 0),
            ("conv2", "64x11x11", 18_496),
            ("maxpool2", "64x5x5", 0),
            ("conv3", "64x3x3", 36_928),
            ("flatten1", "576", 0),
            ("dense1", "64", 36_928),
            ("dense2", "10", 650));
        Assert.Equal(93_322, plan.ParameterCount);
    }

    [Fact]
    public void Parameters_are_contiguous_in_layer_order_with_PyTorch_names_and_shapes()
    {
        var plan = LeNet();
        var parameters = plan.Tensors.Where(t => t.Storage == TensorStorage.Parameter).ToList();
        Assert.Equal(
            new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias" },
            parameters.Select(t => t.Name));
        Assert.Equal(new[] { 6, 1, 3, 3 }, parameters[0].Dims);
        Assert.Equal(new[] { 120, 400 }, parameters[4].Dims);
        AssertContiguous(parameters, plan.ParameterCount);
        Assert.Equal(new[] { 0, 0, 2, 2, 5, 5, 6, 6 }, parameters.Select(t => t.LayerIndex));
        Assert.All(parameters, t => Assert.Equal(t.Dims.Aggregate(1, (a, b) => a * b), t.Length));
    }

    [Fact]
    public void Batch_norm_puts_gamma_and_beta_in_the_parameters_and_running_statistics_in_the_buffers()
    {
        var plan = Plan(new[] { 3, 8, 8 }, LossKind.None, Conv(4, 3), BatchNorm(2), Flatten(), Dense(6), BatchNorm(1));
        // conv1 4*3*9+4 = 112; bn1 2*4 = 8; dense1 144*6+6 = 870; bn2 2*6 = 12.
        Assert.Equal(112 + 8 + 870 + 12, plan.ParameterCount);
        // Per batch norm: running_mean C, running_var C and num_batches_tracked 1.
        Assert.Equal((4 + 4 + 1) + (6 + 6 + 1), plan.BufferCount);
        var buffers = plan.Tensors.Where(t => t.Storage != TensorStorage.Parameter).ToList();
        Assert.Equal(new[] { "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "bn2.running_mean", "bn2.running_var", "bn2.num_batches_tracked" },
            buffers.Select(t => t.Name));
        Assert.Equal(TensorStorage.Counter, buffers[2].Storage);
        Assert.Empty(buffers[2].Dims);
        AssertContiguous(buffers, plan.BufferCount);
        AssertContiguous(plan.Tensors.Where(t => t.Storage == TensorStorage.Parameter).ToList(), plan.ParameterCount);
        Assert.Equal(new[] { InitKind.Zeros, InitKind.Ones, InitKind.Zeros }, buffers.Take(3).Select(t => t.Init));
    }

    [Fact]
    public void A_layer_without_bias_has_no_bias_tensor_and_fewer_parameters()
    {
        var plan = Plan(new[] { 784 }, LossKind.None, Dense(10, bias: false));
        Assert.Equal(7_840, plan.ParameterCount);
        Assert.Equal("dense1.weight", Assert.Single(plan.Tensors).Name);
    }

    [Theory]
    [InlineData(1, 0, false, "4x26x26")]
    [InlineData(2, 0, false, "4x13x13")] // (28 - 3) / 2 + 1 = 13 (floor)
    [InlineData(2, 1, false, "4x14x14")] // (28 + 2 - 3) / 2 + 1 = 14
    [InlineData(1, 0, true, "4x28x28")]
    [InlineData(3, 2, false, "4x10x10")] // (28 + 4 - 3) / 3 + 1 = 10
    public void A_3x3_convolution_on_28x28_gives_the_floor_mode_output_size(int stride, int padding, bool same, string shape)
    {
        var plan = Plan(new[] { 1, 28, 28 }, LossKind.None, Conv(4, 3, stride: stride, padding: same ? PaddingKind.Same : PaddingKind.Valid, paddingSize: padding));
        Assert.Equal(shape, plan.OutputShape.ToString());
    }

    [Fact]
    public void Same_padding_with_an_even_kernel_keeps_the_size_and_pads_one_less_at_the_top_and_left()
    {
        var plan = Plan(new[] { 1, 9, 9 }, LossKind.None, Conv(2, 4, padding: PaddingKind.Same));
        Assert.Equal("2x9x9", plan.OutputShape.ToString());
        var op = Assert.IsType<Conv2DOp>(Assert.Single(plan.Ops));
        // k - 1 = 3 rows of padding: 1 before, 2 after, as PyTorch.
        Assert.Equal(1, op.PadTop);
        Assert.Equal(1, op.PadLeft);
    }

    [Theory]
    [InlineData(2, 0, 7, "3x3x3")] // floor(7 / 2) = 3
    [InlineData(3, 2, 8, "3x3x3")] // (8 - 3) / 2 + 1 = 3
    [InlineData(3, 1, 5, "3x3x3")] // (5 - 3) / 1 + 1 = 3
    public void Pooling_uses_floor_mode_and_a_stride_that_defaults_to_the_kernel(int kernel, int stride, int size, string shape)
    {
        Assert.Equal(shape, Plan(new[] { 3, size, size }, LossKind.None, MaxPool(kernel, stride)).OutputShape.ToString());
        Assert.Equal(shape, Plan(new[] { 3, size, size }, LossKind.None, AvgPool(kernel, stride)).OutputShape.ToString());
    }

    [Fact]
    public void Global_average_pooling_turns_channels_into_features()
    {
        var plan = Plan(new[] { 8, 5, 5 }, LossKind.None, GlobalAvgPool(), Dense(2));
        Assert.Equal("8", plan.Layers[0].OutputShape.ToString());
        Assert.Equal(8 * 2 + 2, plan.ParameterCount);
    }

    [Fact]
    public void Flatten_adds_no_op_and_the_next_layer_reads_the_previous_buffer()
    {
        var plan = Plan(new[] { 2, 4, 4 }, LossKind.None, MaxPool(2), Flatten(), Dense(3));
        Assert.Equal(2, plan.Ops.Count);
        Assert.Equal(plan.Ops[0].Output, plan.Ops[1].Input.Value);
        Assert.Equal("8", plan.Ops[1].InputShape.ToString());
    }

    [Fact]
    public void A_network_of_only_Flatten_copies_its_input_to_an_output_buffer()
    {
        var plan = Plan(new[] { 2, 3, 3 }, LossKind.None, Flatten());
        var op = Assert.IsType<ActivationOp>(Assert.Single(plan.Ops));
        Assert.Equal(ActivationKind.None, op.Activation);
        Assert.Equal(-1, op.Input.Value);
        Assert.Equal("18", plan.OutputShape.ToString());
    }

    [Fact]
    public void Planning_the_same_spec_twice_gives_equal_plans()
    {
        Assert.Equal(LeNet(), LeNet());
        Assert.Equal(LeNet().GetHashCode(), LeNet().GetHashCode());
        Assert.NotEqual(LeNet(), Cnn());
    }

    [Fact]
    public void The_plan_parsed_from_attributes_equals_the_plan_of_the_hand_built_spec()
    {
        var run = GeneratorHarness.Run("""
            using Myelin;

            namespace Demo;

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
            """);
        var parsed = (ParseResult)CachingAssert.Outputs(run.Driver.GetRunResult(), TrackingNames.Parse).Single().Value;
        var fromSource = NetworkPlanner.Plan(parsed, CancellationToken.None).Plan;
        Assert.Equal(LeNet(), fromSource);
    }

    private static void AssertLayers(NetworkPlan plan, params (string Name, string Shape, int Parameters)[] expected) =>
        Assert.Equal(expected, plan.Layers.Select(l => (l.Name, l.OutputShape.ToString(), l.ParameterCount)));

    /// <summary>Offsets start at 0, each tensor starts where the previous one ended, and the last ends at the total.</summary>
    private static void AssertContiguous(IReadOnlyList<PlannedTensor> tensors, int total)
    {
        int next = 0;
        foreach (var tensor in tensors)
        {
            Assert.True(next == tensor.Offset, $"{tensor.Name} starts at {tensor.Offset}, expected {next}");
            next += tensor.Length;
        }
        Assert.Equal(total, next);
    }
}
