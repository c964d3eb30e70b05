using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Myelin;

/// <summary>
/// One tensor of an in-memory state dictionary: a PyTorch shape and its elements in row-major order, as
/// <see cref="NetworkState.ExportState"/> returns them and <see cref="NetworkState.LoadState"/> takes them.
/// </summary>
public sealed class TensorData
{
    private readonly int[] _shape;

    /// <summary>Creates a tensor; <paramref name="values"/> is not copied.</summary>
    /// <param name="shape">The dimensions, e.g. <c>[128, 784]</c>; empty for a scalar (a <c>num_batches_tracked</c> counter).</param>
    /// <param name="values">The product of <paramref name="shape"/> elements.</param>
    /// <exception cref="ArgumentException">A dimension is negative, or the element count does not match the shape.</exception>
    public TensorData(IReadOnlyList<int> shape, float[] values)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long elements = 1;
        _shape = new int[shape.Count];
        for (int i = 0; i < _shape.Length; i++)
        {
            if (shape[i] < 0) throw new ArgumentException($"Dimension {i} of shape {Format(shape)} is negative.", nameof(shape));
            _shape[i] = shape[i];
            elements *= shape[i];
        }
        if (elements != values.Length)
            throw new ArgumentException($"Shape {Format(shape)} holds {elements} elements, but {values.Length} values were given.", nameof(values));
        Shape = new ReadOnlyCollection<int>(_shape);
        Values = values;
    }

    /// <summary>The dimensions.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The elements, row-major.</summary>
    public float[] Values { get; }

    /// <summary>The shape as PyTorch prints it, e.g. <c>[128, 784]</c>.</summary>
    public string ShapeText => Format(_shape);

    /// <inheritdoc />
    public override string ToString() => $"TensorData {ShapeText}";

    internal static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
