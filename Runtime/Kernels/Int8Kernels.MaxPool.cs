using System;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

// The 2x2, stride-2 max pooling of every LeNet and CNN, vectorised: the byte-wise maximum of two input rows, then of
// each pair of neighbours, taken as the two sign-extended bytes of a 16-bit lane.
public static partial class Int8Kernels
{
    private static unsafe void MaxPool2x2(ReadOnlySpan<sbyte> x, Span<sbyte> y, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        fixed (sbyte* px = x, py = y)
        {
            for (int plane = 0; plane < shape.Planes; plane++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    sbyte* r0 = px + (long)plane * h * w + 2 * oy * w;
                    sbyte* r1 = r0 + w;
                    sbyte* target = py + (long)plane * oh * ow + oy * ow;
                    int ox = 0;
                    if (Vector128.IsHardwareAccelerated && ow >= 8)
                    {
                        // 16 input columns give 8 outputs; 2 (ox + 8) <= 2 ow <= w keeps both loads inside their rows. The
                        // last 8 outputs are done by one more, overlapping step: recomputing an output gives the same value.
                        for (; ox + 8 <= ow; ox += 8) Max8(r0 + 2 * ox, r1 + 2 * ox, target + ox);
                        if (ox < ow) Max8(r0 + 2 * (ow - 8), r1 + 2 * (ow - 8), target + ow - 8);
                        continue;
                    }
                    for (; ox < ow; ox++)
                        target[ox] = (sbyte)Math.Max(Math.Max(r0[2 * ox], r0[2 * ox + 1]), Math.Max(r1[2 * ox], r1[2 * ox + 1]));
                }
            }
        }
    }

    /// <summary>Eight outputs of a 2x2 window from 16 columns of two rows.</summary>
    private static unsafe void Max8(sbyte* r0, sbyte* r1, sbyte* target)
    {
        var pairs = Vector128.Max(Vector128.Load(r0), Vector128.Load(r1)).AsInt16();
        var even = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(pairs, 8), 8);
        var odd = Vector128.ShiftRightArithmetic(pairs, 8);
        var best = Vector128.Max(even, odd);
        *(long*)target = Vector128.Narrow(best, best).AsInt64().ToScalar();
    }
}
