using System;

namespace Myelin;

/// <summary>Whether a tensor being initialised is a weight or a bias: <see cref="Init.Default"/> treats them differently per layer kind.</summary>
public enum TensorRole
{
    /// <summary>A weight (dense, convolution) or a batch-norm scale.</summary>
    Weight = 0,

    /// <summary>A bias or a batch-norm shift.</summary>
    Bias = 1,
}

/// <summary>
/// Parameter initialisation schemes, as in PyTorch's <c>torch.nn.init</c>. Generated <c>InitializeParameters</c>
/// calls <see cref="Apply"/> once per tensor, each with its own random stream, so adding a layer does not change the
/// initial weights of the others.
/// </summary>
public static class ParameterInit
{
    /// <summary>Initialises <paramref name="tensor"/> with <paramref name="scheme"/>.</summary>
    /// <param name="scheme">The scheme; <see cref="Init.Default"/> is PyTorch's default for <paramref name="layerKind"/>.</param>
    /// <param name="layerKind">The owning layer's kind, which decides the default scheme.</param>
    /// <param name="role">Weight or bias.</param>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="fanIn">PyTorch's fan-in of the layer's weight: <c>in</c> for dense, <c>in*kh*kw</c> for convolution, the hidden size for a recurrent layer.</param>
    /// <param name="fanOut">PyTorch's fan-out of the layer's weight: <c>out</c> for dense, <c>out*kh*kw</c> for convolution, <c>gates*hidden</c> for a recurrent layer.</param>
    /// <param name="random">The tensor's own random stream.</param>
    public static void Apply(Init scheme, LayerKind layerKind, TensorRole role, Span<float> tensor, int fanIn, int fanOut, ref SeededRandom random)
    {
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "The fan-in must be positive.");
        if (fanOut <= 0) throw new ArgumentOutOfRangeException(nameof(fanOut), fanOut, "The fan-out must be positive.");
        switch (scheme)
        {
            case Init.Default when layerKind == LayerKind.BatchNorm:
                tensor.Fill(role == TensorRole.Weight ? 1f : 0f);
                break;
            case Init.Default:
                // kaiming_uniform_(a = sqrt(5)) for weights gives bound sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(fan_in);
                // Linear and Conv2d use the same bound for their bias. PyTorch's RNN, LSTM and GRU draw every tensor
                // from U(-1/sqrt(hidden), 1/sqrt(hidden)): for them the generator passes the hidden size as the fan-in.
                Uniform(tensor, 1.0 / Math.Sqrt(fanIn), ref random);
                break;
            case Init.KaimingUniform:
                Uniform(tensor, Math.Sqrt(6.0 / fanIn), ref random);
                break;
            case Init.KaimingNormal:
                Normal(tensor, Math.Sqrt(2.0 / fanIn), ref random);
                break;
            case Init.XavierUniform:
                Uniform(tensor, Math.Sqrt(6.0 / (fanIn + fanOut)), ref random);
                break;
            case Init.XavierNormal:
                Normal(tensor, Math.Sqrt(2.0 / (fanIn + fanOut)), ref random);
                break;
            case Init.Zeros:
                tensor.Clear();
                break;
            case Init.Ones:
                tensor.Fill(1f);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");
        }
    }

    /// <summary>Fills <paramref name="tensor"/> from <c>U(-bound, bound)</c>.</summary>
    public static void Uniform(Span<float> tensor, double bound, ref SeededRandom random)
    {
        for (int i = 0; i < tensor.Length; i++)
            tensor[i] = (float)((2.0 * random.NextDouble() - 1.0) * bound);
    }

    /// <summary>Fills <paramref name="tensor"/> from <c>N(0, std²)</c>.</summary>
    public static void Normal(Span<float> tensor, double std, ref SeededRandom random)
    {
        for (int i = 0; i < tensor.Length; i++)
            tensor[i] = (float)(random.NextGaussian() * std);
    }
}

/// <summary>The kinds of layer that own parameters, for choosing default initialisation.</summary>
public enum LayerKind
{
    /// <summary>A dense (linear) layer.</summary>
    Dense = 0,

    /// <summary>A 2-D convolution.</summary>
    Conv2D = 1,

    /// <summary>Batch normalisation (1-D or 2-D).</summary>
    BatchNorm = 2,

    /// <summary>
    /// A recurrent layer (SimpleRNN, LSTM, GRU). <see cref="Init.Default"/> draws every tensor, weights and biases, from
    /// <c>U(-1/sqrt(hidden), 1/sqrt(hidden))</c>, as PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c> and <c>nn.GRU</c>; the fan-in
    /// passed is the hidden size.
    /// </summary>
    Recurrent = 3,
}
