using System;

namespace Myelin;

/// <summary>
/// Marks a <c>partial class</c> as a Myelin network. The layers are the layer attributes on the same declaration,
/// in the order written, after one <see cref="InputAttribute"/>. Each layer reads the one before it unless it names
/// another with <see cref="LayerAttribute.From"/>, and merge layers (<see cref="AddAttribute"/>,
/// <see cref="ConcatAttribute"/>) join branches, so residual and branching networks are declared the same way. The
/// last layer is the network's output. At compile time the Myelin generator adds the
/// shape constants, the parameter table and buffers, and fused forward and backward code to the class.
/// </summary>
/// <example>
/// <code>
/// [Network(Loss = Loss.SoftmaxCrossEntropy)]
/// [Input(784)]
/// [Dense(128, Activation.ReLU)]
/// [Dense(10)]
/// public partial class MnistMlp;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The training loss. <see cref="Myelin.Loss.None"/> makes an inference-only network.</summary>
    public Loss Loss { get; set; }

    /// <summary>
    /// Also generate the network's int8 inference code: a nested class <c>Int8</c> with per-output-channel int8
    /// weights, int8 activations and int32 sums, which <c>Quantize.ToInt8(network, calibrationData)</c> creates from the
    /// trained float network. Off by default, so that networks that do not ask for it carry no int8 code.
    /// </summary>
    public bool Int8 { get; set; }
}

/// <summary>
/// The shape of one input sample, without the batch dimension: <c>[Input(784)]</c> for a vector,
/// <c>[Input(28, 28)]</c> for a sequence of 28 steps of 28 features (read by recurrent layers; batches are laid out
/// <c>[batch, steps, features]</c>, as PyTorch's <c>batch_first=True</c>), <c>[Input(1, 28, 28)]</c> for a
/// channels-height-width image (NCHW, as in PyTorch).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares the input shape.</summary>
    /// <param name="shape">One to three positive sizes: features; steps and features; or channels, height and width.</param>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The declared shape.</summary>
    public int[] Shape { get; }
}

/// <summary>
/// Base class of every layer attribute. A layer reads the output of the layer written before it, unless
/// <see cref="From"/> names another one, so a plain list of layers is a sequential network and named inputs make a graph.
/// </summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer whose output this layer reads: the name of an earlier layer, or <c>"input"</c> for the network's input.
    /// When unset (the default) the layer reads the layer written just before it, as in a Keras <c>Sequential</c> list.
    /// Only earlier layers can be named, so every network is an acyclic graph. The merge layers
    /// (<see cref="AddAttribute"/>, <see cref="ConcatAttribute"/>) name their inputs in their constructor instead.
    /// </summary>
    public string? From { get; set; }

    /// <summary>
    /// The layer's name, used for parameter names (<c>{Name}.weight</c>), checkpoints and freezing. When unset the
    /// layer gets a PyTorch-style name from its kind and position among layers of that kind: <c>dense1</c>,
    /// <c>dense2</c>, <c>conv1</c>, ...
    /// </summary>
    public string? Name { get; set; }
}
