using System.Globalization;

namespace Myelin.Distributed.Tests;

/// <summary>Assertions on parameter vectors that name the tensor and element where they differ most.</summary>
internal static class Compare
{
    /// <summary>Asserts that <paramref name="actual"/> has exactly the bits of <paramref name="expected"/>.</summary>
    public static void BitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, INetwork layout, string what, TensorKind kind = TensorKind.Parameter)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} floats, expected {expected.Length}");
        int differing = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i])) continue;
            if (first < 0) first = i;
            differing++;
        }
        if (differing == 0) return;
        Assert.Fail(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {differing} of {expected.Length} floats differ; the first is {Locate(layout, first, kind)}: {actual[first]:R}, expected {expected[first]:R}"));
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> matches <paramref name="reference"/> to within <paramref name="tolerance"/>
    /// of how far the reference moved from <paramref name="initial"/>: <c>||actual - reference|| &lt;= tolerance * ||reference - initial||</c>
    /// (L2 norms over all parameters), so that the bound does not depend on the learning rate or the number of steps.
    /// </summary>
    /// <returns>The relative difference, for the test's output.</returns>
    public static double Close(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual, ReadOnlySpan<float> initial, INetwork layout, double tolerance, string what)
    {
        Assert.Equal(reference.Length, actual.Length);
        double difference = 0, movement = 0, largest = 0;
        int worst = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = (double)actual[i] - reference[i];
            double m = (double)reference[i] - initial[i];
            difference += d * d;
            movement += m * m;
            if (Math.Abs(d) > largest) (largest, worst) = (Math.Abs(d), i);
        }
        double relative = Math.Sqrt(difference) / Math.Sqrt(movement);
        Assert.True(movement > 0, $"{what}: the reference did not move from its initial parameters, so the comparison would prove nothing");
        Assert.True(relative <= tolerance, string.Create(CultureInfo.InvariantCulture,
            $"{what}: ||actual - reference|| is {relative:E3} of ||reference - initial||, above the tolerance {tolerance:E1}; the largest difference is {largest:E3} at {Locate(layout, worst, TensorKind.Parameter)} ({actual[worst]:R} against {reference[worst]:R})"));
        return relative;
    }

    /// <summary>"dense1.weight[17]" for a flat index into the parameters or the buffers.</summary>
    private static string Locate(INetwork layout, int index, TensorKind kind)
    {
        foreach (var tensor in layout.Tensors)
        {
            if (tensor.Kind == kind && index >= tensor.Offset && index < tensor.Offset + tensor.Length)
                return string.Create(CultureInfo.InvariantCulture, $"{tensor.Name}[{index - tensor.Offset}]");
        }
        return string.Create(CultureInfo.InvariantCulture, $"element {index}");
    }
}
