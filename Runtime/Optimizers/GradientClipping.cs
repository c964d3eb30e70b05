using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Myelin.Optimizers;

/// <summary>
/// Gradient clipping by global norm, as PyTorch's <c>torch.nn.utils.clip_grad_norm_</c>, and a divergence check. Both
/// look only at the gradients of <see cref="TensorKind.Parameter"/> tensors of trainable layers (a frozen layer's
/// gradient region is stale and ignored), and allocate nothing.
/// </summary>
public static class GradientClipping
{
    // PyTorch's clip_grad_norm_ divides by (total_norm + 1e-6) so that a zero norm cannot divide by zero.
    private const double NormEpsilon = 1e-6;

    /// <summary>
    /// The L2 norm of all trainable gradients taken together, <c>sqrt(sum g^2)</c>, accumulated in double. It is
    /// infinite or NaN when a gradient is.
    /// </summary>
    public static double GlobalNorm(ITrainableNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ReadOnlySpan<float> gradients = network.Gradients;
        IReadOnlyList<TensorInfo> tensors = network.Tensors;
        double sumOfSquares = 0;
        for (int t = 0; t < tensors.Count; t++)
        {
            TensorInfo tensor = tensors[t];
            if (tensor.Kind != TensorKind.Parameter || !network.IsTrainable(tensor.LayerIndex)) continue;
            sumOfSquares += SumOfSquares(Slice(gradients, tensor, network));
        }
        return Math.Sqrt(sumOfSquares);
    }

    /// <summary>
    /// Scales all trainable gradients together so that their global L2 norm is at most <paramref name="maxNorm"/>:
    /// with <c>scale = maxNorm / (norm + 1e-6)</c>, every gradient is multiplied by <c>scale</c> when it is below 1,
    /// and left alone otherwise, as <c>clip_grad_norm_</c> does.
    /// </summary>
    /// <remarks>
    /// When the norm is infinite or NaN the gradients are left unchanged (PyTorch would multiply them by 0 or NaN):
    /// check the returned norm, or <see cref="AreGradientsFinite"/>, to stop on divergence.
    /// </remarks>
    /// <returns>The global norm before clipping, as <c>clip_grad_norm_</c> returns it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive (infinity is allowed and never clips).</exception>
    public static double ClipByGlobalNorm(ITrainableNetwork network, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!(maxNorm > 0))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"maxNorm must be > 0, but was {Hyperparameter.Format(maxNorm)}.");

        double norm = GlobalNorm(network);
        if (!double.IsFinite(norm)) return norm;
        double scale = maxNorm / (norm + NormEpsilon);
        if (scale >= 1) return norm;

        float factor = (float)scale;
        Span<float> gradients = network.Gradients;
        IReadOnlyList<TensorInfo> tensors = network.Tensors;
        for (int t = 0; t < tensors.Count; t++)
        {
            TensorInfo tensor = tensors[t];
            if (tensor.Kind != TensorKind.Parameter || !network.IsTrainable(tensor.LayerIndex)) continue;
            Scale(gradients.Slice(tensor.Offset, tensor.Length), factor);
        }
        return norm;
    }

    /// <summary>Whether every trainable gradient is finite (no NaN, no infinity). The fit loop stops on divergence when it is not.</summary>
    public static bool AreGradientsFinite(ITrainableNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ReadOnlySpan<float> gradients = network.Gradients;
        IReadOnlyList<TensorInfo> tensors = network.Tensors;
        for (int t = 0; t < tensors.Count; t++)
        {
            TensorInfo tensor = tensors[t];
            if (tensor.Kind != TensorKind.Parameter || !network.IsTrainable(tensor.LayerIndex)) continue;
            if (!AllFinite(Slice(gradients, tensor, network))) return false;
        }
        return true;
    }

    private static ReadOnlySpan<float> Slice(ReadOnlySpan<float> gradients, TensorInfo tensor, ITrainableNetwork network)
    {
        if (tensor.Offset < 0 || tensor.Offset > gradients.Length - tensor.Length)
            throw new InvalidOperationException(
                $"{network.GetType().Name}: parameter tensor '{tensor.Name}' {tensor.ShapeText} at offset {tensor.Offset} does not fit in Gradients of {gradients.Length} floats.");
        return gradients.Slice(tensor.Offset, tensor.Length);
    }

    /// <summary><c>sum x^2</c>, each float widened to double before squaring so that no partial sum overflows or loses bits.</summary>
    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<double> accumulator = Vector<double>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref x, (nuint)i), out Vector<double> low, out Vector<double> high);
                accumulator += low * low + high * high;
            }
            sum = Vector.Sum(accumulator);
        }
        for (; i < values.Length; i++)
        {
            double value = Unsafe.Add(ref x, i);
            sum += value * value;
        }
        return sum;
    }

    private static void Scale(Span<float> values, float factor)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
                (Vector.LoadUnsafe(ref x, (nuint)i) * factor).StoreUnsafe(ref x, (nuint)i);
        }
        for (; i < values.Length; i++) Unsafe.Add(ref x, i) *= factor;
    }

    /// <summary>A float is finite exactly when <c>x - x</c> is 0: infinities and NaN give NaN.</summary>
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> v = Vector.LoadUnsafe(ref x, (nuint)i);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) return false;
            }
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(Unsafe.Add(ref x, i))) return false;
        }
        return true;
    }
}
