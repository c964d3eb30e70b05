using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Myelin.Data;

/// <summary>The element types an IDX file can hold: the third byte of its magic number.</summary>
public enum IdxDataType : byte
{
    /// <summary>0x08: unsigned byte (MNIST images and labels).</summary>
    UnsignedByte = 0x08,

    /// <summary>0x09: signed byte.</summary>
    SignedByte = 0x09,

    /// <summary>0x0B: 16-bit signed integer, big-endian in the file.</summary>
    Int16 = 0x0B,

    /// <summary>0x0C: 32-bit signed integer, big-endian in the file.</summary>
    Int32 = 0x0C,

    /// <summary>0x0D: 32-bit IEEE float, big-endian in the file.</summary>
    Single = 0x0D,

    /// <summary>0x0E: 64-bit IEEE double, big-endian in the file.</summary>
    Double = 0x0E,
}

/// <summary>
/// The contents of one IDX file: its element type, its dimensions and its elements in row-major order, already in the
/// machine's byte order.
/// </summary>
public sealed class IdxArray
{
    // The elements in native byte order; reinterpreted as the element type by AsSpan.
    private readonly byte[] _data;
    private readonly int[] _dimensions;

    internal IdxArray(string source, IdxDataType dataType, int[] dimensions, int length, byte[] data)
    {
        Source = source;
        DataType = dataType;
        _dimensions = dimensions;
        Length = length;
        _data = data;
    }

    /// <summary>Where the array was read from (the file path, or the name given to <see cref="IdxReader.Read(System.IO.Stream, string)"/>), for messages.</summary>
    public string Source { get; }

    /// <summary>The element type.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The dimensions, outermost first: <c>[10000, 28, 28]</c> for MNIST's test images.</summary>
    public IReadOnlyList<int> Dimensions => _dimensions;

    /// <summary>The number of dimensions (the fourth byte of the magic number).</summary>
    public int Rank => _dimensions.Length;

    /// <summary>The number of elements: the product of <see cref="Dimensions"/>.</summary>
    public int Length { get; }

    /// <summary>The size in bytes of one element of <paramref name="dataType"/>.</summary>
    public static int ElementSize(IdxDataType dataType) => dataType switch
    {
        IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Single => 4,
        IdxDataType.Double => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Not an IDX element type."),
    };

    /// <summary>
    /// The elements as <typeparamref name="T"/>, which must match <see cref="DataType"/>: <see cref="byte"/>,
    /// <see cref="sbyte"/>, <see cref="short"/>, <see cref="int"/>, <see cref="float"/> or <see cref="double"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the file's element type.</exception>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        Type expected = DataType switch
        {
            IdxDataType.UnsignedByte => typeof(byte),
            IdxDataType.SignedByte => typeof(sbyte),
            IdxDataType.Int16 => typeof(short),
            IdxDataType.Int32 => typeof(int),
            IdxDataType.Single => typeof(float),
            _ => typeof(double),
        };
        if (typeof(T) != expected)
            throw new InvalidOperationException($"{Source} holds {DataType} elements ({expected.Name}), so it cannot be read as {typeof(T).Name}.");
        return MemoryMarshal.Cast<byte, T>(_data);
    }

    /// <summary>Every element converted to <see cref="float"/> (doubles are rounded to the nearest float).</summary>
    public float[] ToSingleArray()
    {
        var result = new float[Length];
        switch (DataType)
        {
            case IdxDataType.UnsignedByte: Convert(AsSpan<byte>(), result, static v => v); break;
            case IdxDataType.SignedByte: Convert(AsSpan<sbyte>(), result, static v => v); break;
            case IdxDataType.Int16: Convert(AsSpan<short>(), result, static v => v); break;
            case IdxDataType.Int32: Convert(AsSpan<int>(), result, static v => v); break;
            case IdxDataType.Single: AsSpan<float>().CopyTo(result); break;
            default: Convert(AsSpan<double>(), result, static v => (float)v); break;
        }
        return result;
    }

    /// <summary>Every element as <see cref="int"/>; for the integer element types only (labels are usually unsigned bytes).</summary>
    /// <exception cref="InvalidOperationException">The file holds floats or doubles.</exception>
    public int[] ToInt32Array()
    {
        var result = new int[Length];
        switch (DataType)
        {
            case IdxDataType.UnsignedByte: Convert(AsSpan<byte>(), result, static v => v); break;
            case IdxDataType.SignedByte: Convert(AsSpan<sbyte>(), result, static v => v); break;
            case IdxDataType.Int16: Convert(AsSpan<short>(), result, static v => v); break;
            case IdxDataType.Int32: AsSpan<int>().CopyTo(result); break;
            default: throw new InvalidOperationException($"{Source} holds {DataType} elements, which are not integers.");
        }
        return result;
    }

    private static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> source, Span<TTo> destination, Func<TFrom, TTo> convert)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = convert(source[i]);
    }
}
