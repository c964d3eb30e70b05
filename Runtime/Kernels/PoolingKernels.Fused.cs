using System;

namespace Myelin.Kernels;

// Max pooling fused into the convolution before it: the convolution's activated output exists only one plane at a time
// in a small per-thread buffer, and only the pooled values and the argmax positions reach memory. The backward pass
// needs no full-size activation either: the activation's derivative at a window's maximum is its derivative at the
// pooled value, and every other position of the window gets no gradient.
public static unsafe partial class PoolingKernels
{
    [ThreadStatic] private static float[]? s_plane;

    /// <summary>
    /// <see cref="ElementwiseKernels.ChannelsToSamples"/> fused with <see cref="MaxPoolForward"/>: each plane of the
    /// product <c>[channels, batch·H·W]</c> gets its channel's bias and the activation, and is max-pooled at once into
    /// NCHW <c>pooled[batch, channels, OH, OW]</c>; the activated plane is never stored. The results (and argmax
    /// positions, within the H×W plane) are bit-identical to the two calls in sequence.
    /// </summary>
    /// <param name="products">[channels, batch·H·W], the convolution's matrix product.</param>
    /// <param name="pooled">[batch, channels, OH, OW].</param>
    /// <param name="argmax">[batch, channels, OH, OW], or empty when no backward pass will follow.</param>
    /// <param name="bias">[channels], or empty for none.</param>
    /// <param name="channels">The convolution's output channels.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The pooling geometry: H×W is the convolution's output; <c>Planes</c> must be batch·channels.</param>
    /// <param name="activation">The convolution's activation.</param>
    public static void ChannelsToSamplesMaxPool<TActivation>(ReadOnlySpan<float> products, Span<float> pooled, Span<int> argmax, ReadOnlySpan<float> bias,
        int channels, int batch, in PoolShape shape, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckFused(products.Length, pooled.Length, argmax.Length, bias.Length, channels, batch, shape);
        _ = PlaneBuffer(1, shape); // the caller's, in its first call, whichever planes it runs
        fixed (float* pp = products, po = pooled, pb = bias)
        fixed (int* pa = argmax)
        {
            var work = new PoolProductWork<TActivation>(pp, po, argmax.IsEmpty ? null : pa, bias.IsEmpty ? null : pb, channels, batch, shape, activation);
            ParallelRange.Run(work, channels * batch, shape.Height * shape.Width);
        }
    }

    /// <summary>
    /// The backward pass of max pooling fused with the activation's derivative, for a convolution whose output only
    /// this pooling read: <c>dz[b, c, argmax] = dy[b, c, o] · f'(pooled[b, c, o])</c>, zero elsewhere, in NCHW
    /// <c>[batch, channels, H, W]</c>. Equal to <see cref="MaxPoolBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, in PoolShape)"/> then
    /// <see cref="ElementwiseKernels.MultiplyByDerivative{TActivation}(ReadOnlySpan{float}, Span{float}, TActivation)"/> on the
    /// full-size output, for finite outputs. Needs windows that do not overlap (stride at least the kernel).
    /// </summary>
    public static void MaxPoolBackward<TActivation>(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, ReadOnlySpan<float> pooled, Span<float> dz,
        in PoolShape shape, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckFusedBackward(dy.Length, argmax.Length, pooled.Length, dz.Length, shape);
        fixed (float* pdy = dy, pp = pooled, pdz = dz)
        fixed (int* pa = argmax)
        {
            var work = new PoolBackwardWork<TActivation>(pdy, pa, pp, pdz, channels: 0, batch: 0, shape, activation);
            ParallelRange.Run(work, shape.Planes, shape.Height * shape.Width);
        }
    }

    /// <summary>
    /// <see cref="MaxPoolBackward{TActivation}"/> writing the convolution's channel-major layout
    /// <c>dz[channels, batch·H·W]</c> that its backward matrix products read (plane (b, c) to columns b·H·W of row c):
    /// the fusion of max-pool backward, the activation's derivative and <see cref="ElementwiseKernels.SamplesToChannels"/>.
    /// </summary>
    public static void MaxPoolBackwardToChannels<TActivation>(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, ReadOnlySpan<float> pooled, Span<float> dz,
        int channels, int batch, in PoolShape shape, TActivation activation) where TActivation : struct, IActivationOperator
    {
        CheckFusedBackward(dy.Length, argmax.Length, pooled.Length, dz.Length, shape);
        if (channels <= 0 || batch < 0 || (long)channels * batch != shape.Planes)
            throw new ArgumentException($"{batch} samples of {channels} channels are not the {shape.Planes} planes of the pooling.", nameof(channels));
        fixed (float* pdy = dy, pp = pooled, pdz = dz)
        fixed (int* pa = argmax)
        {
            var work = new PoolBackwardWork<TActivation>(pdy, pa, pp, pdz, channels, batch, shape, activation);
            ParallelRange.Run(work, shape.Planes, shape.Height * shape.Width);
        }
    }

