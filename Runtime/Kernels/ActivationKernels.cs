using System;

namespace Myelin.Kernels;

/// <summary>Row-wise softmax and its backward pass, for softmax layers that no loss absorbs, and argmax.</summary>
public static class ActivationKernels
{
    /// <summary>The index of the largest value; the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    /// <summary><c>y[r, i] = exp(x[r, i] - max_r) / Σ_j exp(x[r, j] - max_r)</c> for each of <paramref name="rows"/> rows.</summary>
    public static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> y, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * columns, columns);
            var yr = y.Slice(r * columns, columns);
            float max = xr[0];
            for (int i = 1; i < columns; i++) max = MathF.Max(max, xr[i]);
            float sum = 0;
            for (int i = 0; i < columns; i++)
            {
                float e = MathF.Exp(xr[i] - max);
                yr[i] = e;
                sum += e;
            }
            float inverse = 1f / sum;
            for (int i = 0; i < columns; i++) yr[i] *= inverse;
        }
    }

    /// <summary>The softmax Jacobian-vector product: <c>dx[r, i] = y[r, i] · (dy[r, i] - Σ_j dy[r, j] · y[r, j])</c>.</summary>
    public static void SoftmaxRowsBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * columns, columns);
            var dyr = dy.Slice(r * columns, columns);
            var dxr = dx.Slice(r * columns, columns);
            float dot = 0;
            for (int i = 0; i < columns; i++) dot += dyr[i] * yr[i];
            for (int i = 0; i < columns; i++) dxr[i] = yr[i] * (dyr[i] - dot);
        }
    }
}
