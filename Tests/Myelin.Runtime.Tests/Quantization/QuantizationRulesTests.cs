using Myelin.Kernels;
using Myelin.Quantization;

namespace Myelin.Tests.Quantization;

/// <summary>
/// The rules every generated int8 network shares: per-channel symmetric weight quantisation, the scales calibration
/// derives from observed ranges, and the checks on a state, each against its definition.
/// </summary>
public sealed class QuantizationRulesTests
{
    [Fact]
    public void Each_output_channel_gets_its_largest_weight_over_127_as_its_scale()
    {
        // Channel 0 peaks at -2.54, channel 1 at 0.127, channel 2 is all zeros.
        var weights = new[] { 1f, -2.54f, 0.5f, 0.127f, -0.1f, 0.0635f, 0f, 0f, 0f };
        var q = new sbyte[9];
        var scales = new float[3];

        QuantizedState.QuantizeWeights(weights, 3, q, scales);

        Assert.Equal(new[] { 2.54f / 127f, 0.127f / 127f, 1f }, scales);
        for (int i = 0; i < 9; i++) Assert.Equal(Int8Kernels.Quantize(weights[i] * (1f / scales[i / 3])), q[i]);
        Assert.Equal(-127, q[1]);
        Assert.Equal(127, q[3]);
        // Every weight is within half a step of its int8 value.
        for (int i = 0; i < 9; i++) Assert.True(Math.Abs(weights[i] - q[i] * scales[i / 3]) <= scales[i / 3] / 2 * 1.0001f, $"weight {i}");
    }

    [Fact]
    public void A_non_finite_weight_is_refused_naming_its_index()
    {
        var error = Assert.Throws<ArgumentException>(() => QuantizedState.QuantizeWeights(new[] { 1f, float.NaN }, 1, new sbyte[2], new float[1]));
        Assert.Contains("Weight 1 is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_abs_calibration_gives_the_largest_magnitude_over_127()
    {
        var observer = new CalibrationObserver(2);
        observer.Observe(0, new[] { 0.5f, -3f, 1f });
        observer.Observe(0, new[] { 2f });
        observer.Observe(1, new[] { 0f, 0f });

        Assert.Equal(3f / 127f, observer.Scale(0));
        Assert.Equal(3f, observer.MaxMagnitude(0));
        Assert.True(observer.Scale(1) > 0f); // a value that stayed zero still gets a positive scale
        Assert.False(observer.NeedsHistogramPass);
    }

    [Fact]
    public void Percentile_calibration_clips_rare_outliers_and_needs_a_second_pass()
    {
        // 10,000 magnitudes spread over [0, 1) and one outlier at 100: the 99.9th percentile is near 1, not 100.
        var values = Enumerable.Range(0, 10_000).Select(i => i / 10_000f).Append(100f).ToArray();
        var observer = new CalibrationObserver(1, CalibrationMethod.Percentile, percentile: 99.9);
        observer.Observe(0, values);
        Assert.Throws<InvalidOperationException>(() => observer.Scale(0));
        observer.BeginHistogramPass();
        observer.Observe(0, values);

        float threshold = observer.Scale(0) * 127f;
        Assert.InRange(threshold, 0.99f, 1.1f);
        Assert.Equal(100f, observer.MaxMagnitude(0));
    }

    [Fact]
    public void A_NaN_in_a_calibrated_value_is_refused_naming_the_value()
    {
        var observer = new CalibrationObserver(3);
        var error = Assert.Throws<ArgumentException>(() => observer.Observe(2, new[] { 1f, float.NaN }));
        Assert.Contains("Calibrated value 2 holds a NaN or an infinity", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f, "a scale must be positive and finite")]
    [InlineData(-1f, "a scale must be positive and finite")]
    [InlineData(float.PositiveInfinity, "a scale must be positive and finite")]
    public void A_state_with_a_bad_scale_is_refused_naming_the_tensor_and_element(float scale, string reason)
    {
        var table = new[]
        {
            new QuantizedTensorInfo("dense1.weight", QuantizedTensorKind.Int8Weight, new[] { 2, 2 }, 0),
            new QuantizedTensorInfo("dense1.weight_scale", QuantizedTensorKind.WeightScale, new[] { 2 }, 0),
            new QuantizedTensorInfo("dense1.bias", QuantizedTensorKind.Float, new[] { 2 }, 2),
        };
        var error = Assert.Throws<ArgumentException>(() => QuantizedState.Check("Net", table, new sbyte[4], new[] { 0.1f, scale, 0f, 0f }, 4, 4));
        Assert.Equal($"Net: 'dense1.weight_scale' element 1 is {scale}; {reason}. (Parameter 'floatState')", error.Message);
        QuantizedState.Check("Net", table, new sbyte[4], new[] { 0.1f, 0.2f, -5f, 0f }, 4, 4); // a valid state passes
    }

    [Fact]
    public void A_state_of_the_wrong_length_or_with_a_weight_of_minus_128_is_refused()
    {
        var table = new[] { new QuantizedTensorInfo("conv1.weight", QuantizedTensorKind.Int8Weight, new[] { 1, 1, 2, 2 }, 0) };
        Assert.Contains("holds 3 values; the network has 4",
            Assert.Throws<ArgumentException>(() => QuantizedState.Check("Net", table, new sbyte[3], [], 4, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("'conv1.weight' element 2 is -128",
            Assert.Throws<ArgumentException>(() => QuantizedState.Check("Net", table, new sbyte[] { 0, 1, -128, 3 }, [], 4, 0)).Message, StringComparison.Ordinal);
    }
}
