using System;
using Myelin.Data;

namespace Myelin.Quantization;

/// <summary>How <see cref="Quantize.ToInt8(INetwork, Dataset, QuantizeOptions?)"/> calibrates.</summary>
public sealed record QuantizeOptions
{
    /// <summary>The default options: 1,000 samples, max-abs scales, batches of 64.</summary>
    public static readonly QuantizeOptions Default = new();

    /// <summary>Calibrate on at most this many samples, the first ones of the data. Default 1,000.</summary>
    public int MaxSamples { get; init; } = 1000;

    /// <summary>Samples per calibration batch. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>How ranges become scales. Default <see cref="CalibrationMethod.MaxAbs"/>.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MaxAbs;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of each value's magnitudes left unclipped. Default 99.99.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>The int8 network's batch capacity; 0 takes the float network's. Default 0.</summary>
    public int MaxBatchSize { get; init; }
}

/// <summary>
/// Post-training quantisation: a trained float network and some sample data in, an int8 inference network out.
/// </summary>
/// <remarks>
/// <para>
/// Weights are quantised per output channel and symmetrically (<see cref="QuantizedState.QuantizeWeights"/>). The
/// activations that int8 layers exchange get one scale each, calibrated by running the float network on the sample data
/// (<see cref="CalibrationMethod"/>); max pooling, dropout, ReLU and LeakyReLU keep their input's scale. Products sum in
/// int32; each dense or convolution layer then requantises its sums to its output's scale, with its bias and activation,
/// in one pass. The network's input is quantised on entry, and its last layers (from the last dense, convolution, batch
/// norm or sum on) compute in float, so that its outputs keep their full resolution.
/// </para>
/// <para>The int8 code itself is generated for the declaration, so every shape stays a constant: see docs/quantization.md.</para>
/// </remarks>
public static class Quantize
{
    /// <summary>Quantises <paramref name="network"/> to int8, calibrating its activations on <paramref name="calibrationData"/>.</summary>
    /// <param name="network">A trained network declared with <c>[Network(Int8 = true)]</c>. Its weights and training mode are left as they were; its batch capacity may grow to the calibration batch.</param>
    /// <param name="calibrationData">Representative inputs, such as training samples; the first <see cref="QuantizeOptions.MaxSamples"/> are used.</param>
    /// <param name="options">Calibration settings; <see cref="QuantizeOptions.Default"/> when null.</param>
    /// <returns>The int8 network: the generated class <c>YourNetwork.Int8</c>.</returns>
    /// <exception cref="ArgumentException">The network has no int8 code, the data does not fit it or is empty, or an option is out of range.</exception>
    public static IInt8Network ToInt8(INetwork network, Dataset calibrationData, QuantizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(calibrationData);
        var quantizable = Quantizable(network);
        if (calibrationData.SampleSize != network.InputSize)
            throw new ArgumentException($"{network.GetType().Name} takes samples of {network.InputSize} floats, but the calibration data has {calibrationData.SampleSize} per sample.", nameof(calibrationData));
        return ToInt8(quantizable, calibrationData.Features, calibrationData.Count, options);
    }

    /// <summary>Quantises <paramref name="network"/> to int8, calibrating on <paramref name="count"/> samples of <paramref name="inputs"/>.</summary>
    /// <param name="network">A trained network declared with <c>[Network(Int8 = true)]</c>.</param>
    /// <param name="inputs"><c>count · InputSize</c> floats, sample after sample.</param>
    /// <param name="count">Samples in <paramref name="inputs"/>.</param>
    /// <param name="options">Calibration settings; <see cref="QuantizeOptions.Default"/> when null.</param>
    public static IInt8Network ToInt8(INetwork network, ReadOnlySpan<float> inputs, int count, QuantizeOptions? options = null)
    {
        var quantizable = Quantizable(network);
        if (count < 1) throw new ArgumentException("Calibration needs at least one sample.", nameof(count));
        if ((long)count * network.InputSize != inputs.Length)
            throw new ArgumentException($"{count} samples of {network.InputSize} floats are {(long)count * network.InputSize} floats, but the inputs hold {inputs.Length}.", nameof(inputs));
        return ToInt8(quantizable, inputs, count, options);
    }

    private static IInt8Network ToInt8(IQuantizable network, ReadOnlySpan<float> inputs, int count, QuantizeOptions? options)
    {
        options ??= QuantizeOptions.Default;
        if (options.MaxSamples < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxSamples, "QuantizeOptions.MaxSamples must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "QuantizeOptions.BatchSize must be at least 1.");
        if (options.MaxBatchSize < 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatchSize, "QuantizeOptions.MaxBatchSize must not be negative.");
        if (count < 1) throw new ArgumentException("The calibration data has no samples; quantisation needs at least one.", nameof(inputs));

        int samples = Math.Min(count, options.MaxSamples);
        int capacity = network.MaxBatchSize;
        var observer = new CalibrationObserver(network.CalibratedValues.Count, options.Method, options.Percentile);
        network.EnsureBatchCapacity(Math.Min(options.BatchSize, samples));
        Pass(network, inputs, samples, options.BatchSize, observer);
        if (observer.NeedsHistogramPass)
        {
            observer.BeginHistogramPass();
            Pass(network, inputs, samples, options.BatchSize, observer);
        }
        return network.CreateInt8Network(observer.Scales(), options.MaxBatchSize > 0 ? options.MaxBatchSize : capacity);
    }

    private static void Pass(IQuantizable network, ReadOnlySpan<float> inputs, int samples, int batchSize, CalibrationObserver observer)
    {
        int size = network.InputSize;
        for (int start = 0; start < samples; start += batchSize)
        {
            int batch = Math.Min(batchSize, samples - start);
            network.Calibrate(inputs.Slice(start * size, batch * size), batch, observer);
        }
    }

    private static IQuantizable Quantizable(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network as IQuantizable ?? throw new ArgumentException(
            $"{network.GetType().Name} has no int8 code: declare it with [Network(..., Int8 = true)] so that the generator also emits its int8 network.",
            nameof(network));
    }
}
