using System;
using System.Collections.Generic;
using System.Linq;

namespace Myelin.Checkpoints;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's key, e.g. <c>dense1.weight</c>.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="DataBegin">The offset of the first byte, relative to the start of the data buffer after the header.</param>
/// <param name="DataEnd">The offset one past the last byte, relative to the start of the data buffer.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, IReadOnlyList<long> Shape, long DataBegin, long DataEnd)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dimension in Shape) count = checked(count * dimension);
            return count;
        }
    }

    /// <summary>The size of the data in bytes, <c>DataEnd - DataBegin</c>.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The shape as PyTorch prints it, e.g. <c>[128, 784]</c>, or <c>[]</c> for a scalar.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <inheritdoc />
    public bool Equals(SafeTensorInfo? other) =>
        other is not null && Name == other.Name && DType == other.DType && DataBegin == other.DataBegin
        && DataEnd == other.DataEnd && Shape.SequenceEqual(other.Shape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, DType, DataBegin, DataEnd);

    internal static string FormatShape<T>(IEnumerable<T> shape) => "[" + string.Join(", ", shape) + "]";
}
