using System.Globalization;
using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Numerics;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// One tiny network per layer kind and loss with numbers worked out by hand (in the comments), checked against BOTH the
/// generated network and the reference, so that a mistake the two share cannot hide. Unset parameters are zero.
/// Tolerance: <c>|value - expected| &lt;= 1e-5 * (1 + |expected|)</c>.
/// </summary>
public sealed partial class KnownAnswerTests
{
    private const string Namespace = "Numerics.KnownAnswers";
    private const double Tolerance = 1e-5;

    private static readonly RefNetwork Dense = new("Dense2x2", Loss.MeanSquaredError, new[] { 2 }, new RefLayer[] { new RefDense(2) });

    private static readonly RefNetwork Conv = new("Conv3x3", Loss.MeanSquaredError, new[] { 1, 4, 4 }, new RefLayer[] { new RefConv2D(1, 3) });

    private static readonly RefNetwork ConvSame = new("ConvSame2x2", Loss.MeanSquaredError, new[] { 1, 3, 3 },
        new RefLayer[] { new RefConv2D(1, 2, Padding: Padding.Same, Bias: false) });

    private static readonly RefNetwork ConvStrided = new("ConvStride2Pad1", Loss.MeanSquaredError, new[] { 1, 4, 4 },
        new RefLayer[] { new RefConv2D(1, 3, Stride: 2, PaddingSize: 1, Bias: false) });

    private static readonly RefNetwork MaxPool = new("MaxPool2x2", Loss.MeanSquaredError, new[] { 1, 4, 4 },
        new RefLayer[] { new RefConv2D(1, 1), new RefPool2D(Max: true, Kernel: 2) });

    private static readonly RefNetwork MaxPoolOverlapping = new("MaxPoolStride1", Loss.MeanSquaredError, new[] { 1, 3, 3 },
        new RefLayer[] { new RefConv2D(1, 1), new RefPool2D(Max: true, Kernel: 2, Stride: 1) });

    private static readonly RefNetwork MaxPoolTie = new("MaxPoolTie", Loss.MeanSquaredError, new[] { 2, 2, 2 },
        new RefLayer[] { new RefConv2D(1, 1, Bias: false), new RefPool2D(Max: true, Kernel: 2) });

    private static readonly RefNetwork AvgPool = new("AvgPool2x2", Loss.MeanSquaredError, new[] { 1, 4, 4 },
        new RefLayer[] { new RefConv2D(1, 1), new RefPool2D(Max: false, Kernel: 2) });

    private static readonly RefNetwork GlobalPool = new("GlobalPool", Loss.MeanSquaredError, new[] { 2, 2, 2 },
        new RefLayer[] { new RefConv2D(2, 1, Bias: false), new RefGlobalAvgPool2D() });

    private static readonly RefNetwork Flatten = new("FlattenOrder", Loss.MeanSquaredError, new[] { 2, 1, 2 },
        new RefLayer[] { new RefFlatten(), new RefDense(1, Bias: false) });

    private static RefNetwork WithActivation(string name, RefActivation activation) =>
        new(name, Loss.MeanSquaredError, new[] { 4 }, new RefLayer[] { new RefDense(4), activation });

    private static readonly RefNetwork ReLU = WithActivation("ReLUKnown", new RefActivation(Activation.ReLU));
    private static readonly RefNetwork Leaky = WithActivation("LeakyKnown", new RefActivation(Activation.LeakyReLU, 0.1f));
    private static readonly RefNetwork Sigmoid = WithActivation("SigmoidKnown", new RefActivation(Activation.Sigmoid));
    private static readonly RefNetwork Tanh = WithActivation("TanhKnown", new RefActivation(Activation.Tanh));
    private static readonly RefNetwork Softmax = WithActivation("SoftmaxKnown", new RefActivation(Activation.Softmax));

