using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Hand-written graph networks, one per shape the issue names (and a few more the random graphs reach only by chance),
/// shared by the finite-difference checks of the reference and the generated-versus-reference tests.
/// </summary>
internal static class GraphExamples
{
    /// <summary><c>Add</c> of three inputs, one of them a branch straight from the input, with a ReLU on the sum.</summary>
    public static readonly RefNetwork ThreeWayAdd = new("ThreeWayAdd", Loss.SoftmaxCrossEntropy, new[] { 6 }, new RefLayer[]
    {
        new RefDense(5, Activation.Tanh, Name: "a"),
        new RefDense(5, Name: "b") { From = "input" },
        new RefDense(5, Activation.LeakyReLU, NegativeSlope: 0.2f, Name: "c") { From = "a" },
        new RefAdd(new[] { "a", "b", "c" }, Activation.ReLU),
        new RefDense(3),
    });

    /// <summary>
    /// Channel <c>Concat</c> of three branches of different widths (1, 4 and the input's 2 channels), then batch norm:
    /// the stem is read by two branches, the input by the stem and the concat.
    /// </summary>
    public static readonly RefNetwork ImageConcat = new("ImageConcat", Loss.SoftmaxCrossEntropy, new[] { 2, 5, 4 }, new RefLayer[]
    {
        new RefConv2D(3, 3, Padding: Padding.Same, Name: "stem"),
        new RefConv2D(1, 1, Activation.ReLU, Padding: Padding.Same, Name: "narrow"),
        new RefConv2D(4, 2, Activation.Tanh, Padding: Padding.Same, Name: "wide") { From = "stem" },
        new RefConcat(new[] { "narrow", "wide", "input" }),
        new RefBatchNorm(2),
        new RefGlobalAvgPool2D(),
        new RefDense(3),
    });

    /// <summary>Feature <c>Concat</c> of vectors of widths 2, 7 and 4 (the input), with a tanh after the join.</summary>
    public static readonly RefNetwork VectorConcat = new("VectorConcat", Loss.MeanSquaredError, new[] { 4 }, new RefLayer[]
    {
        new RefDense(2, Activation.Sigmoid),
        new RefDense(7, Bias: false) { From = "input" },
        new RefConcat(new[] { "dense2", "input", "dense1" }),
        new RefActivation(Activation.Tanh),
        new RefDense(3),
    });

    /// <summary>One value (<c>hub</c>) read by three layers: a convolution, a batch norm and the Add that joins them.</summary>
    public static readonly RefNetwork ThreeReaders = new("ThreeReaders", Loss.BinaryCrossEntropy, new[] { 1, 5, 5 }, new RefLayer[]
    {
        new RefConv2D(3, 3, Padding: Padding.Same, Name: "hub"),
        new RefConv2D(3, 1, Activation.ReLU, Padding: Padding.Same),
        new RefBatchNorm(2) { From = "hub" },
        new RefAdd(new[] { "hub", "conv2", "bn1" }),
        new RefPool2D(Max: true, Kernel: 2),
        new RefFlatten(),
        new RefDense(2),
    });

    /// <summary>A skip across five layers, with a LeakyReLU fused into the Add, then a flatten of the sum.</summary>
    public static readonly RefNetwork LongSkip = new("LongSkip", Loss.BinaryCrossEntropy, new[] { 3, 4, 4 }, new RefLayer[]
    {
        new RefConv2D(3, 3, Padding: Padding.Same, Name: "start"),
        new RefBatchNorm(2),
        new RefActivation(Activation.ReLU),
        new RefConv2D(3, 3, Padding: Padding.Same),
        new RefActivation(Activation.Tanh),
        new RefConv2D(3, 1, Padding: Padding.Same),
        new RefAdd(new[] { "start", "conv3" }, Activation.LeakyReLU, NegativeSlope: 0.1f),
        new RefFlatten(),
        new RefDense(2, Activation.Sigmoid),
    });

    /// <summary>A small ResNet: stem, two residual blocks with batch norm (the second with dropout), global pooling, a head.</summary>
    public static readonly RefNetwork ResNet = new("SmallResNet", Loss.SoftmaxCrossEntropy, new[] { 1, 6, 6 }, new RefLayer[]
    {
        new RefConv2D(4, 3, Padding: Padding.Same, Name: "stem"),
        new RefBatchNorm(2),
        new RefActivation(Activation.ReLU, Name: "block1_in"),
        new RefConv2D(4, 3, Padding: Padding.Same),
        new RefBatchNorm(2),
        new RefActivation(Activation.ReLU),
        new RefConv2D(4, 3, Padding: Padding.Same),
        new RefBatchNorm(2, Name: "block1_branch"),
        new RefAdd(new[] { "block1_in", "block1_branch" }, Activation.ReLU, Name: "block1_out"),
        new RefConv2D(4, 3, Padding: Padding.Same),
        new RefBatchNorm(2),
        new RefActivation(Activation.ReLU),
        new RefDropout(0.3f),
        new RefConv2D(4, 3, Padding: Padding.Same),
        new RefBatchNorm(2, Name: "block2_branch"),
        new RefAdd(new[] { "block1_out", "block2_branch" }, Activation.ReLU),
        new RefGlobalAvgPool2D(),
        new RefDense(3),
    });

