namespace Myelin.Integration.Tests;

/// <summary>
/// The test classes that count the bytes a warm training step allocates on its thread. They run alone, after the
/// parallel tests: while another test holds the kernel pool, a kernel runs all its parts on the calling thread, whose
/// scratch may then grow once, and such a count would see it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCounting
{
    /// <summary>The collection's name, for <c>[Collection(AllocationCounting.Name)]</c>.</summary>
    public const string Name = "Allocation counting";
}
