using System;

namespace Myelin;

/// <summary>
/// Marks a <c>partial class</c> as a Myelin network. The layers are the layer attributes on the same declaration,
/// in the order written, after one <see cref="InputAttribute"/>. At compile time the Myelin generator adds the
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
}

/// <summary>
/// The shape of one input sample, without the batch dimension: <c>[Input(784)]</c> for a vector,
/// <c>[Input(1, 28, 28)]</c> for a channels-height-width image (NCHW, as in PyTorch).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares the input shape.</summary>
    /// <param name="shape">One to three positive sizes: features, or channels, height and width.</param>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The declared shape.</summary>
    public int[] Shape { get; }
}

/// <summary>Base class of every layer attribute. Layers run in the order they are written.</summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer's name, used for parameter names (<c>{Name}.weight</c>), checkpoints and freezing. When unset the
    /// layer gets a PyTorch-style name from its kind and position among layers of that kind: <c>dense1</c>,
    /// <c>dense2</c>, <c>conv1</c>, ...
    /// </summary>
    public string? Name { get; set; }
}
