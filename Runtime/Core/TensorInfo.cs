using System;
using System.Collections.Generic;
using System.Linq;

namespace Myelin;

/// <summary>What a tensor in the parameter table holds.</summary>
public enum TensorKind
{
    /// <summary>A trainable parameter in <see cref="INetwork.Parameters"/> (PyTorch's <c>nn.Parameter</c>).</summary>
    Parameter = 0,

    /// <summary>Non-trainable float state in <see cref="INetwork.Buffers"/> (PyTorch's buffers, e.g. <c>running_mean</c>).</summary>
    Buffer = 1,

    /// <summary>An integer counter kept as a float in <see cref="INetwork.Buffers"/>, stored as int64 in checkpoints (<c>num_batches_tracked</c>).</summary>
    Counter = 2,
}

/// <summary>One row of a network's parameter table.</summary>
/// <param name="Name">The PyTorch-style name, e.g. <c>dense1.weight</c>.</param>
/// <param name="LayerIndex">The index of the owning layer in <see cref="INetwork.Layers"/>.</param>
/// <param name="Shape">The PyTorch shape, e.g. <c>[128, 784]</c> for a dense weight <c>[out, in]</c>.</param>
/// <param name="Offset">The offset of the first element in <see cref="INetwork.Parameters"/> or <see cref="INetwork.Buffers"/>.</param>
/// <param name="Kind">Whether it is a parameter, a buffer or a counter.</param>
public sealed record TensorInfo(string Name, int LayerIndex, IReadOnlyList<int> Shape, int Offset, TensorKind Kind)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; } = Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The shape as PyTorch prints it, e.g. <c>[128, 784]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <inheritdoc />
    public bool Equals(TensorInfo? other) =>
        other is not null && Name == other.Name && LayerIndex == other.LayerIndex && Offset == other.Offset
        && Kind == other.Kind && Shape.SequenceEqual(other.Shape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Offset, Kind);
}

/// <summary>One layer of a network, as the summary shows it.</summary>
/// <param name="Name">The layer's name, e.g. <c>dense1</c>.</param>
/// <param name="Kind">The layer kind, e.g. <c>Dense</c> or <c>Conv2D</c>.</param>
/// <param name="OutputShape">The per-sample output shape.</param>
/// <param name="ParameterCount">The number of trainable parameters it owns.</param>
public sealed record LayerInfo(string Name, string Kind, IReadOnlyList<int> OutputShape, int ParameterCount)
{
    /// <summary>The output shape as the summary prints it, e.g. <c>6x26x26</c>.</summary>
    public string OutputShapeText => string.Join("x", OutputShape);

    /// <inheritdoc />
    public bool Equals(LayerInfo? other) =>
        other is not null && Name == other.Name && Kind == other.Kind && ParameterCount == other.ParameterCount
        && OutputShape.SequenceEqual(other.OutputShape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Kind, ParameterCount);
}
