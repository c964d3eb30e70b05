using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// Where the epilogue of an int8 product writes: int8 values requantised to the output's scale, or floats. The struct
/// operators let one loop serve both, specialised by the JIT.
/// </summary>
internal interface IEpilogueStore
{
    /// <summary>Writes <c>y</c> as element <paramref name="index"/>.</summary>
    void Store(float y, int index);

    /// <summary>Writes sixteen values from <paramref name="index"/>.</summary>
    void Store(Vector256<float> low, Vector256<float> high, int index);
}

/// <summary>Requantises: <c>q = clamp(round_half_even(y · inverseScale), -127, 127)</c>, the one rounding rule of every int8 kernel.</summary>
internal readonly unsafe struct Int8Store(sbyte* y, float inverseScale) : IEpilogueStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float value, int index) => y[index] = Int8Kernels.Quantize(value * inverseScale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector256<float> low, Vector256<float> high, int index)
    {
        var scale = Vector256.Create(inverseScale);
        Int8Kernels.Narrow(Int8Kernels.Quantize(low * scale), Int8Kernels.Quantize(high * scale)).Store(y + index);
    }
}

/// <summary>Writes floats: the last layer of an int8 network, whose outputs are the network's float outputs.</summary>
internal readonly unsafe struct FloatStore(float* y) : IEpilogueStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float value, int index) => y[index] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector256<float> low, Vector256<float> high, int index)
    {
        low.Store(y + index);
        high.Store(y + index + 8);
    }
}

/// <summary>
/// The epilogue of an int8 dense or convolution product: <c>y = f(acc · scale[ch] + bias[ch])</c> per element, with the
/// channel <c>ch</c> the row (convolution: one row per output channel) or the column (dense: one column per output).
/// <c>scale[ch]</c> is the input's scale times the channel's weight scale, so <c>acc · scale</c> is the real-valued
/// product. The multiply and the add are separate roundings on every path (no fused multiply-add), and every activation
/// is evaluated by the operator's eight-lane form (<see cref="Apply{TActivation}"/>), also for the scalar tails, so that
/// an element's result does not depend on where it falls in a row: a reference that evaluates each element the same way
/// gets the same bits for every activation.
/// </summary>
internal static unsafe class Int8Epilogue
{
    /// <summary><c>f(z)</c> by the operator's eight-lane form, the way every int8 kernel evaluates activations.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Apply<TActivation>(TActivation activation, float z) where TActivation : struct, IActivationOperator =>
        activation.Apply(Vector256.Create(z)).ToScalar();

    /// <summary>Rows <c>0 .. rows - 1</c> of <c>acc</c> (row stride <paramref name="accStride"/>), channel = row, into rows of <paramref name="cols"/>.</summary>
    public static void PerRow<TActivation, TStore>(int* acc, int accStride, int rows, int cols, float* scale, float* bias, TActivation activation, TStore store)
        where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        for (int r = 0; r < rows; r++)
        {
            int* source = acc + (long)r * accStride;
            float s = scale[r], b = bias is null ? 0f : bias[r];
            int target = r * cols, c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vs = Vector256.Create(s);
                var vb = Vector256.Create(b);
                for (; c + 16 <= cols; c += 16)
                {
                    var low = activation.Apply(Vector256.ConvertToSingle(Vector256.Load(source + c)) * vs + vb);
                    var high = activation.Apply(Vector256.ConvertToSingle(Vector256.Load(source + c + 8)) * vs + vb);
                    store.Store(low, high, target + c);
                }
            }
            for (; c < cols; c++) store.Store(Apply(activation, (float)source[c] * s + b), target + c);
        }
    }

    /// <summary>A contiguous <c>acc[rows, cols]</c>, channel = column.</summary>
    public static void PerColumn<TActivation, TStore>(int* acc, int rows, int cols, float* scale, float* bias, TActivation activation, TStore store)
        where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        for (int r = 0; r < rows; r++)
        {
            int* source = acc + (long)r * cols;
            int target = r * cols, c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; c + 16 <= cols; c += 16)
                {
                    var b0 = bias is null ? Vector256<float>.Zero : Vector256.Load(bias + c);
                    var b1 = bias is null ? Vector256<float>.Zero : Vector256.Load(bias + c + 8);
                    var low = activation.Apply(Vector256.ConvertToSingle(Vector256.Load(source + c)) * Vector256.Load(scale + c) + b0);
                    var high = activation.Apply(Vector256.ConvertToSingle(Vector256.Load(source + c + 8)) * Vector256.Load(scale + c + 8) + b1);
                    store.Store(low, high, target + c);
                }
            }
            for (; c < cols; c++) store.Store(Apply(activation, (float)source[c] * scale[c] + (bias is null ? 0f : bias[c])), target + c);
        }
    }

    /// <summary>The elements <c>0 .. count - 1</c> of a float span through <paramref name="activation"/> into <paramref name="store"/>.</summary>
    public static void Elements<TActivation, TStore>(float* z, int count, TActivation activation, TStore store)
        where TActivation : struct, IActivationOperator where TStore : struct, IEpilogueStore
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
                store.Store(activation.Apply(Vector256.Load(z + i)), activation.Apply(Vector256.Load(z + i + 8)), i);
        }
        for (; i < count; i++) store.Store(Apply(activation, z[i]), i);
    }

    /// <summary>Checks an epilogue's per-channel spans: <paramref name="channels"/> scales, and as many biases or none.</summary>
    public static void CheckChannels(ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, int channels)
    {
        if (scale.Length < channels) throw new ArgumentException($"The channel scales hold {scale.Length} values for {channels} channels.", nameof(scale));
        if (!bias.IsEmpty && bias.Length < channels) throw new ArgumentException($"The biases hold {bias.Length} values for {channels} channels.", nameof(bias));
    }
}
