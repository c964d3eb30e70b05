using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using Myelin.Kernels;

namespace Myelin.Optimizers;

/// <summary>
/// One optimizer's element-wise update of a parameter from its gradient and up to three state streams (moments,
/// momentum buffers), in a scalar form and a SIMD form.
/// </summary>
/// <remarks>
/// Both forms must do the same float operations in the same order, so that an element gets a bit-identical result
/// whether it falls in the vector body or in the scalar tail. No fused multiply-add: it would differ between the forms
/// on hardware without FMA and would be emulated slowly there.
/// </remarks>
internal interface IParameterUpdate
{
    /// <summary>Updates one element. A state stream the optimizer does not keep is a dummy that must be ignored.</summary>
    void Apply(ref float parameter, float gradient, ref float state0, ref float state1, ref float state2);

    /// <summary>Updates <see cref="Vector{T}.Count"/> elements, exactly as the scalar form does each of them.</summary>
    void Apply(ref Vector<float> parameter, Vector<float> gradient, ref Vector<float> state0, ref Vector<float> state1, ref Vector<float> state2);
}

/// <summary>
/// The SIMD plumbing shared by every optimizer: a <see cref="Vector{T}"/> body and a scalar tail over one tensor, split
/// into fixed chunks across <see cref="KernelThreads"/> for large tensors. The two forms give the same bits, so the
/// result does not depend on where the chunks fall or on the number of threads.
/// </summary>
internal static unsafe class ParameterUpdate
{
    /// <summary>Elements per chunk: a multiple of every vector width.</summary>
    private const int Chunk = 2048;

    /// <summary>Work units per element (a division and a square root), against a float copied.</summary>
    private const int CostPerElement = 8;

    /// <summary>
    /// Applies <paramref name="update"/> to every element of one tensor. Each state span is either as long as
    /// <paramref name="parameters"/> or empty when the optimizer does not keep that stream.
    /// </summary>
    public static void Run<TUpdate>(in TUpdate update, Span<float> parameters, ReadOnlySpan<float> gradients,
        Span<float> state0, Span<float> state1, Span<float> state2)
        where TUpdate : struct, IParameterUpdate
    {
        int length = parameters.Length;
        Debug.Assert(gradients.Length == length);
        Debug.Assert(state0.IsEmpty || state0.Length == length);
        Debug.Assert(state1.IsEmpty || state1.Length == length);
        Debug.Assert(state2.IsEmpty || state2.Length == length);
        fixed (float* p = parameters, g = gradients, s0 = state0, s1 = state1, s2 = state2)
        {
            var work = new UpdateWork<TUpdate>(update, p, g, state0.IsEmpty ? null : s0, state1.IsEmpty ? null : s1, state2.IsEmpty ? null : s2, length);
            ParallelRange.Run(work, (length + Chunk - 1) / Chunk, (long)Chunk * CostPerElement);
        }
    }

    private readonly struct UpdateWork<TUpdate>(TUpdate update, float* parameters, float* gradients, float* state0, float* state1, float* state2, int length)
        : IRangeWork where TUpdate : struct, IParameterUpdate
    {
        public void Run(int start, int end)
        {
            int from = start * Chunk, to = Math.Min(length, end * Chunk);
            Apply(update, parameters + from, gradients + from, state0 is null ? null : state0 + from, state1 is null ? null : state1 + from,
                state2 is null ? null : state2 + from, to - from);
        }
    }

    /// <summary>The update of <paramref name="length"/> elements; a null state pointer is a stream the optimizer does not keep.</summary>
    /// <remarks>Compiled fully optimised at once, not tiered: see <see cref="SimdLoops"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Apply<TUpdate>(in TUpdate update, float* parameters, float* gradients, float* state0, float* state1, float* state2, int length)
        where TUpdate : struct, IParameterUpdate
    {
        ref float p = ref Unsafe.AsRef<float>(parameters);
        ref float g = ref Unsafe.AsRef<float>(gradients);
        // A missing stream's reference is never dereferenced: the has* flags route those streams to a local dummy.
        ref float s0 = ref Unsafe.AsRef<float>(state0);
        ref float s1 = ref Unsafe.AsRef<float>(state1);
        ref float s2 = ref Unsafe.AsRef<float>(state2);
        bool has0 = state0 != null, has1 = state1 != null, has2 = state2 != null;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= length - width; i += width)
            {
                nuint at = (nuint)i;
                Vector<float> parameter = Vector.LoadUnsafe(ref p, at);
                Vector<float> v0 = has0 ? Vector.LoadUnsafe(ref s0, at) : default;
                Vector<float> v1 = has1 ? Vector.LoadUnsafe(ref s1, at) : default;
                Vector<float> v2 = has2 ? Vector.LoadUnsafe(ref s2, at) : default;
                update.Apply(ref parameter, Vector.LoadUnsafe(ref g, at), ref v0, ref v1, ref v2);
                parameter.StoreUnsafe(ref p, at);
                if (has0) v0.StoreUnsafe(ref s0, at);
                if (has1) v1.StoreUnsafe(ref s1, at);
                if (has2) v2.StoreUnsafe(ref s2, at);
            }
        }

        float unused0 = 0, unused1 = 0, unused2 = 0;
        for (; i < length; i++)
        {
            update.Apply(
                ref Unsafe.Add(ref p, i),
                Unsafe.Add(ref g, i),
                ref has0 ? ref Unsafe.Add(ref s0, i) : ref unused0,
                ref has1 ? ref Unsafe.Add(ref s1, i) : ref unused1,
                ref has2 ? ref Unsafe.Add(ref s2, i) : ref unused2);
        }
    }
}
