using Myelin.Kernels;

namespace Myelin.Tests.Kernels;

/// <summary>Shared helpers of the kernel tests: random operands and the same-bits-for-any-thread-count check.</summary>
internal static class KernelTesting
{
    /// <summary>Uniform values in [-scale, scale).</summary>
    public static float[] RandomArray(int length, ref SeededRandom random, float scale = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (random.NextFloat() * 2 - 1) * scale;
        return values;
    }

    /// <summary>
    /// Runs <paramref name="compute"/> on one thread and on several (more than this machine may have: the split, not
    /// the speed, is what is checked) and asserts that every result has the same bits.
    /// </summary>
    public static void AssertSameBitsForAnyThreadCount(Func<float[][]> compute)
    {
        float[][] serial = null!;
        KernelThreads.RunSerially(() => serial = compute());
        int saved = KernelThreads.Count;
        try
        {
            foreach (int threads in new[] { 2, 3, 7 })
            {
                KernelThreads.Count = threads;
                var parallel = compute();
                for (int r = 0; r < serial.Length; r++)
                    Assert.Equal(serial[r].Select(BitConverter.SingleToInt32Bits), parallel[r].Select(BitConverter.SingleToInt32Bits));
            }
        }
        finally
        {
            KernelThreads.Count = saved;
        }
    }
}
