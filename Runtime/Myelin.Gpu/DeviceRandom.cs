namespace Myelin.Gpu;

/// <summary>
/// <see cref="SeededRandom"/>'s SplitMix64 stream in counter form, for kernels: a stream's <c>i</c>-th draw (from 0) is
/// <c>Mix(state + (i + 1) * Golden)</c>, where <c>state</c> is the stream's starting state, so every element of a
/// dropout mask can be drawn independently and still equal the CPU's sequential draw.
/// </summary>
public static class DeviceRandom
{
    /// <summary>SplitMix64's increment, the golden ratio in 64 bits.</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The state <c>new SeededRandom(seed, stream)</c> starts from (the same two mixing rounds).</summary>
    public static ulong InitialState(long seed, long stream) =>
        Mix(Mix((ulong)seed + Golden) ^ ((ulong)stream * 0xD1B54A32D192ED03UL + 0x2545F4914F6CDD1DUL));

    /// <summary>
    /// The starting state of a dropout layer's mask at a training step, as the CPU network draws it:
    /// <c>new SeededRandom(seed, stream: layerStream + step * Golden)</c>.
    /// </summary>
    public static ulong DropoutState(int seed, long layerStream, long step) =>
        InitialState(seed, unchecked(layerStream + step * (long)Golden));

    /// <summary>Draw <paramref name="index"/> (from 0) of the stream that starts at <paramref name="state"/>, as a float in [0, 1) with 24 bits: <c>SeededRandom.NextFloat</c>.</summary>
    public static float Uniform(ulong state, long index) => (Mix(state + (ulong)(index + 1) * Golden) >> 40) * (1f / (1 << 24));

    /// <summary>SplitMix64's output function.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
