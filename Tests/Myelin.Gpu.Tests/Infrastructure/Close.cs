namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>
/// Element-wise comparison of a device result with the CPU network's: <c>|gpu - cpu| &lt;= absolute + relative |cpu|</c>.
/// The CPU network is the reference (the generator tests check it against a double-precision interpreter and finite
/// differences); the two backends sum in different orders, so they agree to rounding, not bit for bit.
/// </summary>
internal static class Close
{
    public const double Relative = 1e-4;
    public const double Absolute = 1e-5;

    public static void Equal(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double relative = Relative, double absolute = Absolute)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double allowed = absolute + relative * Math.Abs(e);
            double excess = double.IsNaN(a) != double.IsNaN(e) ? double.PositiveInfinity : Math.Abs(a - e) - allowed;
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }
        Assert.True(worst < 0, worst < 0 ? "" : $"{what}: element {worst} of {expected.Length} is {actual[worst]:R} on the device but {expected[worst]:R} on the CPU (tolerance {absolute} + {relative} relative)");
    }

    public static void Equal(float expected, float actual, string what, double relative = Relative, double absolute = Absolute) =>
        Equal(new[] { expected }, new[] { actual }, what, relative, absolute);
}
