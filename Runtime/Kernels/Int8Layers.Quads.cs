using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

// im2col by gathering channel quads, for convolutions whose input channels come in whole groups of four (C % 4 == 0:
// every convolution of the CNN but the first). The depth is ordered (q, ky, kx, c % 4), q = c / 4, so that a group of four
// depth steps is one quad: channels 4q .. 4q + 3 at one kernel offset, four adjacent bytes once the sample is stored as
// quad planes [Q, ph, pw, 4]. A panel group is then sixteen 4-byte loads from offsets that depend only on the panel's
// columns (one int32 gather per eight columns), shifted by the quad and the kernel offset: no plain column matrix and no
// byte interleaving. The weights are packed in the same depth order (PackConvolutionWeights).
public static partial class Int8Layers
{
    [ThreadStatic] private static sbyte[]? s_quads;
    [ThreadStatic] private static int[]? s_offsets;
    [ThreadStatic] private static ColumnKey s_offsetsKey;

    /// <summary>What the cached column offsets were computed for.</summary>
    private readonly record struct ColumnKey(ConvolutionShape Shape, PoolShape Pool, bool Windows, int Samples);

    /// <summary>Whether the im2col of <paramref name="shape"/> gathers channel quads (and its weights are packed quad-major).</summary>
    internal static bool GathersQuads(in ConvolutionShape shape) => shape.Channels % 4 == 0;

    /// <summary>
    /// Packs a convolution's weights <c>W[F, C, k, k]</c> (PyTorch's layout) into padded rows for
    /// <see cref="Convolution{TActivation}(ReadOnlySpan{sbyte}, Span{sbyte}, int, in ConvolutionShape, int, ReadOnlySpan{sbyte}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, TActivation)"/>
    /// and <see cref="ConvolutionMaxPool{TActivation}(ReadOnlySpan{sbyte}, Span{sbyte}, int, in ConvolutionShape, in PoolShape, int, ReadOnlySpan{sbyte}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, TActivation)"/>,
    /// in the depth order their im2col uses: <c>(c, ky, kx)</c>, or <c>(c / 4, ky, kx, c % 4)</c> when the input channels
    /// are a multiple of four. Writes each filter's weight sum.
    /// </summary>
    /// <param name="weights">[F, C·k·k], every value in [-127, 127].</param>
    /// <param name="shape">The convolution's geometry (its channels and kernel size matter).</param>
    /// <param name="filters">F.</param>
    /// <param name="rows">[F, PaddedDepth(C·k·k)] bytes.</param>
    /// <param name="sums">F sums.</param>
    public static void PackConvolutionWeights(ReadOnlySpan<sbyte> weights, in ConvolutionShape shape, int filters, Span<sbyte> rows, Span<int> sums)
    {
        int depth = shape.ColumnRows, area = shape.Kernel * shape.Kernel;
        Int8Kernels.CheckLengths(filters * depth, weights.Length, nameof(weights));
        if (!GathersQuads(shape))
        {
            Int8Gemm.PackWeightRows(weights, filters, depth, rows, sums);
            return;
        }
        // W[f, c, t] (t = ky·k + kx) goes to depth ((c / 4)·k² + t)·4 + c % 4.
        var reordered = new sbyte[filters * depth];
        for (int f = 0; f < filters; f++)
        {
            for (int c = 0; c < shape.Channels; c++)
            {
                for (int t = 0; t < area; t++) reordered[f * depth + (c / 4 * area + t) * 4 + c % 4] = weights[f * depth + c * area + t];
            }
        }
        Int8Gemm.PackWeightRows(reordered, filters, depth, rows, sums);
    }

    /// <summary>
    /// The im2col of <paramref name="samples"/> samples into panels as
    /// <see cref="Im2ColPacked(ReadOnlySpan{sbyte}, int, Span{sbyte}, in ConvolutionShape, in PoolShape, bool)"/> orders the
    /// columns, with the depth in the order of <see cref="PackConvolutionWeights"/>.
    /// </summary>
    private static void Pack(ReadOnlySpan<sbyte> x, int samples, Span<sbyte> packed, in ConvolutionShape shape, in PoolShape pool, bool windows)
    {
        if (GathersQuads(shape)) GatherQuads(x, samples, packed, shape, pool, windows);
        else Im2ColPacked(x, samples, packed, shape, pool, windows);
    }

