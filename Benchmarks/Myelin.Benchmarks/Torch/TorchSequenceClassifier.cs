using System;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Myelin.Benchmarks.Torch;

/// <summary>
/// The twins of the sequential-MNIST networks as a PyTorch user writes them: <c>nn.LSTM</c>, <c>nn.GRU</c> or
/// <c>nn.RNN</c> with <c>batch_first=True</c> over <c>[n, 28, 28]</c> (28 rows of 28 pixels), the last step's hidden
/// state into <c>nn.Linear(128, 10)</c>. The modules carry Myelin's layer names, so the parameter names
/// (<c>lstm1.weight_ih_l0</c>, <c>lstm1.bias_hh_l0</c>, <c>dense1.weight</c>) and layouts (gate blocks i, f, g, o or
/// r, z, n) match and the weights copy across by name.
/// </summary>
internal sealed class TorchSequenceClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _sequence; // [n, steps, features] -> [n, steps, hidden], every step's state
    private readonly Linear _head;

    private TorchSequenceClassifier(string name, string recurrentName, nn.Module recurrent, Func<Tensor, Tensor> sequence, long hidden, long classes)
        : base(name)
    {
        _sequence = sequence;
        _head = nn.Linear(hidden, classes);
        register_module(recurrentName, recurrent);
        register_module("dense1", _head);
    }

    /// <summary><c>nn.LSTM(features, hidden, batch_first=True)</c> named <c>lstm1</c>, then <c>dense1</c>.</summary>
    public static TorchSequenceClassifier Lstm(long features, long hidden, long classes)
    {
        LSTM lstm = nn.LSTM(features, hidden, batchFirst: true);
        return new TorchSequenceClassifier("MnistLstm", "lstm1", lstm, x => lstm.forward(x).Item1, hidden, classes);
    }

    /// <summary><c>nn.GRU(features, hidden, batch_first=True)</c> named <c>gru1</c>, then <c>dense1</c>.</summary>
    public static TorchSequenceClassifier Gru(long features, long hidden, long classes)
    {
        GRU gru = nn.GRU(features, hidden, batchFirst: true);
        return new TorchSequenceClassifier("MnistGru", "gru1", gru, x => gru.forward(x).Item1, hidden, classes);
    }

    /// <summary><c>nn.RNN(features, hidden, nonlinearity='tanh', batch_first=True)</c> named <c>rnn1</c>, then <c>dense1</c>.</summary>
    public static TorchSequenceClassifier Rnn(long features, long hidden, long classes)
    {
        RNN rnn = nn.RNN(features, hidden, batchFirst: true);
        return new TorchSequenceClassifier("MnistRnn", "rnn1", rnn, x => rnn.forward(x, null).Item1, hidden, classes);
    }

    /// <summary>[n, steps, features] -> [n, classes]: the head on the hidden state after the last step.</summary>
    public override Tensor forward(Tensor input) => _head.forward(_sequence(input).select(1, -1));
}
