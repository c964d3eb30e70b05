using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

// im2col for int8 convolutions, straight into the panel layout of Int8Gemm, in three vectorised steps: the sample is
// copied into a plane (zero-padded where a window reads padding, so that no window position needs a bounds check, with
// slack after it for the vector reads that run past a row), the rows of the plain column matrix are copied out of it
// (one contiguous run per output row when the stride is 1), and groups of four rows are interleaved into panels with
// byte and word unpacks. Convolutions with a multiple of four input channels gather channel quads instead
// (Int8Layers.Quads.cs).
public static partial class Int8Layers
{
    /// <summary>Bytes of slack after each scratch array: 16-byte copies may run past a row's end.</summary>
    private const int Slack = 32;

    [ThreadStatic] private static sbyte[]? s_padded;
    [ThreadStatic] private static sbyte[]? s_rows;

    /// <summary>
    /// im2col of one int8 sample in the panel layout of <see cref="Int8Gemm"/>: column <c>p</c> (an output position)
    /// and depth <c>k = (c·kh + ky)·kw + kx</c> go to byte <c>((p / 16)·groups + k / 4)·64 + (p % 16)·4 + k % 4</c>, and
    /// every position outside the input (padding), past the last position or past the last depth step is zero.
    /// </summary>
    /// <param name="x">[C, H, W].</param>
    /// <param name="packed"><see cref="Int8Gemm.PackedLength"/>(positions, C·k·k) bytes.</param>
    /// <param name="shape">The convolution's geometry.</param>
    public static void Im2ColPacked(ReadOnlySpan<sbyte> x, Span<sbyte> packed, in ConvolutionShape shape) =>
        Im2ColPacked(x, 1, packed, shape, default, windows: false);

    /// <summary>
    /// As <see cref="Im2ColPacked(ReadOnlySpan{sbyte}, Span{sbyte}, in ConvolutionShape)"/>, with the columns in the order
    /// of a max pool's windows instead of the output positions (<paramref name="windows"/>): column
    /// <c>(j · k + wy) · k + wx</c> is the output position <c>(py·s + wy, px·s + wx)</c> of pooled output
    /// <c>j = py · PW + px</c>, for a <c>k x k</c> pool of stride <c>s</c>, and positions no window reads are not computed
    /// at all. A 2x2 pool's windows then go member-major within each panel: lane <c>4m + w</c> of panel <c>P</c> holds
    /// member <c>m = 2·wy + wx</c> of window <c>4P + w</c>, so that a register tile's epilogue finds a window's four
    /// members in the same lane of the tile's four quarters.
    /// <para>
    /// Several <paramref name="samples"/> side by side: the columns of sample <c>s</c> follow those of sample <c>s - 1</c>
    /// (a convolution with fewer than 16 output positions fills whole panels that way).
    /// </para>
    /// </summary>
    internal static unsafe void Im2ColPacked(ReadOnlySpan<sbyte> x, int samples, Span<sbyte> packed, in ConvolutionShape shape, in PoolShape pool, bool windows)
    {
        int depth = shape.ColumnRows, perSample = windows ? WindowColumns(pool) : shape.Positions, columns = samples * perSample;
        int paddedDepth = Int8Gemm.PaddedDepth(depth), paddedColumns = Int8Gemm.PaddedColumns(columns);
        int inputSize = shape.Channels * shape.Height * shape.Width;
        Int8Kernels.CheckLengths(samples * inputSize, x.Length, nameof(x));
        Int8Kernels.CheckLengths(Int8Gemm.PackedLength(columns, depth), packed.Length, nameof(packed));

        // A convolution whose windows all lie inside the input reads a plain copy of it; otherwise every plane is framed
        // by its padding. The padding of a window that hangs over the bottom or right edge is at most kernel - 1.
        bool framed = NeedsFrame(shape);
        int ph = framed ? shape.Height + shape.PadTop + shape.Kernel : shape.Height;
        int pw = framed ? shape.Width + shape.PadLeft + shape.Kernel : shape.Width;
        var source = Scratch(ref s_padded, shape.Channels * ph * pw + Slack);
        // Each plain row has 16 bytes of room after its padding columns, so that what a row's vector copies write past
        // its last column stays in the row (the samples are the outer loop: the next row may already hold values).
        int stride = paddedColumns + 16;
        var rows = Scratch(ref s_rows, paddedDepth * stride + Slack);
        fixed (sbyte* px = x, plane = source, plain = rows, target = packed)
        {
            for (int s = 0; s < samples; s++)
            {
                // What a sample's rows write past its last column belongs to the next sample, which overwrites it.
                sbyte* sample = px + (long)s * inputSize;
                if (framed) Pad(sample, plane, shape, ph, pw);
                else Unsafe.CopyBlockUnaligned(plane, sample, (uint)inputSize);
                if (windows) WindowRows(plane, plain + s * perSample, shape, pool, ph, pw, stride);
                else Rows(plane, plain + s * perSample, shape, ph, pw, stride);
            }
            new Span<sbyte>(plain + depth * stride, (paddedDepth - depth) * stride).Clear();
            bool transpose = windows && pool.Kernel == 2;
            Interleave(plain, target, paddedDepth / 4, paddedColumns / Int8Gemm.PanelWidth, stride, transpose);
        }
    }