    private static unsafe void GatherQuads(ReadOnlySpan<sbyte> x, int samples, Span<sbyte> packed, in ConvolutionShape shape, in PoolShape pool, bool windows)
    {
        int kernel = shape.Kernel, quads = shape.Channels / 4, inputSize = shape.Channels * shape.Height * shape.Width;
        int columns = samples * (windows ? WindowColumns(pool) : shape.Positions), panels = Int8Gemm.PaddedColumns(columns) / Int8Gemm.PanelWidth;
        Int8Kernels.CheckLengths(samples * inputSize, x.Length, nameof(x));
        Int8Kernels.CheckLengths(Int8Gemm.PackedLength(columns, shape.ColumnRows), packed.Length, nameof(packed));
        bool framed = NeedsFrame(shape);
        int ph = framed ? shape.Height + shape.PadTop + shape.Kernel : shape.Height;
        int pw = framed ? shape.Width + shape.PadLeft + shape.Kernel : shape.Width;
        // A quad plane holds ph·pw pixels of four bytes, rounded up to whole groups of 16 pixels (what Interleave writes).
        int quadPlane = Int8Gemm.PaddedColumns(ph * pw) * 4, sampleBytes = quads * quadPlane;
        var plane = Scratch(ref s_padded, shape.Channels * ph * pw + Slack);
        var quadPlanes = Scratch(ref s_quads, samples * sampleBytes);
        var offsets = ColumnOffsets(shape, pool, windows, samples, pw, sampleBytes);
        fixed (sbyte* px = x, source = plane, target = quadPlanes, to = packed)
        fixed (int* offset = offsets)
        {
            for (int s = 0; s < samples; s++)
            {
                sbyte* sample = px + (long)s * inputSize;
                if (framed) Pad(sample, source, shape, ph, pw);
                else Unsafe.CopyBlockUnaligned(source, sample, (uint)inputSize);
                // Four channel planes side by side, pixel by pixel: the same byte interleave as a panel group.
                for (int q = 0; q < quads; q++)
                    Interleave(source + 4 * q * ph * pw, target + s * sampleBytes + q * quadPlane, 1, quadPlane / 64, ph * pw, transpose: false);
            }
            int groups = quads * kernel * kernel;
            var pairOrder = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            for (int panel = 0; panel < panels; panel++)
            {
                int* columnOffsets = offset + panel * Int8Gemm.PanelWidth;
                sbyte* group = to + (long)panel * groups * 64;
                // Four 2x2 windows side by side in one pooled row (stride-1 convolution) read eight neighbouring pixels of
                // two rows: two loads and a permutation to member-major order instead of two gathers.
                bool pairs = Avx2.IsSupported && ReadsPixelPairs(columnOffsets);
                int top = columnOffsets[0], bottom = columnOffsets[8];
                for (int q = 0; q < quads; q++)
                {
                    for (int ky = 0; ky < kernel; ky++)
                    {
                        for (int kx = 0; kx < kernel; kx++, group += 64)
                        {
                            sbyte* origin = target + q * quadPlane + (ky * pw + kx) * 4;
                            if (pairs)
                            {
                                Avx2.PermuteVar8x32(Vector256.Load((int*)(origin + top)), pairOrder).Store((int*)group);
                                Avx2.PermuteVar8x32(Vector256.Load((int*)(origin + bottom)), pairOrder).Store((int*)group + 8);
                                continue;
                            }
                            if (Avx2.IsSupported)
                            {
                                Avx2.GatherVector256((int*)origin, Vector256.Load(columnOffsets), 1).Store((int*)group);
                                Avx2.GatherVector256((int*)origin, Vector256.Load(columnOffsets + 8), 1).Store((int*)group + 8);
                                continue;
                            }
                            for (int lane = 0; lane < Int8Gemm.PanelWidth; lane++)
                                ((int*)group)[lane] = Unsafe.ReadUnaligned<int>(origin + columnOffsets[lane]);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether a panel's sixteen column offsets are eight neighbouring pixels of one row in the order
    /// <c>0, 2, 4, 6, 1, 3, 5, 7</c> (lanes 0-7), and the same of another row (lanes 8-15): four 2x2 windows, member-major.
    /// </summary>
    private static unsafe bool ReadsPixelPairs(int* offsets)
    {
        for (int lane = 0; lane < 8; lane++)
        {
            int pixel = lane < 4 ? 2 * lane : 2 * (lane - 4) + 1;
            if (offsets[lane] != offsets[0] + 4 * pixel || offsets[8 + lane] != offsets[8] + 4 * pixel) return false;
        }
        return true;
    }

    /// <summary>
    /// For every column of the product (padded to whole panels), the byte offset in the quad planes of the pixel its kernel
    /// offset (0, 0) reads: sample <c>s</c>, position <c>(oy, ox)</c> gives <c>s · sampleBytes + (oy·stride·pw + ox·stride)·4</c>.
    /// Padding columns read offset 0; their sums are never stored. Cached per thread for the last geometry asked for.
    /// </summary>
    private static ReadOnlySpan<int> ColumnOffsets(in ConvolutionShape shape, in PoolShape pool, bool windows, int samples, int pw, int sampleBytes)
    {
        int perSample = windows ? WindowColumns(pool) : shape.Positions, padded = Int8Gemm.PaddedColumns(samples * perSample);
        var key = new ColumnKey(shape, windows ? pool : default, windows, samples);
        var offsets = Scratch(ref s_offsets, padded);
        if (s_offsetsKey == key) return offsets;
        offsets.Clear();
        int area = pool.Kernel * pool.Kernel, stride = shape.Stride, outputs = pool.OutHeight * pool.OutWidth;
        if (!windows)
        {
            for (int j = 0; j < samples * perSample; j++)
            {
                int s = j / perSample, p = j % perSample;
                offsets[j] = s * sampleBytes + (p / shape.OutWidth * stride * pw + p % shape.OutWidth * stride) * 4;
            }
        }
        else
        {
            // One sample. 2x2 windows are member-major within each panel (lane 4m + w), so the members of the last real
            // windows may lie in the panel's padding columns; larger windows are window-major (see Im2ColPacked).
            for (int j = 0; j < padded; j++)
            {
                int window = area == 4 ? j / Int8Gemm.PanelWidth * 4 + j % 4 : j / area;
                int member = area == 4 ? j % Int8Gemm.PanelWidth / 4 : j % area;
                if (window >= outputs) continue;
                int oy = window / pool.OutWidth * pool.Stride + member / pool.Kernel;
                int ox = window % pool.OutWidth * pool.Stride + member % pool.Kernel;
                offsets[j] = (oy * stride * pw + ox * stride) * 4;
            }
        }
        s_offsetsKey = key;
        return offsets;
    }
}
