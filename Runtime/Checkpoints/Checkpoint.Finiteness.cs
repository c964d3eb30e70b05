using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Myelin.Checkpoints;

public static partial class Checkpoint
{
    /// <summary>
    /// "tensor 'dense1.weight' is NaN at [0, 17] (element 17 of 100352)" for the first NaN or infinity in
    /// <paramref name="values"/>, or null when every value is finite.
    /// </summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="values">Its elements in row-major order.</param>
    /// <param name="shape">Its dimensions, to turn the flat index into a PyTorch-style index.</param>
    internal static string? DescribeNonFinite(string name, ReadOnlySpan<float> values, IReadOnlyList<long> shape)
    {
        int index = FirstNonFinite(values);
        if (index < 0) return null;
        string value = values[index].ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"tensor '{name}' is {value} at {FormatIndex(index, shape)} (element {index} of {values.Length})");
    }

    /// <summary>The index of the first NaN or infinity, or -1.</summary>
    /// <remarks>
    /// A float is non-finite exactly when its exponent bits are all ones, i.e. its bit pattern lies in
    /// [0x7F800000, 0x7FFFFFFF] (positive) or [0xFF800000, 0xFFFFFFFF] (negative); the two range searches are vectorised.
    /// </remarks>
    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(values);
        int positive = bits.IndexOfAnyInRange(0x7F80_0000u, 0x7FFF_FFFFu);
        int negative = bits.IndexOfAnyInRange(0xFF80_0000u, 0xFFFF_FFFFu);
        return positive < 0 ? negative : negative < 0 ? positive : Math.Min(positive, negative);
    }

    /// <summary>Row-major flat <paramref name="index"/> as <c>[i, j, ...]</c> for <paramref name="shape"/>; <c>[]</c> for a scalar.</summary>
    private static string FormatIndex(long index, IReadOnlyList<long> shape)
    {
        var coordinates = new long[shape.Count];
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            long size = Math.Max(shape[d], 1);
            coordinates[d] = index % size;
            index /= size;
        }
        var text = new StringBuilder("[");
        for (int d = 0; d < coordinates.Length; d++)
        {
            if (d > 0) text.Append(", ");
            text.Append(coordinates[d].ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }

    /// <summary>A file holds a non-finite value: loading stops before anything in the network changes.</summary>
    private static InvalidDataException NonFiniteInFile(string path, string problem) => new(
        $"'{path}' holds a non-finite value: {problem}. The checkpoint was saved from a diverged network or is damaged; " +
        "load it with allowNonFinite: true to inspect it anyway.");

    /// <summary>A network or optimizer to be saved holds a non-finite value: nothing is written.</summary>
    private static ArgumentException NonFiniteToSave(string owner, string problem, string consequence, string parameter) => new(
        $"{owner} holds a non-finite value: {problem}. {consequence}, so it is not saved; pass allowNonFinite: true to save it anyway.",
        parameter);
}
