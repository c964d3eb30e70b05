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

/// <summary>
/// One layer of a network: what the summary shows, and, for tools that rebuild the network layer by layer (such as the
/// ONNX exporter), which layers it reads and its hyperparameters. Together with <see cref="INetwork.Tensors"/> the
/// layer table describes the whole graph as declared, with no reflection.
/// </summary>
/// <param name="Name">The layer's name, e.g. <c>dense1</c>.</param>
/// <param name="Kind">The layer kind as declared: <c>Dense</c>, <c>Conv2D</c>, <c>MaxPool2D</c>, <c>AvgPool2D</c>,
/// <c>GlobalAvgPool2D</c>, <c>Flatten</c>, <c>Dropout</c>, <c>BatchNorm1D</c>, <c>BatchNorm2D</c>, <c>Add</c>, <c>Concat</c>,
/// or an activation (<c>ReLU</c>, <c>LeakyReLU</c>, <c>Sigmoid</c>, <c>Tanh</c>, <c>Softmax</c>).</param>
/// <param name="OutputShape">The per-sample output shape.</param>
/// <param name="ParameterCount">The number of trainable parameters it owns.</param>
public sealed record LayerInfo(string Name, string Kind, IReadOnlyList<int> OutputShape, int ParameterCount)
{
    /// <summary>The layers it reads, by name, in order; <c>input</c> is the network's input.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = Array.Empty<string>();

    /// <summary>Its declared hyperparameters (activation, window, padding, rate, momentum, epsilon).</summary>
    public LayerSettings Settings { get; init; } = LayerSettings.None;

    /// <summary>The output shape as the summary prints it, e.g. <c>6x26x26</c>.</summary>
    public string OutputShapeText => string.Join("x", OutputShape);

    /// <inheritdoc />
    public bool Equals(LayerInfo? other) =>
        other is not null && Name == other.Name && Kind == other.Kind && ParameterCount == other.ParameterCount
        && OutputShape.SequenceEqual(other.OutputShape) && Inputs.SequenceEqual(other.Inputs) && Settings == other.Settings;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Kind, ParameterCount);
}

/// <summary>
/// A layer's declared hyperparameters besides its shapes. Zero (or <see cref="Activation.None"/>) where the layer has
/// no such setting.
/// </summary>
public sealed record LayerSettings
{
    /// <summary>No settings.</summary>
    public static readonly LayerSettings None = new();

    /// <summary>The layer's own activation: fused into a dense, convolution or Add layer, or the function of an activation layer.</summary>
    public Activation Activation { get; init; }

    /// <summary>The slope of <see cref="Activation.LeakyReLU"/>.</summary>
    public float NegativeSlope { get; init; }

    /// <summary>The window's height and width (convolution, pooling).</summary>
    public int KernelSize { get; init; }

    /// <summary>The window's stride (convolution, pooling).</summary>
    public int Stride { get; init; }

    /// <summary>Zero padding above the input (convolution).</summary>
    public int PadTop { get; init; }

    /// <summary>Zero padding left of the input (convolution).</summary>
    public int PadLeft { get; init; }

    /// <summary>Zero padding below the input (convolution).</summary>
    public int PadBottom { get; init; }

    /// <summary>Zero padding right of the input (convolution).</summary>
    public int PadRight { get; init; }

    /// <summary>The dropout probability.</summary>
    public float Rate { get; init; }

    /// <summary>The batch-norm running-statistics momentum.</summary>
    public float Momentum { get; init; }

    /// <summary>The batch-norm epsilon.</summary>
    public float Epsilon { get; init; }
}
