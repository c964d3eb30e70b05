using System;

namespace Myelin.Checkpoints;

/// <summary>
/// The element types of the safetensors format. Each member's spec name (the <c>dtype</c> string in the header) is
/// given in its summary; <see cref="SafeTensorsDTypes"/> converts between the two.
/// </summary>
/// <remarks>
/// Only the byte-sized types are listed. Newer revisions of the format add sub-byte floats (<c>F4</c>, <c>F6_*</c>) and
/// complex types; files that use them are rejected as having an unknown dtype rather than misread.
/// </remarks>
public enum SafeTensorsDType
{
    /// <summary><c>BOOL</c>: one byte, zero is false.</summary>
    Bool = 0,

    /// <summary><c>U8</c>: unsigned 8-bit integer.</summary>
    U8,

    /// <summary><c>I8</c>: signed 8-bit integer.</summary>
    I8,

    /// <summary><c>F8_E5M2</c>: 8-bit float with 5 exponent and 2 mantissa bits (the top byte of an IEEE half).</summary>
    F8E5M2,

    /// <summary><c>F8_E4M3</c>: 8-bit float with 4 exponent and 3 mantissa bits, no infinities (PyTorch's <c>float8_e4m3fn</c>).</summary>
    F8E4M3,

    /// <summary><c>I16</c>: signed 16-bit integer.</summary>
    I16,

    /// <summary><c>U16</c>: unsigned 16-bit integer.</summary>
    U16,

    /// <summary><c>F16</c>: IEEE 754 half precision.</summary>
    F16,

    /// <summary><c>BF16</c>: bfloat16, the top 16 bits of an IEEE single.</summary>
    BF16,

    /// <summary><c>I32</c>: signed 32-bit integer.</summary>
    I32,

    /// <summary><c>U32</c>: unsigned 32-bit integer.</summary>
    U32,

    /// <summary><c>F32</c>: IEEE 754 single precision, the type of every Myelin parameter and buffer.</summary>
    F32,

    /// <summary><c>I64</c>: signed 64-bit integer, PyTorch's type for <c>num_batches_tracked</c>.</summary>
    I64,

    /// <summary><c>U64</c>: unsigned 64-bit integer.</summary>
    U64,

    /// <summary><c>F64</c>: IEEE 754 double precision.</summary>
    F64,
}

/// <summary>Spec names and element sizes of <see cref="SafeTensorsDType"/>.</summary>
public static class SafeTensorsDTypes
{
    /// <summary>The name the header uses, e.g. <c>F32</c> or <c>F8_E4M3</c>.</summary>
    public static string SpecName(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool => "BOOL",
        SafeTensorsDType.U8 => "U8",
        SafeTensorsDType.I8 => "I8",
        SafeTensorsDType.F8E5M2 => "F8_E5M2",
        SafeTensorsDType.F8E4M3 => "F8_E4M3",
        SafeTensorsDType.I16 => "I16",
        SafeTensorsDType.U16 => "U16",
        SafeTensorsDType.F16 => "F16",
        SafeTensorsDType.BF16 => "BF16",
        SafeTensorsDType.I32 => "I32",
        SafeTensorsDType.U32 => "U32",
        SafeTensorsDType.F32 => "F32",
        SafeTensorsDType.I64 => "I64",
        SafeTensorsDType.U64 => "U64",
        SafeTensorsDType.F64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool or SafeTensorsDType.U8 or SafeTensorsDType.I8
            or SafeTensorsDType.F8E5M2 or SafeTensorsDType.F8E4M3 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        SafeTensorsDType.I64 or SafeTensorsDType.U64 or SafeTensorsDType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>Parses a header <c>dtype</c> string. The spec names are upper case and compared exactly.</summary>
    public static bool TryParse(string? specName, out SafeTensorsDType dtype)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.SpecName(), specName, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>Every supported dtype, in the order of <see cref="SafeTensorsDType"/>.</summary>
    public static ReadOnlySpan<SafeTensorsDType> All =>
    [
        SafeTensorsDType.Bool, SafeTensorsDType.U8, SafeTensorsDType.I8, SafeTensorsDType.F8E5M2, SafeTensorsDType.F8E4M3,
        SafeTensorsDType.I16, SafeTensorsDType.U16, SafeTensorsDType.F16, SafeTensorsDType.BF16, SafeTensorsDType.I32,
        SafeTensorsDType.U32, SafeTensorsDType.F32, SafeTensorsDType.I64, SafeTensorsDType.U64, SafeTensorsDType.F64,
    ];
}
