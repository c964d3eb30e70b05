using System;

namespace Myelin;

/// <summary>
/// Base class of the recurrent layers (<see cref="SimpleRNNAttribute"/>, <see cref="LSTMAttribute"/>,
/// <see cref="GRUAttribute"/>). A recurrent layer reads a sequence, <c>[steps, features]</c> per sample, laid out
/// <c>[batch, steps, features]</c> as PyTorch's <c>batch_first=True</c>: declare the network's input as
/// <c>[Input(steps, features)]</c> (a two-size input is a sequence). Its tensors have PyTorch's names and layouts
/// (<c>lstm1.weight_ih_l0</c> <c>[gates * units, features]</c>, <c>weight_hh_l0</c> <c>[gates * units, units]</c>,
/// <c>bias_ih_l0</c> and <c>bias_hh_l0</c>, with <c>_reverse</c> for the backward direction), so a checkpoint moves
/// between Myelin and a PyTorch module of the same name unchanged. Every tensor starts uniform in
/// <c>±1/sqrt(units)</c>, as in PyTorch. The initial hidden (and cell) state is zero.
/// </summary>
public abstract class RecurrentLayerAttribute : LayerAttribute
{
    /// <summary>Declares a recurrent layer.</summary>
    /// <param name="units">The size of the hidden state, PyTorch's <c>hidden_size</c>.</param>
    protected RecurrentLayerAttribute(int units) => Units = units;

    /// <summary>The size of the hidden state, PyTorch's <c>hidden_size</c>.</summary>
    public int Units { get; }

    /// <summary>
    /// Whether the layer outputs the hidden state of every step, <c>[steps, units]</c> (PyTorch's <c>output</c>), for
    /// stacking recurrent layers or a <see cref="DenseAttribute"/> applied to every step. False (the default) outputs
    /// only the final hidden state, <c>[units]</c> (PyTorch's <c>h_n</c>, Keras's default).
    /// </summary>
    public bool ReturnSequences { get; set; }

    /// <summary>
    /// Whether a second set of weights reads the sequence backwards, PyTorch's <c>bidirectional=True</c>. The outputs of
    /// both directions are concatenated, forward first: <c>[steps, 2 * units]</c> with <see cref="ReturnSequences"/>
    /// (each step's forward and backward states), else <c>[2 * units]</c>: each direction's final state, the forward one
    /// after the last step and the backward one after the first (PyTorch's <c>h_n</c> of both directions).
    /// </summary>
    public bool Bidirectional { get; set; }
}

/// <summary>
/// An Elman recurrent layer, PyTorch's <c>nn.RNN</c>: <c>h_t = f(x_t · W_ihᵀ + b_ih + h_{t-1} · W_hhᵀ + b_hh)</c> with
/// <c>f</c> tanh (the default) or ReLU, weight_ih <c>[units, features]</c> and weight_hh <c>[units, units]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRNNAttribute : RecurrentLayerAttribute
{
    /// <summary>Declares an Elman recurrent layer.</summary>
    /// <param name="units">The size of the hidden state.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> (the default) or <see cref="Activation.ReLU"/>, PyTorch's <c>nonlinearity</c>.</param>
    public SimpleRNNAttribute(int units, Activation activation = Activation.Tanh) : base(units) => Activation = activation;

    /// <summary>The nonlinearity: <see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</summary>
    public Activation Activation { get; }
}

/// <summary>
/// A long short-term memory layer, PyTorch's <c>nn.LSTM</c>. With gates in PyTorch's order i, f, g, o stacked in
/// weight_ih <c>[4 * units, features]</c> and weight_hh <c>[4 * units, units]</c>:
/// <c>i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)</c> with <c>z = x_t · W_ihᵀ + b_ih + h_{t-1} · W_hhᵀ + b_hh</c>,
/// then <c>c_t = f * c_{t-1} + i * g</c> and <c>h_t = o * tanh(c_t)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LSTMAttribute : RecurrentLayerAttribute
{
    /// <summary>Declares an LSTM layer.</summary>
    /// <param name="units">The size of the hidden and cell states.</param>
    public LSTMAttribute(int units) : base(units)
    {
    }
}

/// <summary>
/// A gated recurrent unit layer, PyTorch's <c>nn.GRU</c>. With gates in PyTorch's order r, z, n stacked in weight_ih
/// <c>[3 * units, features]</c> and weight_hh <c>[3 * units, units]</c>:
/// <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>, <c>z = σ(W_iz x + b_iz + W_hz h + b_hz)</c>,
/// <c>n = tanh(W_in x + b_in + r * (W_hn h + b_hn))</c> and <c>h_t = (1 - z) * n + z * h_{t-1}</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GRUAttribute : RecurrentLayerAttribute
{
    /// <summary>Declares a GRU layer.</summary>
    /// <param name="units">The size of the hidden state.</param>
    public GRUAttribute(int units) : base(units)
    {
    }
}
