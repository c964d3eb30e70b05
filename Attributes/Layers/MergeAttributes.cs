using System;

namespace Myelin;

/// <summary>
/// The element-wise sum of two or more earlier layers' outputs of the same shape, as in a ResNet block
/// (<c>torch.add</c>, Keras's <c>Add</c>), with an optional activation fused into the same pass.
/// </summary>
/// <example>
/// <code>
/// [Conv2D(16, 3, Padding = Padding.Same, Name = "stem")] [BatchNorm2D] [ReLU(Name = "block1_in")]
/// [Conv2D(16, 3, Padding = Padding.Same)] [BatchNorm2D] [ReLU]
/// [Conv2D(16, 3, Padding = Padding.Same)] [BatchNorm2D(Name = "block1_branch")]
/// [Add("block1_in", "block1_branch", Activation = Activation.ReLU)]
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>Declares a sum.</summary>
    /// <param name="inputs">The names of two or more earlier layers (or <c>"input"</c>) with outputs of the same shape.</param>
    public AddAttribute(params string[] inputs) => Inputs = inputs;

    /// <summary>The names of the summed layers.</summary>
    public string[] Inputs { get; }

    /// <summary>The activation applied to the sum, in the same pass (default none).</summary>
    public Activation Activation { get; set; }

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01, as in PyTorch).</summary>
    public float NegativeSlope { get; set; } = 0.01f;
}

/// <summary>
/// Joins two or more earlier layers' outputs along the feature axis, PyTorch's <c>torch.cat(dim=1)</c>: images of equal
/// height and width are stacked channel after channel, vectors feature after feature.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute : LayerAttribute
{
    /// <summary>Declares a concatenation.</summary>
    /// <param name="inputs">The names of two or more earlier layers (or <c>"input"</c>), all images of one height and width, or all vectors.</param>
    public ConcatAttribute(params string[] inputs) => Inputs = inputs;

    /// <summary>The names of the joined layers, in order.</summary>
    public string[] Inputs { get; }
}
