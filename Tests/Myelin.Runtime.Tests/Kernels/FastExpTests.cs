using System.Runtime.Intrinsics;
using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary><see cref="FastExp"/> at every vector width against <see cref="Math.Exp(double)"/>.</summary>
public sealed class FastExpTests
{
    /// <summary>3 float ulps, relative.</summary>
    private const double Tolerance = 3 * 1.1920929e-7;

    public static IEnumerable<object[]> Arguments()
    {
        // A dense sweep of the whole finite range, the points where n changes (multiples of ln 2 / 2), and the ends.
        var xs = new List<float>();
        for (double x = -103.9; x <= 88.7; x += 0.0137) xs.Add((float)x);
        for (int k = -140; k <= 126; k++) xs.Add((float)(k * Math.Log(2) / 2));
        xs.AddRange([0f, -0f, 1e-8f, -1e-8f, 88.72f, -87.33f, -100f]);
        yield return [xs.ToArray()];
    }

    [Theory]
    [MemberData(nameof(Arguments))]
    public void Every_width_is_within_three_ulps_of_the_double_precision_exponential(float[] xs)
    {
        var failures = new List<string>();
        foreach (float x in xs)
        {
            double expected = Math.Exp(x);
            // Below the smallest normal float the result is denormal: its spacing, not its relative error, bounds it.
            double allowed = Math.Max(Tolerance * expected, 1.5e-45);
            Check("Vector128", FastExp.Exp(Vector128.Create(x)).GetElement(0), x, expected, allowed, failures);
            Check("Vector256", FastExp.Exp(Vector256.Create(x)).GetElement(3), x, expected, allowed, failures);
            Check("Vector512", FastExp.Exp(Vector512.Create(x)).GetElement(15), x, expected, allowed, failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Overflow_is_infinity_underflow_is_zero_and_nan_stays_nan()
    {
        foreach (float x in new[] { 88.73f, 89f, 1000f, float.PositiveInfinity })
            Assert.True(float.IsPositiveInfinity(FastExp.Exp(Vector512.Create(x)).GetElement(0)), $"exp({x})");
        foreach (float x in new[] { -104f, -200f, float.NegativeInfinity })
            Assert.Equal(0f, FastExp.Exp(Vector256.Create(x)).GetElement(0));
        Assert.True(float.IsNaN(FastExp.Exp(Vector128.Create(float.NaN)).GetElement(0)));
        Assert.True(float.IsNaN(FastExp.Exp(Vector512.Create(float.NaN)).GetElement(7)));
    }

    private static void Check(string width, float actual, float x, double expected, double allowed, List<string> failures)
    {
        if (!(Math.Abs(actual - expected) <= allowed)) failures.Add($"{width}: exp({x:R}) = {actual:R}, expected {expected:R}");
    }
}
