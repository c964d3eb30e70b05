using System;

namespace Myelin;

/// <summary>
/// A small, fast, seedable random stream (SplitMix64) whose output depends only on its seed and stream number, on
/// every platform and .NET version. Myelin uses it for initialisation, shuffling and dropout masks so that the same
/// seed always gives bit-identical runs.
/// </summary>
public struct SeededRandom
{
    private ulong _state;

    /// <summary>Creates stream <paramref name="stream"/> of seed <paramref name="seed"/>. Different streams are independent.</summary>
    public SeededRandom(long seed, long stream = 0)
    {
        // Mix seed and stream through two SplitMix64 rounds so that nearby seeds and streams start far apart.
        ulong s = (ulong)seed;
        _state = Mix(Mix(s + 0x9E3779B97F4A7C15UL) ^ ((ulong)stream * 0xD1B54A32D192ED03UL + 0x2545F4914F6CDD1DUL));
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform float in [0, 1), with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>A uniform double in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "The upper bound must be positive.");
        // Lemire's multiply-shift with rejection of the short final interval.
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64() >> 32;
            ulong m = r * bound;
            if ((m & 0xFFFFFFFFUL) >= threshold || threshold == 0) return (int)(m >> 32);
        }
    }

    /// <summary>A standard normal sample (Box–Muller, in double).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1], so the log is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
