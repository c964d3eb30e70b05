using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Myelin.Kernels;

/// <summary>
/// Element-wise drivers for the epilogues and backward passes of generated layers: bias plus activation in one pass,
/// activation derivatives, and bias-gradient sums. Each runs 256-bit vectors where the hardware has them and a
/// scalar tail (or a scalar loop elsewhere), with the activation as a struct <see cref="IActivationOperator"/>.
/// </summary>
public static class ElementwiseKernels
{
    private static bool Vectorized => Vector256.IsHardwareAccelerated;

    /// <summary><c>values[i] = f(values[i])</c>.</summary>
    public static void Activate<TActivation>(Span<float> values, TActivation activation) where TActivation : struct, IActivationOperator =>
        Activate(values, values, activation);

    /// <summary><c>y[i] = f(x[i])</c>.</summary>
    public static void Activate<TActivation>(ReadOnlySpan<float> x, Span<float> y, TActivation activation) where TActivation : struct, IActivationOperator
    {
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vectorized)
        {
            for (; i + 8 <= n; i += 8)
                activation.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = activation.Apply(Unsafe.Add(ref xr, i));
    }

    /// <summary>
    /// The dense epilogue: <c>m[r, c] = f(m[r, c] + bias[c])</c> for a <c>[rows, columns]</c> matrix, one bias per column.
    /// </summary>
    public static void AddColumnBiasAndActivate<TActivation>(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        ref float br = ref MemoryMarshal.GetReference(bias);
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref MemoryMarshal.GetReference(matrix.Slice(r * columns, columns));
            int c = 0;
            if (Vectorized)
            {
                for (; c + 8 <= columns; c += 8)
                {
                    var z = Vector256.LoadUnsafe(ref row, (nuint)c) + Vector256.LoadUnsafe(ref br, (nuint)c);
                    activation.Apply(z).StoreUnsafe(ref row, (nuint)c);
                }
            }
            for (; c < columns; c++) Unsafe.Add(ref row, c) = activation.Apply(Unsafe.Add(ref row, c) + Unsafe.Add(ref br, c));
        }
    }

    /// <summary>
    /// The convolution epilogue: <c>m[r, c] = f(m[r, c] + bias[r])</c> for a <c>[rows, columns]</c> matrix, one bias per
    /// row (a channel's plane). An empty <paramref name="bias"/> means no bias.
    /// </summary>
    public static void AddRowBiasAndActivate<TActivation>(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref MemoryMarshal.GetReference(matrix.Slice(r * columns, columns));
            float shift = bias.IsEmpty ? 0f : bias[r];
            var shiftVector = Vector256.Create(shift);
            int c = 0;
            if (Vectorized)
            {
                for (; c + 8 <= columns; c += 8)
                    activation.Apply(Vector256.LoadUnsafe(ref row, (nuint)c) + shiftVector).StoreUnsafe(ref row, (nuint)c);
            }
            for (; c < columns; c++) Unsafe.Add(ref row, c) = activation.Apply(Unsafe.Add(ref row, c) + shift);
        }
    }

    /// <summary><c>dy[i] *= f'(z_i)</c>, from the outputs <c>y</c>, in place: turns dLoss/dy into dLoss/dz.</summary>
    public static void MultiplyByDerivative<TActivation>(ReadOnlySpan<float> y, Span<float> dy, TActivation activation)
        where TActivation : struct, IActivationOperator =>
        MultiplyByDerivative(y, dy, dy, activation);

    /// <summary><c>dx[i] = dy[i] · f'(z_i)</c>, from the outputs <c>y</c>.</summary>
    public static void MultiplyByDerivative<TActivation>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, TActivation activation)
        where TActivation : struct, IActivationOperator
    {
        int n = dy.Length;
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        if (Vectorized)
        {
            for (; i + 8 <= n; i += 8)
            {
                var derivative = activation.DerivativeFromOutput(Vector256.LoadUnsafe(ref yr, (nuint)i));
                (Vector256.LoadUnsafe(ref dyr, (nuint)i) * derivative).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref dxr, i) = Unsafe.Add(ref dyr, i) * activation.DerivativeFromOutput(Unsafe.Add(ref yr, i));
    }

    /// <summary><c>sums[c] += Σ_r m[r, c]</c>: a dense bias gradient over the batch.</summary>
    public static void AddColumnSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        for (int r = 0; r < rows; r++) Gemm.Axpy(sums.Slice(0, columns), 1f, matrix.Slice(r * columns, columns));
    }

    /// <summary><c>sums[r] += Σ_c m[r, c]</c>: a convolution bias gradient over a sample's positions.</summary>
    public static void AddRowSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref MemoryMarshal.GetReference(matrix.Slice(r * columns, columns));
            int c = 0;
            float total = 0f;
            if (Vectorized)
            {
                var acc = Vector256<float>.Zero;
                for (; c + 8 <= columns; c += 8) acc += Vector256.LoadUnsafe(ref row, (nuint)c);
                total = Vector256.Sum(acc);
            }
            for (; c < columns; c++) total += Unsafe.Add(ref row, c);
            sums[r] += total;
        }
    }
}