    private static readonly RefNetwork CrossEntropy = new("CrossEntropyLogits", Loss.SoftmaxCrossEntropy, new[] { 2 }, new RefLayer[] { new RefDense(2) });
    private static readonly RefNetwork CrossEntropySoftmax = new("CrossEntropySoftmax", Loss.SoftmaxCrossEntropy, new[] { 2 },
        new RefLayer[] { new RefDense(2, Activation.Softmax) });
    private static readonly RefNetwork Binary = new("BinaryLogits", Loss.BinaryCrossEntropy, new[] { 2 }, new RefLayer[] { new RefDense(2) });
    private static readonly RefNetwork BinarySigmoid = new("BinarySigmoid", Loss.BinaryCrossEntropy, new[] { 2 },
        new RefLayer[] { new RefDense(2), new RefActivation(Activation.Sigmoid) });

    private static readonly RefNetwork Norm1D = new("Norm1D", Loss.MeanSquaredError, new[] { 1 },
        new RefLayer[] { new RefDense(1), new RefBatchNorm(1, Epsilon: 0.5625f) });
    private static readonly RefNetwork Norm2D = new("Norm2D", Loss.MeanSquaredError, new[] { 2, 1, 2 },
        new RefLayer[] { new RefBatchNorm(2, Epsilon: 0.5625f) });
    private static readonly RefNetwork Dropout = new("DropoutEval", Loss.MeanSquaredError, new[] { 2 },
        new RefLayer[] { new RefDense(2), new RefDropout(0.5f) });

    private static readonly RefNetwork[] All =
    {
        Dense, Conv, ConvSame, ConvStrided, MaxPool, MaxPoolOverlapping, MaxPoolTie, AvgPool, GlobalPool, Flatten, ReLU, Leaky, Sigmoid,
        Tanh, Softmax, CrossEntropy, CrossEntropySoftmax, Binary, BinarySigmoid, Norm1D, Norm2D, Dropout,
    };

    private static readonly Lazy<System.Reflection.Assembly> Assembly = new(() => GeneratedComparison.CompileAndLoad(RefNetwork.ToSource(Namespace, All.Concat(Recurrent))));

    /// <summary>What one known-answer run produced, from the generated network and from the reference.</summary>
    private sealed record Result(ITrainableNetwork Generated, float GeneratedLoss, RefPass Reference);

    /// <summary>Zeroes every tensor, sets the given ones by name, and runs one ForwardBackward through both implementations.</summary>
    private static Result Run(RefNetwork spec, (string Name, float[] Values)[] tensors, float[] inputs, int batch,
        float[]? targets = null, int[]? labels = null, bool training = true)
    {
        var network = GeneratorHarness.CreateTrainable(Assembly.Value, Namespace + "." + spec.ClassName, 0, 8);
        network.Parameters.Clear();
        network.Buffers.Clear();
        foreach (var (name, values) in tensors)
        {
            var info = network.Tensors.Single(t => t.Name == name);
            Assert.Equal(info.Length, values.Length);
            values.CopyTo((info.Kind == TensorKind.Parameter ? network.Parameters : network.Buffers).Slice(info.Offset, info.Length));
        }
        var before = RefTensors.CopyFrom(network, spec); // before the step, which updates running statistics
        network.IsTraining = training;
        float loss = labels is not null ? network.ForwardBackward(inputs, labels, batch) : network.ForwardBackward(inputs, targets ?? new float[batch * spec.OutputSize], batch);
        var refTargets = labels is not null ? RefTargets.FromLabels(labels) : RefTargets.FromValues(targets ?? new float[batch * spec.OutputSize]);
        var reference = ReferenceInterpreter.Run(spec, before, GeneratedComparison.ToDouble(inputs), batch, refTargets, training, backward: true);
        return new Result(network, loss, reference);
    }

