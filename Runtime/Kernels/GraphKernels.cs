using System;

namespace Myelin.Kernels;

/// <summary>
/// The kernels of graph networks: sums for <c>[Add]</c>, and the "and add" backward passes an op uses when another
/// reader of its input has already written that input's gradient, so that a value read by several ops collects the
/// sum of their gradients in place (<c>dx += ...</c>) with no copy and no clearing pass.
/// </summary>
/// <remarks>
/// Each is checked against a double-precision reference in <c>GraphKernelTests</c>. The sums and the add-to run at the
/// widest vectors (<see cref="SimdLoops"/>) in chunks split over <see cref="KernelThreads"/>; every path does the same
/// arithmetic per element, so results depend neither on the vector width nor on the thread count.
/// </remarks>
public static class GraphKernels
{
    /// <summary><c>y[i] = a[i] + b[i]</c>.</summary>
    public static void Sum(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => Sum(a, b, y, default(IdentityOperator));

    /// <summary>
    /// <c>y[i] = f(a[i] + b[i])</c>: a two-input <c>[Add]</c> with its activation in the same pass, at the widest vectors,
    /// in chunks split over <see cref="KernelThreads"/>.
    /// </summary>
    public static unsafe void Sum<TActivation>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        int n = a.Length;
        if (b.Length < n || y.Length < n) throw new ArgumentException($"Sum needs b and y at least as long as a ({n} floats), but they have {b.Length} and {y.Length}.");
        fixed (float* pa = a, pb = b, py = y)
            ParallelRange.Run(new SumWork<TActivation>(pa, pb, py, n, activation), ElementwiseKernels.Chunks(n), ElementwiseKernels.Chunk);
    }

    /// <summary>
    /// The backward pass of a two-input <c>[Add]</c> in one pass: <c>dz = dy · f'(z)</c> (from the outputs <c>y</c>)
    /// written to, or added to (<paramref name="addFirst"/>, <paramref name="addSecond"/>), each input's gradient; an
    /// empty span is an input that needs none. Split over <see cref="KernelThreads"/>.
    /// </summary>
    public static unsafe void SumBackward<TActivation>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> first, bool addFirst,
        Span<float> second, bool addSecond, TActivation activation) where TActivation : struct, IActivationOperator
    {
        int n = dy.Length;
        if (y.Length < n) throw new ArgumentException($"SumBackward needs y at least as long as dy ({n} floats), but it has {y.Length}.", nameof(y));
        if (!first.IsEmpty && first.Length < n) throw new ArgumentException($"The first input's gradient has {first.Length} floats, but dy has {n}.", nameof(first));
        if (!second.IsEmpty && second.Length < n) throw new ArgumentException($"The second input's gradient has {second.Length} floats, but dy has {n}.", nameof(second));
        if (first.IsEmpty)
        {
            // One target at most: it goes first.
            first = second;
            addFirst = addSecond;
            second = default;
        }
        if (first.IsEmpty) return;
        fixed (float* py = y, pdy = dy, p0 = first, p1 = second)
        {
            var work = new SumBackwardWork<TActivation>(py, pdy, p0, addFirst, second.IsEmpty ? null : p1, addSecond, n, activation);
            ParallelRange.Run(work, ElementwiseKernels.Chunks(n), ElementwiseKernels.Chunk);
        }
    }

    /// <summary><c>destination[i] += source[i]</c>, at the widest vectors, in chunks split over <see cref="KernelThreads"/>.</summary>
    public static unsafe void AddTo(ReadOnlySpan<float> source, Span<float> destination)
    {
        int n = source.Length;
        if (destination.Length < n) throw new ArgumentException($"AddTo needs a destination at least as long as the source ({n} floats), but it has {destination.Length}.");
        fixed (float* ps = source, pd = destination)
            ParallelRange.Run(new AddWork(ps, pd, n), ElementwiseKernels.Chunks(n), ElementwiseKernels.Chunk);
    }

    private readonly unsafe struct SumWork<T>(float* a, float* b, float* y, int n, T activation) : IRangeWork where T : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int from = start * ElementwiseKernels.Chunk, to = Math.Min(n, end * ElementwiseKernels.Chunk);
            SimdLoops.SumMap(a + from, b + from, y + from, to - from, activation);
        }
    }

    private readonly unsafe struct SumBackwardWork<T>(float* y, float* dy, float* first, bool addFirst, float* second, bool addSecond, int n, T activation)
        : IRangeWork where T : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int from = start * ElementwiseKernels.Chunk, to = Math.Min(n, end * ElementwiseKernels.Chunk);
            SimdLoops.SpreadDerivative(y + from, dy + from, first + from, addFirst, second == null ? null : second + from, addSecond, to - from, activation);
        }
    }

    private readonly unsafe struct AddWork(float* source, float* destination, int n) : IRangeWork
    {
        public void Run(int start, int end)
        {
            int from = start * ElementwiseKernels.Chunk, to = Math.Min(n, end * ElementwiseKernels.Chunk);
            SimdLoops.Add(destination + from, source + from, to - from);
        }
    }

    /// <summary><c>dx[i] += dy[i] · f'(z_i)</c>, from the outputs <c>y</c>: an activation's backward pass, added.</summary>
    public static void MultiplyByDerivativeAndAdd<TActivation>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        int n = dy.Length;
        if (y.Length < n || dx.Length < n) throw new ArgumentException("MultiplyByDerivativeAndAdd needs y and dx at least as long as dy.");
        for (int i = 0; i < n; i++) dx[i] += dy[i] * activation.DerivativeFromOutput(y[i]);
    }

    /// <summary>The softmax Jacobian-vector product, added: <c>dx[r, i] += y[r, i] · (dy[r, i] - Σ_j dy[r, j] · y[r, j])</c>.</summary>
    public static void SoftmaxRowsBackwardAndAdd(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * columns, columns);
            var dyr = dy.Slice(r * columns, columns);
            var dxr = dx.Slice(r * columns, columns);
            float dot = 0;
            for (int i = 0; i < columns; i++) dot += dyr[i] * yr[i];
            for (int i = 0; i < columns; i++) dxr[i] += yr[i] * (dyr[i] - dot);
        }
    }

    /// <summary>The backward pass of max pooling, added: each <c>dy</c> is added to <c>dx</c> at its argmax.</summary>
    public static void MaxPoolBackwardAndAdd(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, in PoolShape shape)
    {
        int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth;
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var target = dx.Slice(plane * planeSize, planeSize);
            int source = plane * outSize;
            for (int o = 0; o < outSize; o++) target[argmax[source + o]] += dy[source + o];
        }
    }

    /// <summary>The backward pass of average pooling, added: each output's gradient is shared equally by its window.</summary>
    public static void AveragePoolBackwardAndAdd(ReadOnlySpan<float> dy, Span<float> dx, in PoolShape shape)
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        float scale = 1f / (k * k);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var target = dx.Slice(plane * h * w, h * w);
            int source = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    float share = dy[source + oy * ow + ox] * scale;
                    int origin = oy * s * w + ox * s;
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++) target[origin + ky * w + kx] += share;
                    }
                }
            }
        }
    }
}
