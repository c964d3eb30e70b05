using System;
using System.Collections.Generic;
using System.Linq;

namespace Myelin.Quantization;

/// <summary>What a tensor of an int8 network's state holds.</summary>
public enum QuantizedTensorKind
{
    /// <summary>Int8 weights, PyTorch's layout (<c>[out, in]</c>, <c>[out, in, kh, kw]</c>); stored as <c>I8</c>.</summary>
    Int8Weight = 0,

    /// <summary>The scale of each output channel's weights (<c>W[o] ≈ q[o] · scale[o]</c>); F32, positive.</summary>
    WeightScale = 1,

    /// <summary>An activation's scale (<c>x ≈ q · scale</c>), a 0-dimensional F32 tensor, positive.</summary>
    ActivationScale = 2,

    /// <summary>A float tensor kept as it was: a bias, or a batch norm's weight, bias and running statistics; F32.</summary>
    Float = 3,
}

/// <summary>One row of an int8 network's state table: what <see cref="Int8Checkpoint"/> saves and loads.</summary>
/// <param name="Name">The key, e.g. <c>conv1.weight</c>, <c>conv1.weight_scale</c> or <c>relu1.scale</c>; see docs/quantization.md.</param>
/// <param name="Kind">What it holds, which also gives its dtype.</param>
/// <param name="Shape">Its shape; empty for a scalar.</param>
/// <param name="Offset">Its first element in <see cref="IInt8Network.Int8State"/> (for <see cref="QuantizedTensorKind.Int8Weight"/>) or <see cref="IInt8Network.FloatState"/>.</param>
public sealed record QuantizedTensorInfo(string Name, QuantizedTensorKind Kind, IReadOnlyList<int> Shape, int Offset)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public int Length { get; } = Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Whether it lives in <see cref="IInt8Network.Int8State"/> rather than <see cref="IInt8Network.FloatState"/>.</summary>
    public bool IsInt8 => Kind == QuantizedTensorKind.Int8Weight;

    /// <summary>The shape as PyTorch prints it, e.g. <c>[6, 1, 3, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <inheritdoc />
    public bool Equals(QuantizedTensorInfo? other) =>
        other is not null && Name == other.Name && Kind == other.Kind && Offset == other.Offset && Shape.SequenceEqual(other.Shape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Kind, Offset);
}

/// <summary>
/// An int8 inference network, generated for a <c>[Network(Int8 = true)]</c> class as its nested class <c>Int8</c> and made
/// by <see cref="Quantize.ToInt8(INetwork, Myelin.Data.Dataset, QuantizeOptions?)"/>: per-output-channel symmetric int8
/// weights, int8 activations with calibrated scales, int32 sums, and float inputs and outputs.
/// </summary>
/// <remarks>
/// <para>
/// It is an <see cref="INetwork"/> so that everything that only runs a network forward works on it (<c>Predict</c>,
/// <c>PredictClass</c>, confusion matrices). It has no float parameters: <see cref="INetwork.Tensors"/>,
/// <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> are empty, it is always in eval mode, and its state
/// is <see cref="Int8State"/> and <see cref="FloatState"/> as <see cref="QuantizedTensors"/> lays them out.
/// </para>
/// </remarks>
public interface IInt8Network : INetwork
{
    /// <summary>The state table: every int8 weight, weight scale, activation scale and kept float tensor, by name.</summary>
    IReadOnlyList<QuantizedTensorInfo> QuantizedTensors { get; }

    /// <summary>The int8 weights, laid out as <see cref="QuantizedTensors"/> says.</summary>
    ReadOnlySpan<sbyte> Int8State { get; }

    /// <summary>The scales and kept float tensors, laid out as <see cref="QuantizedTensors"/> says.</summary>
    ReadOnlySpan<float> FloatState { get; }

    /// <summary>Whether the network has weights: it was quantised, or a state was set or loaded. A forward pass needs them.</summary>
    bool HasState { get; }

    /// <summary>
    /// Replaces the whole state and derives what the kernels run on (packed weights, per-channel multipliers, tables).
    /// The state is checked first (<see cref="QuantizedState.Check"/>): on any problem nothing changes.
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length, a scale is not positive and finite, a float is not finite, or a weight is -128; the message names the tensor and element.</exception>
    void SetState(ReadOnlySpan<sbyte> int8State, ReadOnlySpan<float> floatState);
}
