using System;
using System.Collections.Generic;
using Myelin.Kernels;

namespace Myelin.Quantization;

/// <summary>
/// The quantisation rules shared by every generated int8 network: how float weights become int8 weights with
/// per-channel scales, and what makes a state valid. Generated code calls these, so the rules live in one place.
/// </summary>
public static class QuantizedState
{
    /// <summary>
    /// Symmetric per-output-channel quantisation: for each channel <c>o</c> (a row of <paramref name="weights"/>),
    /// <c>scale[o] = max |W[o, :]| / 127</c> and <c>q[o, i] = Quantize(W[o, i] / scale[o])</c>, so the largest weight of
    /// each channel maps to ±127. A channel of zeros gets scale 1 and zeros.
    /// </summary>
    /// <param name="weights">[channels, perChannel] floats, e.g. a dense weight [out, in] or a convolution's [out, in·kh·kw].</param>
    /// <param name="channels">Output channels.</param>
    /// <param name="quantized">Receives the int8 weights, same layout.</param>
    /// <param name="scales">Receives one scale per channel.</param>
    public static void QuantizeWeights(ReadOnlySpan<float> weights, int channels, Span<sbyte> quantized, Span<float> scales)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (weights.Length % channels != 0) throw new ArgumentException($"{weights.Length} weights do not split into {channels} channels.", nameof(weights));
        Int8Kernels.CheckLengths(weights.Length, quantized.Length, nameof(quantized));
        Int8Kernels.CheckLengths(channels, scales.Length, nameof(scales));
        int perChannel = weights.Length / channels;
        for (int o = 0; o < channels; o++)
        {
            var row = weights.Slice(o * perChannel, perChannel);
            float max = 0f;
            foreach (float w in row)
            {
                if (!float.IsFinite(w)) throw new ArgumentException($"Weight {o * perChannel + row.IndexOf(w)} is {w}; only finite weights can be quantised.", nameof(weights));
                max = MathF.Max(max, MathF.Abs(w));
            }
            float scale = max > 0f ? max / 127f : 1f;
            float inverse = 1f / scale;
            scales[o] = scale;
            for (int i = 0; i < perChannel; i++) quantized[o * perChannel + i] = Int8Kernels.Quantize(row[i] * inverse);
        }
    }

    /// <summary>
    /// Checks a whole state against its table before any of it is used: the lengths, every int8 weight in [-127, 127],
    /// every scale positive and finite, every kept float finite.
    /// </summary>
    /// <param name="network">The network's name, for messages.</param>
    /// <param name="table">The state table.</param>
    /// <param name="int8State">The int8 weights.</param>
    /// <param name="floatState">The scales and floats.</param>
    /// <param name="int8Length">The length <paramref name="int8State"/> must have.</param>
    /// <param name="floatLength">The length <paramref name="floatState"/> must have.</param>
    /// <exception cref="ArgumentException">The first problem, naming the tensor and the element.</exception>
    public static void Check(string network, IReadOnlyList<QuantizedTensorInfo> table, ReadOnlySpan<sbyte> int8State, ReadOnlySpan<float> floatState,
        int int8Length, int floatLength)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (int8State.Length != int8Length)
            throw new ArgumentException($"{network}: the int8 state holds {int8State.Length} values; the network has {int8Length}.", nameof(int8State));
        if (floatState.Length != floatLength)
            throw new ArgumentException($"{network}: the float state holds {floatState.Length} values; the network has {floatLength}.", nameof(floatState));
        foreach (var tensor in table)
        {
            if (tensor.IsInt8)
            {
                int at = int8State.Slice(tensor.Offset, tensor.Length).IndexOf(sbyte.MinValue);
                if (at >= 0) throw new ArgumentException($"{network}: '{tensor.Name}' element {at} is -128; int8 weights lie in [-127, 127].", nameof(int8State));
                continue;
            }
            var values = floatState.Slice(tensor.Offset, tensor.Length);
            bool scale = tensor.Kind is QuantizedTensorKind.WeightScale or QuantizedTensorKind.ActivationScale;
            for (int i = 0; i < values.Length; i++)
            {
                float v = values[i];
                if (!float.IsFinite(v) || (scale && !(v > 0f)))
                    throw new ArgumentException($"{network}: '{tensor.Name}' element {i} is {v}; {(scale ? "a scale must be positive and finite" : "values must be finite")}.", nameof(floatState));
            }
        }
    }
}
