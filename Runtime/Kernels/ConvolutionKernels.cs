using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// The data movement around a convolution's matrix products: <c>Im2Col</c> unfolds C×H×W samples so that the
/// convolution becomes <c>y[F, P] = W[F, C·k·k] · col[C·k·k, P]</c>, and <c>Col2Im</c> folds column gradients
/// back onto the input (PyTorch's <c>unfold</c>/<c>fold</c>). Padding is implicit zeros.
/// </summary>
/// <remarks>
/// The per-sample entry points serve generated code that loops over the batch itself; <see cref="Im2ColBatch"/> and
/// <see cref="Col2ImBatch"/> take the whole batch and split it by (sample, channel) planes across
/// <see cref="KernelThreads"/>, with the same results for any number of threads.
/// </remarks>
public static unsafe partial class ConvolutionKernels
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
        CheckSample(x.Length, col.Length, shape, columnOffset, rowStride, nameof(x), nameof(col));
        fixed (float* px = x, pc = col)
        {
            for (int c = 0; c < shape.Channels; c++) Im2ColPlane(px, pc, shape, c, columnOffset, rowStride);
        }
    }

    /// <summary>
    /// Im2col of a whole batch: <c>columns[C·k·k, batch·P]</c>, sample b in columns <c>b·P .. b·P + P</c>; the same as
    /// calling the per-sample overload for every sample with <c>columnOffset = b·P</c> and <c>rowStride = batch·P</c>,
    /// split across threads.
    /// </summary>
    /// <param name="x">[batch, channels, height, width].</param>
    /// <param name="columns">[channels·k·k, batch·outHeight·outWidth].</param>
    /// <param name="shape">The convolution's geometry (one sample).</param>
    /// <param name="batch">Samples in <paramref name="x"/>.</param>
    public static void Im2ColBatch(ReadOnlySpan<float> x, Span<float> columns, in ConvolutionShape shape, int batch)
    {
        CheckBatch(x.Length, columns.Length, shape, batch, nameof(x), nameof(columns));
        fixed (float* px = x, pc = columns)
            ParallelRange.Run(new PlaneWork(px, pc, shape, batch, fold: false), batch * shape.Channels, (long)shape.Kernel * shape.Kernel * shape.Positions);
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
        CheckSample(dx.Length, col.Length, shape, columnOffset, rowStride, nameof(dx), nameof(col));
        fixed (float* pc = col, pdx = dx)
        {
            for (int c = 0; c < shape.Channels; c++) Col2ImPlane(pdx, pc, shape, c, columnOffset, rowStride);
        }
    }

    /// <summary>
    /// Col2im of a whole batch: clears <c>dx[batch, C, H, W]</c>, then folds <c>columns[C·k·k, batch·P]</c> onto it; the
    /// same as clearing <paramref name="dx"/> and calling the per-sample overload for every sample, split across threads
    /// by (sample, channel) plane, each plane summed in the same order.
    /// </summary>
    public static void Col2ImBatch(ReadOnlySpan<float> columns, Span<float> dx, in ConvolutionShape shape, int batch)
    {
        CheckBatch(dx.Length, columns.Length, shape, batch, nameof(dx), nameof(columns));
        fixed (float* pc = columns, pdx = dx)
            ParallelRange.Run(new PlaneWork(pdx, pc, shape, batch, fold: true), batch * shape.Channels, (long)shape.Kernel * shape.Kernel * shape.Positions);
    }

    /// <summary>
    /// Plane (c, b) = (i / batch, i % batch) of a batch: im2col from <c>image</c>, or col2im onto it. Channel-major, so
    /// that a thread walks each column row from sample to sample, writing (or reading) it in order.
    /// </summary>
    private readonly struct PlaneWork(float* image, float* columns, ConvolutionShape shape, int batch, bool fold) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int channels = shape.Channels, planeSize = shape.Height * shape.Width, positions = shape.Positions;
            for (int i = start; i < end; i++)
            {
                int c = i / batch, b = i % batch;
                float* sample = image + (long)b * channels * planeSize;
                if (fold)
                {
                    new Span<float>(sample + (long)c * planeSize, planeSize).Clear();
                    Col2ImPlane(sample, columns, shape, c, b * positions, batch * positions);
                }
                else
                {
                    Im2ColPlane(sample, columns, shape, c, b * positions, batch * positions);
                }
            }
        }
    }

    /// <summary>Writes the k·k column rows of channel <paramref name="c"/> of one sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Im2ColPlane(float* sample, float* col, in ConvolutionShape shape, int c, int columnOffset, int rowStride)
    {
        var (_, height, width, kernel, stride, padTop, padLeft, outHeight, outWidth) = shape;
        float* plane = sample + (long)c * height * width;
        for (int ky = 0; ky < kernel; ky++)
        {
            for (int kx = 0; kx < kernel; kx++)
            {
                float* row = col + (long)((c * kernel + ky) * kernel + kx) * rowStride + columnOffset;
                // Output columns whose input column ox·s + kx - padLeft lies inside the row: [first, last).
                int first = Math.Clamp(CeilDiv(padLeft - kx, stride), 0, outWidth);
                int last = Math.Clamp(CeilDiv(width + padLeft - kx, stride), first, outWidth);
                for (int oy = 0; oy < outHeight; oy++)
                {
                    int iy = oy * stride + ky - padTop;
                    float* outRow = row + oy * outWidth;
                    if ((uint)iy >= (uint)height)
                    {
                        new Span<float>(outRow, outWidth).Clear();
                        continue;
                    }
                    float* inRow = plane + iy * width + kx - padLeft;
                    if (stride == 1 && first == 0 && last == outWidth && outWidth <= 16 && Avx512F.IsSupported
                        && oy * outWidth + 16 <= outHeight * outWidth && iy * width + kx - padLeft + 16 <= height * width)
                    {
                        // A short row (11 wide, say) as one unmasked vector whose extra lanes spill into the next rows of
                        // this sample's segment, which the following iterations overwrite; the last row, and any row whose
                        // read would pass the plane's end, takes the exact (masked) copy below.
                        Vector512.Store(Vector512.Load(inRow), outRow);
                        continue;
                    }
                    for (int ox = 0; ox < first; ox++) outRow[ox] = 0f;
                    if (stride == 1) Copy(inRow + first, outRow + first, last - first);
                    else for (int ox = first; ox < last; ox++) outRow[ox] = inRow[ox * stride];
                    for (int ox = last; ox < outWidth; ox++) outRow[ox] = 0f;
                }
            }
        }
    }

    /// <summary>Adds the k·k column rows of channel <paramref name="c"/> back onto that channel of one sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Col2ImPlane(float* sample, float* col, in ConvolutionShape shape, int c, int columnOffset, int rowStride)
    {
        var (_, height, width, kernel, stride, padTop, padLeft, outHeight, outWidth) = shape;
        float* plane = sample + (long)c * height * width;
        if (stride == 1 && Avx512F.IsSupported)
        {
            GatherPlane(plane, col, shape, c, columnOffset, rowStride);
            return;
        }
        for (int ky = 0; ky < kernel; ky++)
        {
            for (int kx = 0; kx < kernel; kx++)
            {
                float* row = col + (long)((c * kernel + ky) * kernel + kx) * rowStride + columnOffset;
                int first = Math.Clamp(CeilDiv(padLeft - kx, stride), 0, outWidth);
                int last = Math.Clamp(CeilDiv(width + padLeft - kx, stride), first, outWidth);
                for (int oy = 0; oy < outHeight; oy++)
                {
                    int iy = oy * stride + ky - padTop;
                    if ((uint)iy >= (uint)height) continue;
                    float* inRow = plane + iy * width + kx - padLeft;
                    float* colRow = row + oy * outWidth;
                    if (stride == 1) Add(inRow + first, colRow + first, last - first);
                    else for (int ox = first; ox < last; ox++) inRow[ox * stride] += colRow[ox];
                }
            }
        }
    }

    /// <summary>
    /// Col2im of one channel at stride 1 with AVX-512, gathered rather than scattered: each vector of an input row sums
    /// its contributions in registers, <c>dx[iy, ix] += Σ_{ky, kx} col[(c, ky, kx), iy + padTop - ky, ix + padLeft - kx]</c>,
    /// loading each column row shifted by kx under a mask of the lanes that fall inside it, and is stored once. The
    /// contributions are added in the same (ky, kx) order as the scattered loop, so the bits are the same.
    /// </summary>
    private static void GatherPlane(float* plane, float* col, in ConvolutionShape shape, int c, int columnOffset, int rowStride)
    {
        var (_, height, width, kernel, _, padTop, padLeft, outHeight, outWidth) = shape;
        var lanes = Vector512<int>.Indices;
        for (int iy = 0; iy < height; iy++)
        {
            float* dxRow = plane + iy * width;
            for (int ix = 0; ix < width; ix += 16)
            {
                var inside = Vector512.LessThan(lanes, Vector512.Create(width - ix)).AsSingle();
                var sum = Avx512F.MaskLoad(dxRow + ix, inside, Vector512<float>.Zero);
                for (int ky = 0; ky < kernel; ky++)
                {
                    int oy = iy + padTop - ky;
                    if ((uint)oy >= (uint)outHeight) continue;
                    for (int kx = 0; kx < kernel; kx++)
                    {
                        // Lane l reads output column ix + l + padLeft - kx, which must lie in [0, outWidth).
                        int first = kx - padLeft - ix;
                        var mask = inside & (Vector512.GreaterThanOrEqual(lanes, Vector512.Create(first))
                            & Vector512.LessThan(lanes, Vector512.Create(first + outWidth))).AsSingle();
                        float* colRow = col + (long)((c * kernel + ky) * kernel + kx) * rowStride + columnOffset + oy * outWidth;
                        var contribution = Avx512F.MaskLoad(colRow - first, mask, Vector512<float>.Zero);
                        // Lanes outside add nothing at all (not even +0, which would turn -0 into +0).
                        sum = Vector512.ConditionalSelect(mask, sum + contribution, sum);
                    }
                }
                Avx512F.MaskStore(dxRow + ix, inside, sum);
            }
        }
    }

    /// <summary>
    /// Copies <paramref name="n"/> floats, for the short rows of small images (11 or 26 wide): whole vectors, then the
    /// rest with one masked vector (AVX-512) or one vector that overlaps the previous one, never writing outside the
    /// <paramref name="n"/> floats (a neighbouring row may belong to another thread).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(float* source, float* destination, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(source + i), destination + i);
            if (i < n)
            {
                var mask = TailMask(n - i);
                Avx512F.MaskStore(destination + i, mask, Avx512F.MaskLoad(source + i, mask, Vector512<float>.Zero));
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(source + i), destination + i);
            if (i < n) Vector256.Store(Vector256.Load(source + n - 8), destination + n - 8);
            return;
        }
        if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(source + i), destination + i);
            if (i < n) Vector128.Store(Vector128.Load(source + n - 4), destination + n - 4);
            return;
        }
        for (; i < n; i++) destination[i] = source[i];
    }

    /// <summary><c>y[i] += x[i]</c> for <paramref name="n"/> floats: <see cref="SimdLoops.Add"/> with a masked AVX-512 tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* y, float* x, int n)
    {
        if (!Avx512F.IsSupported)
        {
            SimdLoops.Add(y, x, n);
            return;
        }
        int i = 0;
        for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(y + i) + Vector512.Load(x + i), y + i);
        if (i < n)
        {
            // Masked lanes are neither read (no fault past the row) nor written.
            var mask = TailMask(n - i);
            Avx512F.MaskStore(y + i, mask, Avx512F.MaskLoad(y + i, mask, Vector512<float>.Zero) + Avx512F.MaskLoad(x + i, mask, Vector512<float>.Zero));
        }
    }

    /// <summary>All ones in the first <paramref name="count"/> lanes (1 to 15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    private static int CeilDiv(int value, int divisor) => value <= 0 ? -(-value / divisor) : (value + divisor - 1) / divisor;

    private static void CheckSample(int sampleLength, int columnsLength, in ConvolutionShape shape, int columnOffset, int rowStride,
        string sampleName, string columnsName)
    {
        long sample = (long)shape.Channels * shape.Height * shape.Width;
        long columns = shape.ColumnRows == 0 ? 0 : (long)(shape.ColumnRows - 1) * rowStride + columnOffset + shape.Positions;
        if (sampleLength < sample)
            throw new ArgumentException($"{sampleName} has {sampleLength} floats, but a {shape.Channels}x{shape.Height}x{shape.Width} sample needs {sample}.", sampleName);
        if (columnOffset < 0 || rowStride < shape.Positions || columnsLength < columns)
            throw new ArgumentException(
                $"{columnsName} has {columnsLength} floats, but {shape.ColumnRows} rows of {shape.Positions} positions at offset {columnOffset}, {rowStride} apart, need {columns}.", columnsName);
    }

    private static void CheckBatch(int imageLength, int columnsLength, in ConvolutionShape shape, int batch, string imageName, string columnsName)
    {
        long image = (long)batch * shape.Channels * shape.Height * shape.Width;
        long columns = (long)shape.ColumnRows * batch * shape.Positions;
        if (batch < 0 || imageLength < image)
            throw new ArgumentException($"{imageName} has {imageLength} floats, but {batch} samples of {shape.Channels}x{shape.Height}x{shape.Width} need {image}.", imageName);
        if (columnsLength < columns)
            throw new ArgumentException($"{columnsName} has {columnsLength} floats, but {shape.ColumnRows} rows of {batch}x{shape.Positions} positions need {columns}.", columnsName);
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
