using System;
using System.Buffers.Binary;

namespace Myelin.Checkpoints;

/// <summary>Little-endian element decoding for <see cref="SafeTensorsFile.ReadFloats(string)"/>.</summary>
internal static class ElementConverter
{
    /// <summary>Decodes <c>destination.Length</c> elements of <paramref name="dtype"/> from <paramref name="bytes"/>.</summary>
    public static void ToSingle(SafeTensorsDType dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        int size = dtype.ElementSize();
        for (int i = 0; i < destination.Length; i++)
        {
            var element = bytes.Slice(i * size, size);
            destination[i] = dtype switch
            {
                SafeTensorsDType.Bool => element[0] != 0 ? 1f : 0f,
                SafeTensorsDType.U8 => element[0],
                SafeTensorsDType.I8 => (sbyte)element[0],
                // E5M2 is the upper byte of an IEEE half: same exponent width and bias (15).
                SafeTensorsDType.F8E5M2 => (float)BitConverter.UInt16BitsToHalf((ushort)(element[0] << 8)),
                SafeTensorsDType.F8E4M3 => Float8E4M3ToSingle(element[0]),
                SafeTensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(element),
                SafeTensorsDType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(element),
                SafeTensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(element),
                // bfloat16 is the upper half of an IEEE single.
                SafeTensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(element) << 16),
                SafeTensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(element),
                SafeTensorsDType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(element),
                SafeTensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(element),
                SafeTensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(element),
                SafeTensorsDType.U64 => BinaryPrimitives.ReadUInt64LittleEndian(element),
                SafeTensorsDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(element),
                _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
            };
        }
    }

    /// <summary>
    /// Decodes float8 e4m3fn: sign, 4 exponent bits with bias 7, 3 mantissa bits; exponent 0 is subnormal
    /// (<c>m/8 * 2^-6</c>); all ones in exponent and mantissa is NaN; there are no infinities.
    /// </summary>
    public static float Float8E4M3ToSingle(byte bits)
    {
        int exponent = (bits >> 3) & 0xF;
        int mantissa = bits & 0x7;
        float sign = (bits & 0x80) != 0 ? -1f : 1f;
        if (exponent == 0xF && mantissa == 0x7) return float.NaN;
        float magnitude = exponent == 0
            ? mantissa / 8f * MathF.Pow(2, -6)
            : (1 + mantissa / 8f) * MathF.Pow(2, exponent - 7);
        return sign * magnitude;
    }
}
