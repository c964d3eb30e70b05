using System;

namespace Myelin.Quantization;

/// <summary>How calibration turns the observed activations into a scale.</summary>
public enum CalibrationMethod
{
    /// <summary>
    /// The largest magnitude seen: <c>scale = max |x| / 127</c>, as PyTorch's <c>MinMaxObserver</c> with symmetric
    /// quantisation. Nothing seen in calibration is clipped.
    /// </summary>
    MaxAbs = 0,

    /// <summary>
    /// A percentile of the magnitudes (<see cref="QuantizeOptions.Percentile"/>, from a 2,048-bin histogram): the rare
    /// outliers above it are clipped, and every other value gets a finer step.
    /// </summary>
    Percentile = 1,
}

/// <summary>
/// Collects the range of each calibrated value while the float network runs the calibration data
/// (<see cref="IQuantizable.Calibrate"/> calls <see cref="Observe"/>), then gives each value its int8 scale.
/// </summary>
/// <remarks>
/// <see cref="CalibrationMethod.MaxAbs"/> needs one pass over the data; <see cref="CalibrationMethod.Percentile"/> needs a
/// second one (<see cref="BeginHistogramPass"/>) that fills a histogram of <c>|x|</c> over <c>[0, max]</c>.
/// </remarks>
public sealed class CalibrationObserver
{
    /// <summary>Bins of each value's histogram of magnitudes.</summary>
    public const int Bins = 2048;

    /// <summary>The scale of a value that was zero throughout calibration: any positive scale represents it exactly.</summary>
    private const float EmptyRange = 1e-6f;

    private readonly float[] _max;
    private readonly long[][]? _histograms;
    private readonly double _percentile;
    private bool _histogramPass;

    /// <summary>An observer of <paramref name="values"/> values.</summary>
    /// <param name="values">How many values are calibrated (<see cref="IQuantizable.CalibratedValues"/>).</param>
    /// <param name="method">How the ranges become scales.</param>
    /// <param name="percentile">For <see cref="CalibrationMethod.Percentile"/>: the share of magnitudes kept unclipped, in (0, 100].</param>
    public CalibrationObserver(int values, CalibrationMethod method = CalibrationMethod.MaxAbs, double percentile = 99.99)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(values);
        if (method == CalibrationMethod.Percentile && !(percentile > 0 && percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be in (0, 100].");
        Method = method;
        _percentile = percentile;
        _max = new float[values];
        if (method == CalibrationMethod.Percentile)
        {
            _histograms = new long[values][];
            for (int i = 0; i < values; i++) _histograms[i] = new long[Bins];
        }
    }

    /// <summary>The method this observer calibrates with.</summary>
    public CalibrationMethod Method { get; }

    /// <summary>How many values it observes.</summary>
    public int Count => _max.Length;

    /// <summary>Whether the scales need a second pass over the data after <see cref="BeginHistogramPass"/>.</summary>
    public bool NeedsHistogramPass => Method == CalibrationMethod.Percentile;

    /// <summary>Starts the second pass of <see cref="CalibrationMethod.Percentile"/>: the ranges are now fixed, and <see cref="Observe"/> fills the histograms.</summary>
    public void BeginHistogramPass()
    {
        if (!NeedsHistogramPass) throw new InvalidOperationException($"{Method} calibration takes one pass; there is no histogram pass.");
        _histogramPass = true;
    }

    /// <summary>Records one batch of value <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite: the float network cannot be calibrated.</exception>
    public void Observe(int value, ReadOnlySpan<float> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, Count);
        if (values.IsEmpty) return;
        if (!_histogramPass)
        {
            float max = _max[value];
            foreach (float x in values)
            {
                if (!float.IsFinite(x))
                    throw new ArgumentException($"Calibrated value {value} holds a NaN or an infinity; the float network's outputs must be finite to quantise it.", nameof(values));
                max = MathF.Max(max, MathF.Abs(x));
            }
            _max[value] = max;
            return;
        }
        var histogram = _histograms![value];
        float range = _max[value];
        if (range == 0f) return;
        float binsPerUnit = Bins / range;
        foreach (float x in values)
        {
            int bin = (int)(MathF.Abs(x) * binsPerUnit);
            histogram[Math.Min(bin, Bins - 1)]++;
        }
    }

    /// <summary>The largest magnitude seen of value <paramref name="value"/>.</summary>
    public float MaxMagnitude(int value) => _max[value];

    /// <summary>The int8 scale of value <paramref name="value"/>: its clipping threshold over 127.</summary>
    public float Scale(int value)
    {
        float threshold = _max[value];
        if (Method == CalibrationMethod.Percentile && threshold > 0f)
        {
            if (!_histogramPass) throw new InvalidOperationException("Percentile calibration needs its histogram pass before the scales are read.");
            var histogram = _histograms![value];
            long total = 0;
            foreach (long count in histogram) total += count;
            double keep = total * _percentile / 100.0;
            long seen = 0;
            for (int bin = 0; bin < Bins; bin++)
            {
                seen += histogram[bin];
                if (seen < keep) continue;
                threshold = Math.Min(threshold, (bin + 1) * threshold / Bins);
                break;
            }
        }
        return MathF.Max(threshold, EmptyRange) / 127f;
    }

    /// <summary>Every value's scale, in order.</summary>
    public float[] Scales()
    {
        var scales = new float[Count];
        for (int i = 0; i < Count; i++) scales[i] = Scale(i);
        return scales;
    }
}
