using System;

namespace Myelin.Kernels;

/// <summary>
/// The data movement around a convolution's matrix products: <c>Im2Col</c> unfolds one C×H×W sample so that the
/// convolution becomes <c>y[F, P] = W[F, C·k·k] · col[C·k·k, P]</c>, and <c>Col2Im</c> folds column gradients
/// back onto the input (PyTorch's <c>unfold</c>/<c>fold</c>). Padding is implicit zeros.
/// </summary>
public static class ConvolutionKernels
{
    /// <summary>
    /// <c>col[(c·k + ky)·k + kx, oy·ow + ox] = x[c, oy·s + ky - padTop, ox·s + kx - padLeft]</c>, or 0 outside the input.
    /// </summary>
    /// <param name="x">One sample, [channels, height, width].</param>
    /// <param name="col">[channels·k·k, outHeight·outWidth].</param>
    /// <param name="shape">The convolution's geometry.</param>
    public static void Im2Col(ReadOnlySpan<float> x, Span<float> col, in ConvolutionShape shape) =>
        Im2Col(x, col, shape, columnOffset: 0, rowStride: shape.Positions);

    /// <summary>
    /// <see cref="Im2Col(ReadOnlySpan{float}, Span{float}, in ConvolutionShape)"/> into a wider matrix that holds a whole
    /// batch side by side: this sample's positions go to columns <c>columnOffset .. columnOffset + P</c> of rows that are
    /// <paramref name="rowStride"/> floats apart (<c>col[C·k·k, batch·P]</c>, so one matrix product covers the batch).
    /// </summary>
    public static void Im2Col(ReadOnlySpan<float> x, Span<float> col, in ConvolutionShape shape, int columnOffset, int rowStride)
    {
        var (channels, height, width, kernel, stride, padTop, padLeft, outHeight, outWidth) = shape;
        int positions = outHeight * outWidth;
        for (int c = 0; c < channels; c++)
        {
            var plane = x.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kernel; ky++)
            {
                for (int kx = 0; kx < kernel; kx++)
                {
                    var row = col.Slice(((c * kernel + ky) * kernel + kx) * rowStride + columnOffset, positions);
                    for (int oy = 0; oy < outHeight; oy++)
                    {
                        int iy = oy * stride + ky - padTop;
                        var outRow = row.Slice(oy * outWidth, outWidth);
                        if ((uint)iy >= (uint)height)
                        {
                            outRow.Clear();
                            continue;
                        }
                        var inRow = plane.Slice(iy * width, width);
                        int ix = kx - padLeft;
                        if (stride == 1 && ix >= 0 && ix + outWidth <= width)
                        {
                            // The common case: a contiguous run of the input row.
                            inRow.Slice(ix, outWidth).CopyTo(outRow);
                            continue;
                        }
                        for (int ox = 0; ox < outWidth; ox++, ix += stride)
                            outRow[ox] = (uint)ix < (uint)width ? inRow[ix] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <c>Im2Col</c>: adds every column entry back onto the input position it came from.</summary>
    /// <param name="col">[channels·k·k, outHeight·outWidth] column gradients.</param>
    /// <param name="dx">One sample's input gradient, [channels, height, width]; accumulated into, so clear it first.</param>
    /// <param name="shape">The convolution's geometry.</param>
    public static void Col2Im(ReadOnlySpan<float> col, Span<float> dx, in ConvolutionShape shape) =>
        Col2Im(col, dx, shape, columnOffset: 0, rowStride: shape.Positions);

    /// <summary>
    /// <see cref="Col2Im(ReadOnlySpan{float}, Span{float}, in ConvolutionShape)"/> reading this sample's columns from a
    /// batch-wide matrix (see the matching <see cref="Im2Col(ReadOnlySpan{float}, Span{float}, in ConvolutionShape, int, int)"/>).
    /// </summary>
    public static void Col2Im(ReadOnlySpan<float> col, Span<float> dx, in ConvolutionShape shape, int columnOffset, int rowStride)
    {
        var (channels, height, width, kernel, stride, padTop, padLeft, outHeight, outWidth) = shape;
        int positions = outHeight * outWidth;
        for (int c = 0; c < channels; c++)
        {
            var plane = dx.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kernel; ky++)
            {
                for (int kx = 0; kx < kernel; kx++)
                {
                    var row = col.Slice(((c * kernel + ky) * kernel + kx) * rowStride + columnOffset, positions);
                    for (int oy = 0; oy < outHeight; oy++)
                    {
                        int iy = oy * stride + ky - padTop;
                        if ((uint)iy >= (uint)height) continue;
                        var inRow = plane.Slice(iy * width, width);
                        var colRow = row.Slice(oy * outWidth, outWidth);
                        int ix = kx - padLeft;
                        if (stride == 1 && ix >= 0 && ix + outWidth <= width)
                        {
                            Gemm.Axpy(inRow.Slice(ix, outWidth), 1f, colRow);
                            continue;
                        }
                        for (int ox = 0; ox < outWidth; ox++, ix += stride)
                        {
                            if ((uint)ix < (uint)width) inRow[ix] += colRow[ox];
                        }
                    }
                }
            }
        }
    }
}

/// <summary>The geometry of a 2-D convolution over one sample: input size, square kernel, stride, padding and output size.</summary>
/// <param name="Channels">Input channels.</param>
/// <param name="Height">Input height.</param>
/// <param name="Width">Input width.</param>
/// <param name="Kernel">Kernel height and width.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="PadTop">Zero rows above the input.</param>
/// <param name="PadLeft">Zero columns left of the input.</param>
/// <param name="OutHeight">Output height: <c>(Height + pads - Kernel) / Stride + 1</c>.</param>
/// <param name="OutWidth">Output width.</param>
public readonly record struct ConvolutionShape(int Channels, int Height, int Width, int Kernel, int Stride, int PadTop, int PadLeft, int OutHeight, int OutWidth)
{
    /// <summary>Rows of the column matrix: <c>Channels · Kernel · Kernel</c>.</summary>
    public int ColumnRows => Channels * Kernel * Kernel;

    /// <summary>Output positions per channel: <c>OutHeight · OutWidth</c>.</summary>
    public int Positions => OutHeight * OutWidth;
}
