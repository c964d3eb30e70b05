using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Myelin.Kernels;

/// <summary>
/// The element-wise and pooling kernels of int8 inference. Values are symmetric int8: a value <c>q</c> with scale
/// <c>s</c> stands for <c>q · s</c>, with <c>q</c> in [-127, 127] (zero point 0). Every kernel that leaves int8 rounds
/// the same way, <see cref="Quantize(float)"/>: half to even, then clamped. Activations are evaluated by the operators'
/// eight-lane form everywhere, also one element at a time, so a result never depends on where an element falls.
/// </summary>
public static partial class Int8Kernels
{
    /// <summary>Entries of an activation table: one per int8 value.</summary>
    public const int TableLength = 256;

    /// <summary><c>clamp(round_half_even(v), -127, 127)</c>; NaN gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte Quantize(float v) => (sbyte)(int)Math.Clamp(MathF.Round(v), -127f, 127f);

    /// <summary>Eight lanes of <see cref="Quantize(float)"/>, as int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Quantize(Vector256<float> v) =>
        Vector256.ConvertToInt32(Vector256.Min(Vector256.Max(Vector256.Round(v), Vector256.Create(-127f)), Vector256.Create(127f)));

    /// <summary>Sixteen int32 lanes already in [-127, 127] as sixteen bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<sbyte> Narrow(Vector256<int> low, Vector256<int> high)
    {
        var shorts = Vector256.Narrow(low, high);
        return Vector128.Narrow(shorts.GetLower(), shorts.GetUpper());
    }

    /// <summary><c>q[i] = Quantize(x[i] · inverseScale)</c>: floats into int8 of scale <c>1 / inverseScale</c>.</summary>
    public static unsafe void Quantize(ReadOnlySpan<float> x, Span<sbyte> q, float inverseScale)
    {
        CheckLengths(x.Length, q.Length, nameof(q));
        fixed (float* px = x)
        fixed (sbyte* pq = q)
        {
            int done = 0;
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            {
                // Sixteen at a time; vpmovdb narrows the clamped int32 lanes to bytes in one instruction.
                var scale = Vector512.Create(inverseScale);
                for (; done + 16 <= x.Length; done += 16)
                {
                    var v = Vector512.Round(Vector512.Load(px + done) * scale);
                    v = Vector512.Min(Vector512.Max(v, Vector512.Create(-127f)), Vector512.Create(127f));
                    Avx512F.ConvertToVector128SByte(Vector512.ConvertToInt32(v)).Store(pq + done);
                }
            }
            Int8Epilogue.Elements(px + done, x.Length - done, new IdentityOperator(), new Int8Store(pq + done, inverseScale));
        }
    }

    /// <summary><c>x[i] = q[i] · scale</c>.</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> q, Span<float> x, float scale)
    {
        CheckLengths(q.Length, x.Length, nameof(x));
        for (int i = 0; i < q.Length; i++) x[i] = q[i] * scale;
    }

    /// <summary>
    /// <c>y[i] = Quantize(x[i] · ratio)</c>: int8 values moved to another scale, <c>ratio = inputScale / outputScale</c>
    /// (a concatenation whose inputs have other scales than its output). A ratio of exactly 1 is a copy.
    /// </summary>
    public static void Requantize(ReadOnlySpan<sbyte> x, Span<sbyte> y, float ratio)
    {
        CheckLengths(x.Length, y.Length, nameof(y));
        if (ratio == 1f)
        {
            x.CopyTo(y);
            return;
        }
        for (int i = 0; i < x.Length; i++) y[i] = Quantize(x[i] * ratio);
    }

    /// <summary>
    /// The table of an element-wise activation between two scales: <c>table[q + 128] = Quantize(f(q · inputScale) · inverseOutputScale)</c>
    /// for every int8 <c>q</c>. With it a stand-alone activation is one lookup per value.
    /// </summary>
    public static void BuildTable<TActivation>(Span<sbyte> table, float inputScale, float inverseOutputScale, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        if (table.Length < TableLength) throw new ArgumentException($"An activation table holds {TableLength} values.", nameof(table));
        for (int q = -128; q <= 127; q++) table[q + 128] = Quantize(Int8Epilogue.Apply(activation, q * inputScale) * inverseOutputScale);
    }

