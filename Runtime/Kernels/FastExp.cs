using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// <c>exp(x)</c> for float vectors without going through double: <c>exp(x) = 2ⁿ · e^r</c> with
/// <c>n = round(x · log₂e)</c> and <c>r = x - n · ln 2</c> (ln 2 split in two, Cody and Waite, so that r is exact to a
/// few ulps), <c>e^r</c> by Cephes' degree-7 polynomial on <c>|r| ≤ ln 2 / 2</c>, and <c>2ⁿ</c> applied as two powers of two
/// so that results near the overflow and in the denormal range come out right. Relative error about 2 float ulps
/// (checked against double in <c>FastExpTests</c>); <c>exp(x)</c> is +∞ above about 88.72, 0 below about -103.97, and NaN
/// stays NaN.
/// </summary>
/// <remarks>
/// .NET's <c>Vector512.Exp(Vector512&lt;float&gt;)</c> widens to double for every lane; this is about three times
/// faster, which is what the LSTM and GRU cells (five exponentials per hidden unit and step) spend their time on.
/// </remarks>
internal static class FastExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float Lowest = -104f;
    private const float Highest = 89f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(Lowest)), Vector512.Create(Highest));
        var n = Vector512.Round(clamped * Vector512.Create(Log2E));
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Low), Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2High), clamped));
        var p = Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(
            Vector512.MultiplyAddEstimate(Vector512.Create(P0), r, Vector512.Create(P1)), r, Vector512.Create(P2)), r, Vector512.Create(P3)), r,
            Vector512.Create(P4)), r, Vector512.Create(P5));
        var y = Vector512.MultiplyAddEstimate(p, r * r, r + Vector512<float>.One);
        var whole = Vector512.ConvertToInt32(n);
        var half = Vector512.ShiftRightArithmetic(whole, 1);
        var bias = Vector512.Create(127);
        var scaled = y * Vector512.ShiftLeft(half + bias, 23).AsSingle() * Vector512.ShiftLeft(whole - half + bias, 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), scaled, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        var n = Vector256.Round(clamped * Vector256.Create(Log2E));
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), clamped));
        var p = Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(
            Vector256.MultiplyAddEstimate(Vector256.Create(P0), r, Vector256.Create(P1)), r, Vector256.Create(P2)), r, Vector256.Create(P3)), r,
            Vector256.Create(P4)), r, Vector256.Create(P5));
        var y = Vector256.MultiplyAddEstimate(p, r * r, r + Vector256<float>.One);
        var whole = Vector256.ConvertToInt32(n);
        var half = Vector256.ShiftRightArithmetic(whole, 1);
        var bias = Vector256.Create(127);
        var scaled = y * Vector256.ShiftLeft(half + bias, 23).AsSingle() * Vector256.ShiftLeft(whole - half + bias, 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), scaled, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        var clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(Lowest)), Vector128.Create(Highest));
        var n = Vector128.Round(clamped * Vector128.Create(Log2E));
        var r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Low), Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2High), clamped));
        var p = Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(
            Vector128.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1)), r, Vector128.Create(P2)), r, Vector128.Create(P3)), r,
            Vector128.Create(P4)), r, Vector128.Create(P5));
        var y = Vector128.MultiplyAddEstimate(p, r * r, r + Vector128<float>.One);
        var whole = Vector128.ConvertToInt32(n);
        var half = Vector128.ShiftRightArithmetic(whole, 1);
        var bias = Vector128.Create(127);
        var scaled = y * Vector128.ShiftLeft(half + bias, 23).AsSingle() * Vector128.ShiftLeft(whole - half + bias, 23).AsSingle();
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), scaled, x);
    }
}
