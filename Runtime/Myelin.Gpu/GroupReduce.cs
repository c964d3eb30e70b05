using ILGPU;

namespace Myelin.Gpu;

/// <summary>
/// Sums over the threads of one group, for kernels: each thread puts its value in shared memory and the group halves
/// the array until one value is left (a tree, <c>log2(threads)</c> barriers), so a reduction costs no atomic operation
/// and its order, hence its rounding, is the same on every run.
/// </summary>
/// <remarks>
/// Every thread of the group must call these together (they contain barriers), the group must be one-dimensional
/// with a power-of-two size, and <c>scratch</c> must be shared memory of at least that many elements.
/// </remarks>
public static class GroupReduce
{
    /// <summary>The sum of <paramref name="value"/> over the group; every thread gets it.</summary>
    public static float Sum(ArrayView<float> scratch, float value)
    {
        int thread = Group.IdxX;
        scratch[thread] = value;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (thread < half) scratch[thread] += scratch[thread + half];
            Group.Barrier();
        }
        float total = scratch[0];
        // The next reduction may reuse the scratch only once every thread has read the total.
        Group.Barrier();
        return total;
    }

    /// <summary>The sum of <paramref name="value"/> over the group, in double; every thread gets it.</summary>
    public static double Sum(ArrayView<double> scratch, double value)
    {
        int thread = Group.IdxX;
        scratch[thread] = value;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (thread < half) scratch[thread] += scratch[thread + half];
            Group.Barrier();
        }
        double total = scratch[0];
        Group.Barrier();
        return total;
    }
}