    private static void Expect(string what, double[] expected, float[] generated, double[] reference)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = Tolerance * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(generated[i] - expected[i]) <= allowed, string.Create(CultureInfo.InvariantCulture,
                $"{what}[{i}]: generated {generated[i]:R}, expected {expected[i]:R} (generated: [{string.Join(", ", generated)}])"));
            Assert.True(Math.Abs(reference[i] - expected[i]) <= allowed, string.Create(CultureInfo.InvariantCulture,
                $"{what}[{i}]: reference {reference[i]:R}, expected {expected[i]:R} (reference: [{string.Join(", ", reference)}])"));
        }
        Assert.Equal(expected.Length, generated.Length);
        Assert.Equal(expected.Length, reference.Length);
    }

    private static void ExpectOutputs(Result r, params double[] expected) => Expect("outputs", expected, r.Generated.Outputs.ToArray(), r.Reference.Outputs);

    private static void ExpectLoss(Result r, double expected) => Expect("loss", new[] { expected }, new[] { r.GeneratedLoss }, new[] { r.Reference.Loss });

    private static void ExpectGradient(Result r, string tensor, params double[] expected) =>
        Expect("gradient of " + tensor, expected, RefTensors.Read(r.Generated, r.Generated.Gradients, tensor), r.Reference.Gradients[tensor]);

    private static void ExpectBuffer(Result r, string tensor, params double[] expected) =>
        Expect(tensor, expected, RefTensors.Read(r.Generated, r.Generated.Buffers, tensor), r.Reference.TensorsAfter[tensor]);

    /// <summary>1..16 as a 4x4 plane: x[r, c] = 4r + c + 1.</summary>
    private static float[] OneToSixteen() => Enumerable.Range(1, 16).Select(v => (float)v).ToArray();

    [Fact]
    public void A_2x2_dense_layer_with_set_weights_gives_hand_computed_outputs_loss_and_gradients()
    {
        // z = W x + b = [1*1 + 2*(-1) + 0.5, 3*1 + 4*(-1) - 1] = [-0.5, -2]; MSE against 0: (0.25 + 4) / 2 = 2.125.
        // dL/dz = 2 z / 2 = z; dW = dz x^T = [[-0.5, 0.5], [-2, 2]]; db = dz.
        var r = Run(Dense, new[] { ("dense1.weight", new[] { 1f, 2f, 3f, 4f }), ("dense1.bias", new[] { 0.5f, -1f }) }, new[] { 1f, -1f }, 1);
        ExpectOutputs(r, -0.5, -2);
        ExpectLoss(r, 2.125);
        ExpectGradient(r, "dense1.weight", -0.5, 0.5, -2, 2);
        ExpectGradient(r, "dense1.bias", -0.5, -2);
    }

    [Fact]
    public void A_3x3_convolution_on_a_4x4_input_is_a_cross_correlation_with_hand_summed_outputs_and_gradients()
    {
        // Kernel taps k[0,0] = 1, k[0,2] = -1, k[2,1] = 2, bias 0.5 (asymmetric, so a flipped kernel would differ):
        // y[i, j] = x[i, j] - x[i, j+2] + 2 x[i+2, j+1] + 0.5 = -2 + 2 (4i + j + 10) + 0.5 = 8i + 2j + 18.5.
        // MSE against 0 over 4 outputs: (18.5^2 + 20.5^2 + 26.5^2 + 28.5^2) / 4 = 2277 / 4; dL/dy = y / 2.
        // db = sum y / 2 = 47; dW[a, b] = sum_ij (y_ij / 2) x[i+a, j+b] = 181.5 + 47 (4a + b).
        var kernel = new float[9];
        kernel[0] = 1f;
        kernel[2] = -1f;
        kernel[7] = 2f;
        var r = Run(Conv, new[] { ("conv1.weight", kernel), ("conv1.bias", new[] { 0.5f }) }, OneToSixteen(), 1);
        ExpectOutputs(r, 18.5, 20.5, 26.5, 28.5);
        ExpectLoss(r, 2277.0 / 4);
        ExpectGradient(r, "conv1.bias", 47);
        ExpectGradient(r, "conv1.weight", Enumerable.Range(0, 9).Select(t => 181.5 + 47 * (4 * (t / 3) + t % 3)).ToArray());
    }

    [Fact]
    public void Same_padding_with_an_even_kernel_puts_the_extra_zero_row_and_column_at_the_bottom_and_right()
    {
        // 2x2 kernel of ones on [[1,2,3],[4,5,6],[7,8,9]]: each output sums x[i..i+1, j..j+1], zero beyond the edge.
        var r = Run(ConvSame, new[] { ("conv1.weight", new[] { 1f, 1f, 1f, 1f }) }, Enumerable.Range(1, 9).Select(v => (float)v).ToArray(), 1);
        ExpectOutputs(r, 12, 16, 9, 24, 28, 15, 15, 17, 9);
    }

    [Fact]
    public void A_strided_convolution_with_explicit_padding_sums_the_hand_picked_windows()
    {
        // 3x3 ones, stride 2, padding 1 on 1..16: output 2x2, windows rows/cols {-1..1} and {1..3}:
        // [1+2+5+6, 2+3+4+6+7+8, 5+6+9+10+13+14, 6+7+8+10+11+12+14+15+16] = [14, 30, 57, 99].
        var r = Run(ConvStrided, new[] { ("conv1.weight", Enumerable.Repeat(1f, 9).ToArray()) }, OneToSixteen(), 1);
        ExpectOutputs(r, 14, 30, 57, 99);
    }

    private static readonly float[] PoolInput = { 1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 7, 6, 9, 1, 3, 5 };

    [Fact]
    public void A_2x2_max_pool_takes_each_window_maximum_and_routes_the_gradient_to_it()
    {
        // Identity 1x1 convolution, then windows [1,5,3,4] [2,0,8,1] [0,2,9,1] [7,6,3,5] -> [5, 8, 9, 7].
        // MSE against 0: (25 + 64 + 81 + 49) / 4 = 54.75; dL/dy = y / 2 goes to each maximum, so
        // dW = sum (y/2) y = 219 / 2 = 109.5 and db = sum y / 2 = 14.5.
        var r = Run(MaxPool, new[] { ("conv1.weight", new[] { 1f }) }, PoolInput, 1);
        ExpectOutputs(r, 5, 8, 9, 7);
        ExpectLoss(r, 54.75);
        ExpectGradient(r, "conv1.weight", 109.5);
        ExpectGradient(r, "conv1.bias", 14.5);
    }

    [Fact]
    public void An_overlapping_max_pool_with_stride_1_sends_two_gradients_to_a_shared_maximum()
    {
        // [[9,1,2],[3,4,8],[5,7,6]], 2x2 windows at stride 1 -> [9, 8, 7, 8]; the 8 wins two windows.
        // dW = sum (y/2) x_max = (81 + 64 + 49 + 64) / 2 = 129; db = (9 + 8 + 7 + 8) / 2 = 16.
        var r = Run(MaxPoolOverlapping, new[] { ("conv1.weight", new[] { 1f }) }, new float[] { 9, 1, 2, 3, 4, 8, 5, 7, 6 }, 1);
        ExpectOutputs(r, 9, 8, 7, 8);
        ExpectGradient(r, "conv1.weight", 129);
        ExpectGradient(r, "conv1.bias", 16);
    }

    [Fact]
    public void A_max_pool_tie_goes_to_the_first_maximum_in_the_window_as_in_PyTorch()
    {
        // A 1x1 convolution adds the two channels: channel 0 = [1, 3, 0, 0], channel 1 = [3, 1, 0, 0] give [4, 4, 0, 0].
        // The tie at 4 goes to position 0 (row-major first), so with dL/dy = 2 * 4 = 8: dW = 8 * [1, 3] = [8, 24]
        // (position 1 would give [24, 8]).
        var r = Run(MaxPoolTie, new[] { ("conv1.weight", new[] { 1f, 1f }) }, new float[] { 1, 3, 0, 0, 3, 1, 0, 0 }, 1);
        ExpectOutputs(r, 4);
        ExpectGradient(r, "conv1.weight", 8, 24);
    }

    [Fact]
    public void A_2x2_average_pool_takes_each_window_mean_and_shares_the_gradient_equally()
    {
        // Window means [13, 11, 12, 21] / 4 = [3.25, 2.75, 3, 5.25]; dL/dy = y / 2, shared by 4 inputs each:
        // db = sum_y (y/2) = 7.125; dW = sum_y (y/2) (window sum)/4 = sum y^2 / 2 = (10.5625 + 7.5625 + 9 + 27.5625) / 2 = 27.34375.
        var r = Run(AvgPool, new[] { ("conv1.weight", new[] { 1f }) }, PoolInput, 1);
        ExpectOutputs(r, 3.25, 2.75, 3, 5.25);
        ExpectGradient(r, "conv1.bias", 7.125);
        ExpectGradient(r, "conv1.weight", 27.34375);
    }

    [Fact]
    public void Global_average_pooling_gives_each_channel_mean()
    {
        // 1x1 convolution swapping the two channels (W = [[0, 1], [1, 0]]), then channel means:
        // input channel 0 = [1, 2, 3, 4] (mean 2.5), channel 1 = [-1, 0, 5, 0] (mean 1) -> [1, 2.5].
        // dL/dy = y (MSE over 2): dW[o, c] = y_o * mean(x_c) = [[1 * 2.5, 1 * 1], [2.5 * 2.5, 2.5 * 1]].
        var r = Run(GlobalPool, new[] { ("conv1.weight", new[] { 0f, 1f, 1f, 0f }) }, new float[] { 1, 2, 3, 4, -1, 0, 5, 0 }, 1);
        ExpectOutputs(r, 1, 2.5);
        ExpectGradient(r, "conv1.weight", 2.5, 1, 6.25, 2.5);
    }

    [Fact]
    public void Flatten_keeps_the_channels_height_width_order()
    {
        // Input [c0: 1, 2 | c1: 3, 4] flattened is [1, 2, 3, 4]; weights [1, 2, 3, 4] give 1 + 4 + 9 + 16 = 30.
        var r = Run(Flatten, new[] { ("dense1.weight", new[] { 1f, 2f, 3f, 4f }) }, new[] { 1f, 2f, 3f, 4f }, 1);
        ExpectOutputs(r, 30);
    }

    private static readonly float[] Identity4 = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

    private static Result RunActivation(RefNetwork spec, float[] z) => Run(spec, new[] { ("dense1.weight", Identity4) }, z, 1);

    [Fact]
    public void ReLU_and_LeakyReLU_give_hand_computed_outputs_and_PyTorch_derivatives_at_zero()
    {
        // z = [-1, 2, 0, 0.5]; dL/dy = 2y/4 = y/2; dL/dz = f'(z) y / 2 with ReLU'(0) = 0.
        var relu = RunActivation(ReLU, new[] { -1f, 2f, 0f, 0.5f });
        ExpectOutputs(relu, 0, 2, 0, 0.5);
        ExpectGradient(relu, "dense1.bias", 0, 1, 0, 0.25);
        // LeakyReLU(0.1): y = [-0.1, 2, 0, 0.5]; dL/dz[0] = 0.1 * (-0.1) / 2 = -0.005.
        var leaky = RunActivation(Leaky, new[] { -1f, 2f, 0f, 0.5f });
        ExpectOutputs(leaky, -0.1, 2, 0, 0.5);
        ExpectGradient(leaky, "dense1.bias", -0.005, 1, 0, 0.25);
    }

    [Fact]
    public void Sigmoid_and_tanh_give_hand_computed_outputs_and_derivatives()
    {
        // sigmoid([0, ln 3, -ln 3, 0]) = [0.5, 0.75, 0.25, 0.5]; dL/dz = y (1 - y) y / 2.
        float ln3 = (float)Math.Log(3), ln2 = (float)Math.Log(2);
        var sigmoid = RunActivation(Sigmoid, new[] { 0f, ln3, -ln3, 0f });
        ExpectOutputs(sigmoid, 0.5, 0.75, 0.25, 0.5);
        ExpectGradient(sigmoid, "dense1.bias", 0.0625, 0.0703125, 0.0234375, 0.0625);
        // tanh(±ln 2) = ±(4 - 1) / (4 + 1) = ±0.6; dL/dz = (1 - y^2) y / 2 = ±0.192.
        var tanh = RunActivation(Tanh, new[] { 0f, ln2, -ln2, 0f });
        ExpectOutputs(tanh, 0, 0.6, -0.6, 0);
        ExpectGradient(tanh, "dense1.bias", 0, 0.192, -0.192, 0);
    }

    [Fact]
    public void A_softmax_layer_under_MSE_gives_hand_computed_probabilities_and_Jacobian_product()
    {
        // softmax([0, ln 2, ln 5, 0]) = [1, 2, 5, 1] / 9. dL/dy = y / 2, so dL/dz_i = y_i (y_i - sum_j y_j^2) / 2 with
        // sum y^2 = 31/81: [-22, -26, 70, -22] / 1458.
        var softmax = RunActivation(Softmax, new[] { 0f, (float)Math.Log(2), (float)Math.Log(5), 0f });
        ExpectOutputs(softmax, 1.0 / 9, 2.0 / 9, 5.0 / 9, 1.0 / 9);
        ExpectGradient(softmax, "dense1.bias", -22.0 / 1458, -26.0 / 1458, 70.0 / 1458, -22.0 / 1458);
    }

    [Fact]
    public void Cross_entropy_on_logits_and_through_an_absorbed_softmax_gives_minus_log_three_quarters()
    {
        // Logits [0, ln 3], label 1: softmax [0.25, 0.75], L = -ln 0.75, dL/dz = [0.25, -0.25]; dW = dz x^T.
        float ln3 = (float)Math.Log(3);
        var tensors = new[] { ("dense1.weight", new[] { 1f, 0f, 0f, 1f }) };
        var logits = Run(CrossEntropy, tensors, new[] { 0f, ln3 }, 1, labels: new[] { 1 });
        ExpectOutputs(logits, 0, Math.Log(3));
        ExpectLoss(logits, -Math.Log(0.75));
        ExpectGradient(logits, "dense1.bias", 0.25, -0.25);
        ExpectGradient(logits, "dense1.weight", 0, 0.25 * Math.Log(3), 0, -0.25 * Math.Log(3));
        var probabilities = Run(CrossEntropySoftmax, tensors, new[] { 0f, ln3 }, 1, labels: new[] { 1 });
        ExpectOutputs(probabilities, 0.25, 0.75);
        ExpectLoss(probabilities, -Math.Log(0.75));
        ExpectGradient(probabilities, "dense1.bias", 0.25, -0.25);
    }

    [Fact]
    public void Binary_cross_entropy_on_logits_and_through_an_absorbed_sigmoid_gives_one_and_a_half_log_two()
    {
        // Logits [0, ln 3], targets [1, 0]: L = mean(ln 2, ln 4) = 1.5 ln 2; dL/dz = (sigmoid(z) - t) / 2 = [-0.25, 0.375].
        float ln3 = (float)Math.Log(3);
        var tensors = new[] { ("dense1.weight", new[] { 1f, 0f, 0f, 1f }) };
        var logits = Run(Binary, tensors, new[] { 0f, ln3 }, 1, targets: new[] { 1f, 0f });
        ExpectOutputs(logits, 0, Math.Log(3));
        ExpectLoss(logits, 1.5 * Math.Log(2));
        ExpectGradient(logits, "dense1.bias", -0.25, 0.375);
        var probabilities = Run(BinarySigmoid, tensors, new[] { 0f, ln3 }, 1, targets: new[] { 1f, 0f });
        ExpectOutputs(probabilities, 0.5, 0.75);
        ExpectLoss(probabilities, 1.5 * Math.Log(2));
        ExpectGradient(probabilities, "dense1.bias", -0.25, 0.375);
    }

    [Fact]
    public void BatchNorm1D_in_training_mode_gives_hand_computed_outputs_gradients_and_running_statistics()
    {
        // Identity dense, then a batch of [1, 3]: mean 2, biased variance 1, eps 0.5625 so sigma = 1.25 and x-hat = ±0.8.
        // gamma 2, beta 0.5: y = [-1.1, 2.1]; MSE: (1.21 + 4.41) / 2 = 2.81, dL/dy = y. dbeta = 1, dgamma = 0.88 + 1.68 = 2.56.
        // dx = gamma/sigma (dy - mean dy - x-hat mean(dy x-hat)) = 1.6 (dy - 0.5 - 1.28 x-hat) = [-0.9216, 0.9216];
        // dense: dW = sum dx x = -0.9216 + 3 * 0.9216 = 1.8432, db = 0.
        // Running: mean 0.9 * 0 + 0.1 * 2 = 0.2; var 0.9 * 1 + 0.1 * 2 (unbiased) = 1.1; one batch tracked.
        var r = Run(Norm1D, new[]
        {
            ("dense1.weight", new[] { 1f }), ("bn1.weight", new[] { 2f }), ("bn1.bias", new[] { 0.5f }), ("bn1.running_var", new[] { 1f }),
        }, new[] { 1f, 3f }, 2);
        ExpectOutputs(r, -1.1, 2.1);
        ExpectLoss(r, 2.81);
        ExpectGradient(r, "bn1.bias", 1);
        ExpectGradient(r, "bn1.weight", 2.56);
        ExpectGradient(r, "dense1.weight", 1.8432);
        ExpectGradient(r, "dense1.bias", 0);
        ExpectBuffer(r, "bn1.running_mean", 0.2);
        ExpectBuffer(r, "bn1.running_var", 1.1);
        ExpectBuffer(r, "bn1.num_batches_tracked", 1);
    }

    [Fact]
    public void BatchNorm1D_in_eval_mode_normalises_with_the_running_statistics_and_leaves_them_alone()
    {
        // Running mean 1, variance 1, eps 0.5625: (3.5 - 1) / 1.25 = 2, y = 2 * 2 + 0.5 = 4.5; dL/dy = 2 * 4.5 = 9,
        // dx = gamma / sigma dy = 1.6 * 9 = 14.4, dense dW = 14.4 * 3.5 = 50.4.
        var r = Run(Norm1D, new[]
        {
            ("dense1.weight", new[] { 1f }), ("bn1.weight", new[] { 2f }), ("bn1.bias", new[] { 0.5f }),
            ("bn1.running_mean", new[] { 1f }), ("bn1.running_var", new[] { 1f }),
        }, new[] { 3.5f }, 1, training: false);
        ExpectOutputs(r, 4.5);
        ExpectGradient(r, "dense1.weight", 50.4);
        ExpectBuffer(r, "bn1.running_mean", 1);
        ExpectBuffer(r, "bn1.running_var", 1);
        ExpectBuffer(r, "bn1.num_batches_tracked", 0);
    }

    [Fact]
    public void BatchNorm2D_takes_statistics_per_channel_over_the_positions()
    {
        // One image, channel 0 = [1, 3], channel 1 = [5, 7]: means 2 and 6, biased variances 1, x-hat = ±0.8.
        // gamma [2, -1], beta [0.5, 1]: channel 0 [-1.1, 2.1], channel 1 [1.8, 0.2]. Running means [0.2, 0.6], variances 1.1.
        var r = Run(Norm2D, new[]
        {
            ("bn1.weight", new[] { 2f, -1f }), ("bn1.bias", new[] { 0.5f, 1f }), ("bn1.running_var", new[] { 1f, 1f }),
        }, new[] { 1f, 3f, 5f, 7f }, 1);
        ExpectOutputs(r, -1.1, 2.1, 1.8, 0.2);
        ExpectBuffer(r, "bn1.running_mean", 0.2, 0.6);
        ExpectBuffer(r, "bn1.running_var", 1.1, 1.1);
    }

    [Fact]
    public void Dropout_in_eval_mode_is_the_identity()
    {
        var r = Run(Dropout, new[] { ("dense1.weight", new[] { 1f, 2f, 3f, 4f }) }, new[] { 1f, 1f }, 1, training: false);
        ExpectOutputs(r, 3, 7);
        ExpectGradient(r, "dense1.bias", 3, 7);
    }
}