    /// <summary>Pools one H×W plane that sits in a per-thread buffer into plane <paramref name="plane"/> of the outputs.</summary>
    internal static void PoolPlane(float* activated, float* pooled, int* argmax, int plane, in PoolShape shape)
    {
        int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth;
        MaxPoolPlanes(new ReadOnlySpan<float>(activated, planeSize), new Span<float>(pooled + (long)plane * outSize, outSize),
            argmax is null ? default : new Span<int>(argmax + (long)plane * outSize, outSize), shape with { Planes = 1 });
    }

    /// <summary>A per-thread buffer for <paramref name="planes"/> activated planes of the shape.</summary>
    internal static float[] PlaneBuffer(int planes, in PoolShape shape)
    {
        int length = planes * shape.Height * shape.Width;
        var buffer = s_plane;
        if (buffer is null || buffer.Length < length) s_plane = buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 1024), pinned: true);
        return buffer;
    }

    /// <summary>Item i = product plane (c, b) = (i / batch, i % batch), pooled to NCHW plane b·channels + c.</summary>
    private readonly struct PoolProductWork<TActivation>(float* products, float* pooled, int* argmax, float* bias, int channels, int batch,
        PoolShape shape, TActivation activation) : IRangeWork where TActivation : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int planeSize = shape.Height * shape.Width;
            fixed (float* plane = PlaneBuffer(1, shape))
            {
                for (int i = start; i < end; i++)
                {
                    int c = i / batch, b = i % batch;
                    SimdLoops.Map(products + (long)i * planeSize, plane, planeSize, new Shifted<TActivation>(activation, bias is null ? 0f : bias[c]));
                    PoolPlane(plane, pooled, argmax, b * channels + c, shape);
                }
            }
        }
    }

    /// <summary>Item = NCHW plane p of the pooled gradient; to NCHW (channels 0) or to channel-major planes of dz.</summary>
    private readonly struct PoolBackwardWork<TActivation>(float* dy, int* argmax, float* pooled, float* dz, int channels, int batch,
        PoolShape shape, TActivation activation) : IRangeWork where TActivation : struct, IActivationOperator
    {
        public void Run(int start, int end)
        {
            int planeSize = shape.Height * shape.Width, outSize = shape.OutHeight * shape.OutWidth;
            for (int p = start; p < end; p++)
            {
                long target = channels == 0 ? (long)p * planeSize : ((long)(p % channels) * batch + p / channels) * planeSize;
                float* plane = dz + target;
                new Span<float>(plane, planeSize).Clear();
                long source = (long)p * outSize;
                for (int o = 0; o < outSize; o++)
                    plane[argmax[source + o]] = dy[source + o] * activation.DerivativeFromOutput(pooled[source + o]);
            }
        }
    }

    private static void CheckFused(int productsLength, int pooledLength, int argmaxLength, int biasLength, int channels, int batch, in PoolShape shape)
    {
        if (channels <= 0 || batch < 0 || (long)channels * batch != shape.Planes)
            throw new ArgumentException($"{batch} samples of {channels} channels are not the {shape.Planes} planes of the pooling.", nameof(channels));
        Check(productsLength, pooledLength, shape);
        if (argmaxLength != 0 && argmaxLength < (long)shape.Planes * shape.OutHeight * shape.OutWidth)
            throw new ArgumentException($"argmax has {argmaxLength} entries, but {shape.Planes} planes of {shape.OutHeight}x{shape.OutWidth} need {shape.Planes * shape.OutHeight * shape.OutWidth}.", "argmax");
        if (biasLength != 0 && biasLength < channels)
            throw new ArgumentException($"The bias has {biasLength} floats, but there are {channels} channels.", "bias");
    }

    private static void CheckFusedBackward(int dyLength, int argmaxLength, int pooledLength, int dzLength, in PoolShape shape)
    {
        if (shape.Stride < shape.Kernel)
            throw new ArgumentException(
                $"The fused max-pool backward needs windows that do not overlap, but the window is {shape.Kernel} with stride {shape.Stride}; use MaxPoolBackward and MultiplyByDerivative.");
        Check(dzLength, Math.Min(dyLength, Math.Min(argmaxLength, pooledLength)), shape);
    }
}