    /// <summary>The float form of <see cref="BuildTable{TActivation}(Span{sbyte}, float, float, TActivation)"/>: <c>table[q + 128] = f(q · inputScale)</c>, for a layer whose output is float.</summary>
    public static void BuildTable<TActivation>(Span<float> table, float inputScale, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        if (table.Length < TableLength) throw new ArgumentException($"An activation table holds {TableLength} values.", nameof(table));
        for (int q = -128; q <= 127; q++) table[q + 128] = Int8Epilogue.Apply(activation, q * inputScale);
    }

    /// <summary><c>y[i] = table[x[i] + 128]</c>.</summary>
    public static void Lookup(ReadOnlySpan<sbyte> x, Span<sbyte> y, ReadOnlySpan<sbyte> table)
    {
        CheckLengths(x.Length, y.Length, nameof(y));
        if (table.Length < TableLength) throw new ArgumentException($"An activation table holds {TableLength} values.", nameof(table));
        for (int i = 0; i < x.Length; i++) y[i] = table[x[i] + 128];
    }

    /// <summary><c>y[i] = table[x[i] + 128]</c>, into floats.</summary>
    public static void Lookup(ReadOnlySpan<sbyte> x, Span<float> y, ReadOnlySpan<float> table)
    {
        CheckLengths(x.Length, y.Length, nameof(y));
        if (table.Length < TableLength) throw new ArgumentException($"An activation table holds {TableLength} values.", nameof(table));
        for (int i = 0; i < x.Length; i++) y[i] = table[x[i] + 128];
    }

    /// <summary>
    /// Batch normalisation in eval mode (or any per-channel affine map) on int8 values of layout
    /// <c>[batch, channels, spatial]</c>: <c>y = f(q · scale[c] + shift[c])</c>, with <c>scale</c> already holding the input's scale.
    /// </summary>
    public static unsafe void AffineChannels<TActivation>(ReadOnlySpan<sbyte> x, Span<sbyte> y, int batch, int channels, int spatial,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, float inverseOutputScale, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        fixed (sbyte* py = y) Affine(x, batch, channels, spatial, scale, shift, activation, new Int8Store(py, inverseOutputScale), y.Length);
    }

    /// <summary>As <see cref="AffineChannels{TActivation}(ReadOnlySpan{sbyte}, Span{sbyte}, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, float, TActivation)"/>, into floats.</summary>
    public static unsafe void AffineChannels<TActivation>(ReadOnlySpan<sbyte> x, Span<float> y, int batch, int channels, int spatial,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        fixed (float* py = y) Affine(x, batch, channels, spatial, scale, shift, activation, new FloatStore(py), y.Length);
    }

