using System;
using System.Collections.Generic;
using System.Linq;

namespace Myelin.Gpu;

/// <summary>Copies weights between networks of the same parameter table: a CPU network and its device network, either way.</summary>
public static class WeightTransfer
{
    /// <summary>
    /// Copies the parameters and buffers of <paramref name="source"/> into <paramref name="target"/>, for example a
    /// CPU network's trained weights into its device network, or back. Both must have the same parameter table
    /// (names, shapes, offsets), as a class and its generated <c>Gpu</c> network do.
    /// </summary>
    /// <exception cref="ArgumentException">The tables differ; the message names the first difference.</exception>
    public static void CopyWeights(INetwork source, INetwork target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        CheckSameTable(source, target.Tensors, target.GetType().Name);
        source.Parameters.CopyTo(target.Parameters);
        source.Buffers.CopyTo(target.Buffers);
    }

    internal static void CheckSameTable(INetwork other, IReadOnlyList<TensorInfo> tensors, string name)
    {
        var theirs = other.Tensors;
        string otherName = other.GetType().Name;
        if (theirs.Count != tensors.Count)
            throw new ArgumentException($"{otherName} has {theirs.Count} tensors, but {name} has {tensors.Count}; weights move only between networks of the same parameter table.");
        for (int i = 0; i < tensors.Count; i++)
        {
            TensorInfo mine = tensors[i], their = theirs[i];
            if (mine.Name != their.Name || mine.Kind != their.Kind || mine.Offset != their.Offset || !mine.Shape.SequenceEqual(their.Shape))
                throw new ArgumentException(
                    $"Tensor {i} of {otherName} is '{their.Name}' {their.ShapeText} at offset {their.Offset}, but {name} has '{mine.Name}' {mine.ShapeText} at offset {mine.Offset}; weights move only between networks of the same parameter table.");
        }
        if (other.Parameters.Length != tensors.Where(t => t.Kind == TensorKind.Parameter).Sum(t => t.Length))
            throw new ArgumentException($"{otherName}'s parameter buffer does not match its table.");
    }
}
