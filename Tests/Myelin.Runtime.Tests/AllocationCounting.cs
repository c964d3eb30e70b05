using Myelin.Kernels;

namespace Myelin.Tests;

/// <summary>
/// The test classes that count the bytes a warm call allocates on its thread. They run alone, after the parallel
/// tests, because other tests change process-wide state that such a count would see: the kernel thread count (and so
/// the parts work splits into, and the scratch a part needs), and who holds the kernel pool (while another test holds
/// it, a kernel runs all its parts on the calling thread, whose scratch may then grow once).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCounting
{
    /// <summary>The collection's name, for <c>[Collection(AllocationCounting.Name)]</c>.</summary>
    public const string Name = "Allocation counting";

    /// <summary>
    /// Warms <paramref name="call"/> up (<paramref name="warmups"/> times as it will run, and once serially, so that
    /// this thread's scratch fits whichever parts it claims), then returns the bytes that <paramref name="repeats"/>
    /// more calls allocate on this thread.
    /// </summary>
    public static long BytesOfWarmCalls(Action call, int repeats = 3, int warmups = 3)
    {
        for (int i = 0; i < warmups; i++) call();
        KernelThreads.RunSerially(call);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < repeats; i++) call();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