    private static void Affine<TActivation, TStore>(ReadOnlySpan<sbyte> x, int batch, int channels, int spatial,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, TActivation activation, TStore store, int outputLength)
        where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        int count = batch * channels * spatial;
        CheckLengths(count, x.Length, nameof(x));
        CheckLengths(count, outputLength, "y");
        Int8Epilogue.CheckChannels(scale, shift, channels);
        for (int b = 0, i = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                float s = scale[c], t = shift[c];
                for (int p = 0; p < spatial; p++, i++) store.Store(Int8Epilogue.Apply(activation, x[i] * s + t), i);
            }
        }
    }

    /// <summary>
    /// <c>sum[i] (+)= x[i] · scale</c>: one input of an element-wise sum of int8 values of different scales, added in
    /// real units into a float buffer (the first input writes, the others add, in the order of the layer's inputs).
    /// </summary>
    public static void AddScaled(ReadOnlySpan<sbyte> x, float scale, Span<float> sum, bool accumulate)
    {
        CheckLengths(x.Length, sum.Length, nameof(sum));
        if (accumulate)
        {
            for (int i = 0; i < x.Length; i++) sum[i] += x[i] * scale;
        }
        else
        {
            for (int i = 0; i < x.Length; i++) sum[i] = x[i] * scale;
        }
    }

    /// <summary><c>q[i] = Quantize(f(z[i]) · inverseScale)</c>: real values (a sum) through an activation into int8.</summary>
    public static unsafe void Activate<TActivation>(ReadOnlySpan<float> z, Span<sbyte> q, float inverseScale, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        CheckLengths(z.Length, q.Length, nameof(q));
        fixed (float* pz = z)
        fixed (sbyte* pq = q)
        {
            Int8Epilogue.Elements(pz, z.Length, activation, new Int8Store(pq, inverseScale));
        }
    }

    /// <summary>
    /// Max pooling of int8 planes, floor mode, no padding. The scale does not change: the maximum of the values is the
    /// value of the maximum, since the scale is positive.
    /// </summary>
    public static void MaxPool(ReadOnlySpan<sbyte> x, Span<sbyte> y, in PoolShape shape)
    {
        CheckPool(x.Length, y.Length, shape);
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        if (k == 2 && s == 2)
        {
            MaxPool2x2(x, y, shape);
            return;
        }
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var source = x.Slice(plane * h * w, h * w);
            var target = y.Slice(plane * oh * ow, oh * ow);
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    int origin = oy * s * w + ox * s;
                    int best = sbyte.MinValue;
                    for (int ky = 0; ky < k; ky++)
                    {
                        var row = source.Slice(origin + ky * w, k);
                        foreach (sbyte v in row) best = Math.Max(best, v);
                    }
                    target[oy * ow + ox] = (sbyte)best;
                }
            }
        }
    }

    /// <summary>Average pooling of int8 planes at the same scale: <c>y = Quantize(Σ window · (1 / k²))</c>.</summary>
    public static void AveragePool(ReadOnlySpan<sbyte> x, Span<sbyte> y, in PoolShape shape)
    {
        CheckPool(x.Length, y.Length, shape);
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth, k = shape.Kernel, s = shape.Stride;
        float inverse = 1f / (k * k);
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            var source = x.Slice(plane * h * w, h * w);
            var target = y.Slice(plane * oh * ow, oh * ow);
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    int origin = oy * s * w + ox * s, sum = 0;
                    for (int ky = 0; ky < k; ky++)
                    {
                        foreach (sbyte v in source.Slice(origin + ky * w, k)) sum += v;
                    }
                    target[oy * ow + ox] = Quantize(sum * inverse);
                }
            }
        }
    }

    /// <summary>Global average pooling of int8 planes at the same scale: <c>y[p] = Quantize(Σ plane p · (1 / size))</c>.</summary>
    public static void GlobalAveragePool(ReadOnlySpan<sbyte> x, Span<sbyte> y, int planes, int size)
    {
        CheckLengths(planes * size, x.Length, nameof(x));
        CheckLengths(planes, y.Length, nameof(y));
        float inverse = 1f / size;
        for (int p = 0; p < planes; p++)
        {
            int sum = 0;
            foreach (sbyte v in x.Slice(p * size, size)) sum += v;
            y[p] = Quantize(sum * inverse);
        }
    }

    private static void CheckPool(int inputLength, int outputLength, in PoolShape shape)
    {
        CheckLengths(shape.Planes * shape.Height * shape.Width, inputLength, "x");
        CheckLengths(shape.Planes * shape.OutHeight * shape.OutWidth, outputLength, "y");
    }

    /// <summary>Throws unless <paramref name="available"/> holds at least <paramref name="needed"/> elements.</summary>
    internal static void CheckLengths(int needed, int available, string name)
    {
        if (available < needed) throw new ArgumentException($"The span '{name}' holds {available} values; the kernel needs {needed}.", name);
    }
}