    /// <summary>
    /// Activations after merges: a Concat followed by a stand-alone sigmoid, and the network ending in an Add whose sigmoid
    /// the binary cross-entropy absorbs (the loss differentiates from the sum).
    /// </summary>
    public static readonly RefNetwork MergeActivations = new("MergeActivations", Loss.BinaryCrossEntropy, new[] { 5 }, new RefLayer[]
    {
        new RefDense(3, Activation.ReLU),
        new RefDense(4) { From = "input" },
        new RefConcat(new[] { "dense1", "dense2" }),
        new RefActivation(Activation.Sigmoid),
        new RefDense(2),
        new RefDense(2, Bias: false) { From = "dense1" },
        new RefAdd(new[] { "dense3", "dense4" }, Activation.Sigmoid),
    });

    /// <summary>A cross-entropy network ending in an Add and a Softmax layer that the loss absorbs.</summary>
    public static readonly RefNetwork SoftmaxAfterAdd = new("SoftmaxAfterAdd", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefLayer[]
    {
        new RefDense(4, Activation.Tanh),
        new RefDense(3) { From = "input" },
        new RefDense(3, Activation.ReLU) { From = "dense1" },
        new RefAdd(new[] { "dense2", "dense3" }),
        new RefActivation(Activation.Softmax),
    });

    /// <summary>The same value twice in one merge: <c>Add(x, x)</c> is <c>2x</c>, <c>Concat(x, x)</c> two copies.</summary>
    public static readonly RefNetwork RepeatedInputs = new("RepeatedInputs", Loss.MeanSquaredError, new[] { 3 }, new RefLayer[]
    {
        new RefDense(4, Activation.Tanh, Name: "x"),
        new RefAdd(new[] { "x", "x" }),
        new RefConcat(new[] { "x", "add1", "x" }),
        new RefDense(2),
        new RefAdd(new[] { "input", "input" }) { Name = "twice_input" },
        new RefDense(2) { From = "twice_input" },
        new RefAdd(new[] { "dense2", "dense3" }),
    });

    /// <summary>
    /// Flatten views in merges: a flattened image joined with a dense layer's output, and added to another. The
    /// convolution's output is read through two views and once directly by a pool.
    /// </summary>
    public static readonly RefNetwork FlattenViews = new("FlattenViews", Loss.MeanSquaredError, new[] { 2, 3, 3 }, new RefLayer[]
    {
        new RefConv2D(2, 2, Activation.ReLU, Name: "conv"),
        new RefFlatten(Name: "flat"),
        new RefDense(8, Activation.Sigmoid),
        new RefAdd(new[] { "flat", "dense1" }),
        new RefPool2D(Max: false, Kernel: 2) { From = "conv" },
        new RefFlatten(),
        new RefConcat(new[] { "add1", "flatten2", "flat" }),
        new RefDense(3),
    });

    /// <summary>
    /// Layers nothing reads (MYL0102): a dense layer, and a batch norm whose statistics must not move in training; both
    /// keep their parameters, with zero gradients. The default chain resumes with <c>From</c>.
    /// </summary>
    public static readonly RefNetwork DeadLayers = new("DeadLayers", Loss.MeanSquaredError, new[] { 4 }, new RefLayer[]
    {
        new RefDense(5, Activation.ReLU, Name: "used"),
        new RefDense(6, Activation.Tanh),
        new RefBatchNorm(1) { From = "used" },
        new RefDense(2) { From = "used" },
    });

    /// <summary>Networks whose loss or only layer reads the network's input directly (the input gradient is the loss's own).</summary>
    public static readonly RefNetwork[] InputEdges =
    {
        new("FlattenOfInput", Loss.MeanSquaredError, new[] { 2, 3, 3 }, new RefLayer[] { new RefFlatten() }),
        new("TanhOfInput", Loss.MeanSquaredError, new[] { 2, 2, 3 }, new RefLayer[] { new RefActivation(Activation.Tanh) }),
        new("InputPlusInput", Loss.MeanSquaredError, new[] { 4 }, new RefLayer[] { new RefAdd(new[] { "input", "input" }) }),
        new("InputBesideInput", Loss.MeanSquaredError, new[] { 2, 2, 2 }, new RefLayer[] { new RefConcat(new[] { "input", "input" }) }),
        new("SigmoidOfInputSum", Loss.BinaryCrossEntropy, new[] { 3 }, new RefLayer[] { new RefAdd(new[] { "input", "input" }, Activation.Sigmoid) }),
        new("DropoutOfInput", Loss.MeanSquaredError, new[] { 6 }, new RefLayer[] { new RefDropout(0.5f) }),
        new("NormOfInput", Loss.MeanSquaredError, new[] { 3 }, new RefLayer[] { new RefBatchNorm(1) }),
        new("InputTwice", Loss.SoftmaxCrossEntropy, new[] { 3 }, new RefLayer[]
        {
            new RefDense(3, Activation.Tanh), new RefAdd(new[] { "input", "dense1" }), new RefActivation(Activation.Softmax),
        }),
    };

    public static readonly RefNetwork[] All =
    {
        ThreeWayAdd, ImageConcat, VectorConcat, ThreeReaders, LongSkip, ResNet, MergeActivations, SoftmaxAfterAdd,
        RepeatedInputs, FlattenViews, DeadLayers,
    };
}