    /// <summary>The columns of a convolution product in the order of a pool's windows: every member of every window.</summary>
    internal static int WindowColumns(in PoolShape pool) => pool.OutHeight * pool.OutWidth * pool.Kernel * pool.Kernel;

    /// <summary>Whether some window of the convolution reads padding (or past the bottom or right edge).</summary>
    private static bool NeedsFrame(in ConvolutionShape shape) =>
        shape.PadTop > 0 || shape.PadLeft > 0
        || (shape.OutHeight - 1) * shape.Stride + shape.Kernel > shape.Height
        || (shape.OutWidth - 1) * shape.Stride + shape.Kernel > shape.Width;

    /// <summary>The sample, each plane framed by its top and left padding and zeros to the right and below: [C, ph, pw].</summary>
    private static unsafe void Pad(sbyte* x, sbyte* padded, in ConvolutionShape shape, int ph, int pw)
    {
        new Span<sbyte>(padded, shape.Channels * ph * pw + Slack).Clear();
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int y = 0; y < shape.Height; y++)
            {
                Unsafe.CopyBlockUnaligned(padded + (c * ph + y + shape.PadTop) * pw + shape.PadLeft, x + (c * shape.Height + y) * shape.Width, (uint)shape.Width);
            }
        }
    }

    /// <summary>
    /// The plain column matrix <c>rows[k, p]</c>, each row padded with zeros to <paramref name="stride"/> positions. With
    /// stride 1 an output row's positions read one contiguous run of the padded plane, copied 16 bytes at a time; the
    /// copy may run past the output row, and the next output row or sample (or the final clearing of the padding) overwrites that.
    /// </summary>
    private static unsafe void Rows(sbyte* padded, sbyte* rows, in ConvolutionShape shape, int ph, int pw, int stride)
    {
        int kernel = shape.Kernel, oh = shape.OutHeight, ow = shape.OutWidth, positions = oh * ow;
        // Depth k = (c·kernel + ky)·kernel + kx, counted up rather than divided out (an integer division per row cost more
        // than the row's copies).
        for (int k = 0, c = 0, ky = 0, kx = 0; k < shape.ColumnRows; k++, (c, ky, kx) = Next(c, ky, kx, kernel))
        {
            sbyte* row = rows + k * stride;
            for (int oy = 0; oy < oh; oy++)
            {
                sbyte* from = padded + (c * ph + oy * shape.Stride + ky) * pw + kx;
                sbyte* to = row + oy * ow;
                if (shape.Stride == 1)
                {
                    for (int ox = 0; ox < ow; ox += 16) Unsafe.CopyBlockUnaligned(to + ox, from + ox, 16);
                }
                else
                {
                    for (int ox = 0; ox < ow; ox++) to[ox] = from[ox * shape.Stride];
                }
            }
            // The padding positions: fewer than 16, so one 16-byte store of zeros (into the room after the row, or columns of the next sample, written later).
            Unsafe.InitBlockUnaligned(row + positions, 0, 16);
        }
    }

    /// <summary>
    /// The plain column matrix in window order (see <see cref="Im2ColPacked(ReadOnlySpan{sbyte}, int, Span{sbyte}, in ConvolutionShape, in PoolShape, bool)"/>),
    /// each row padded with zeros to <paramref name="stride"/> columns. For a 2x2 pool of stride 2 after a stride-1
    /// convolution, four windows (sixteen columns) read eight bytes of two neighbouring rows of the plane, and a word
    /// unpack puts each window's four members side by side; the last store of a pooled row runs past it, and the next
    /// pooled row (or the final clearing of the padding) overwrites that.
    /// </summary>
    private static unsafe void WindowRows(sbyte* plane, sbyte* rows, in ConvolutionShape shape, in PoolShape pool, int ph, int pw, int stride)
    {
        int kernel = shape.Kernel, window = pool.Kernel, area = window * window;
        int outputs = pool.OutHeight * pool.OutWidth, columns = outputs * area;
        bool pairs = Sse2.IsSupported && window == 2 && pool.Stride == 2 && shape.Stride == 1;
        // Depth k = (c·kernel + ky)·kernel + kx, counted up rather than divided out (an integer division per row cost more
        // than the row's copies).
        for (int k = 0, c = 0, ky = 0, kx = 0; k < shape.ColumnRows; k++, (c, ky, kx) = Next(c, ky, kx, kernel))
        {
            sbyte* row = rows + k * stride;
            sbyte* origin = plane + (c * ph + ky) * pw + kx; // the plane's element read by output position (0, 0)
            if (pairs)
            {
                for (int py = 0; py < pool.OutHeight; py++)
                {
                    sbyte* top = origin + 2 * py * pw;
                    sbyte* to = row + 4 * py * pool.OutWidth;
                    for (int px = 0; px < pool.OutWidth; px += 4)
                    {
                        var upper = Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(top + 2 * px)).AsInt16();
                        var lower = Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(top + pw + 2 * px)).AsInt16();
                        Sse2.UnpackLow(upper, lower).AsSByte().Store(to + 4 * px);
                    }
                }
            }
            else
            {
                for (int j = 0; j < outputs; j++)
                {
                    int oy0 = j / pool.OutWidth * pool.Stride, ox0 = j % pool.OutWidth * pool.Stride;
                    for (int wy = 0; wy < window; wy++)
                    {
                        for (int wx = 0; wx < window; wx++)
                            row[j * area + wy * window + wx] = origin[(oy0 + wy) * shape.Stride * pw + (ox0 + wx) * shape.Stride];
                    }
                }
            }
            // The padding columns: fewer than 16, so one 16-byte store of zeros (into the room after the row).
            Unsafe.InitBlockUnaligned(row + columns, 0, 16);
        }
    }

    /// <summary>The next depth step's channel and kernel position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int C, int Ky, int Kx) Next(int c, int ky, int kx, int kernel) =>
        kx + 1 < kernel ? (c, ky, kx + 1) : ky + 1 < kernel ? (c, ky + 1, 0) : (c + 1, 0, 0);

    /// <summary>
    /// Rows <c>4g .. 4g + 3</c> of the plain matrix, 16 positions at a time, into one 64-byte group of a panel: bytes of
    /// rows 0 and 1 interleave, then of rows 2 and 3, then the two pairs by 16-bit words, giving each position's four
    /// bytes side by side. With <paramref name="transpose"/> the 16 columns of each panel are first read as a 4x4 matrix
    /// and transposed: panel lane <c>4m + w</c> takes plain column <c>4w + m</c> (member <c>m</c> of window <c>w</c>).
    /// </summary>
    private static unsafe void Interleave(sbyte* rows, sbyte* packed, int groups, int panels, int stride, bool transpose)
    {
        var order = Vector128.Create((sbyte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        for (int panel = 0; panel < panels; panel++)
        {
            for (int g = 0; g < groups; g++)
            {
                sbyte* r0 = rows + 4 * g * stride + panel * 16;
                sbyte* to = packed + (panel * groups + g) * 64;
                if (Ssse3.IsSupported)
                {
                    var a = Sse2.LoadVector128(r0);
                    var b = Sse2.LoadVector128(r0 + stride);
                    var c = Sse2.LoadVector128(r0 + 2 * stride);
                    var d = Sse2.LoadVector128(r0 + 3 * stride);
                    if (transpose)
                    {
                        a = Ssse3.Shuffle(a, order);
                        b = Ssse3.Shuffle(b, order);
                        c = Ssse3.Shuffle(c, order);
                        d = Ssse3.Shuffle(d, order);
                    }
                    var abLow = Sse2.UnpackLow(a, b).AsInt16();
                    var abHigh = Sse2.UnpackHigh(a, b).AsInt16();
                    var cdLow = Sse2.UnpackLow(c, d).AsInt16();
                    var cdHigh = Sse2.UnpackHigh(c, d).AsInt16();
                    Sse2.UnpackLow(abLow, cdLow).AsSByte().Store(to);
                    Sse2.UnpackHigh(abLow, cdLow).AsSByte().Store(to + 16);
                    Sse2.UnpackLow(abHigh, cdHigh).AsSByte().Store(to + 32);
                    Sse2.UnpackHigh(abHigh, cdHigh).AsSByte().Store(to + 48);
                    continue;
                }
                for (int p = 0; p < 16; p++)
                {
                    int column = transpose ? p % 4 * 4 + p / 4 : p;
                    for (int t = 0; t < 4; t++) to[p * 4 + t] = r0[t * stride + column];
                }
            }
        }
    }
}
