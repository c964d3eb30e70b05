using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// Seeded random recurrent networks: a sequence input of 1 to 5 steps of 1 to 4 features, sometimes a dense layer on
/// every step first, one or two recurrent layers (any cell, tanh or ReLU for the SimpleRNN, either direction setting,
/// the first returning sequences when a second follows; 1 to 6 units, sometimes 8 to 19), sometimes a dense layer on every step of the last one's
/// sequence, and a dense head that fits the loss (after a Flatten when the last layer returns sequences).
/// </summary>
internal static class RandomRecurrentNetworks
{
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    private static readonly RefCell[] Cells = { RefCell.SimpleRNN, RefCell.LSTM, RefCell.GRU };

    public static RefNetwork Create(int seed, string className)
    {
        var random = new Random(seed);
        var loss = Losses[random.Next(Losses.Length)];
        int steps = random.Next(1, 6), features = random.Next(1, 5);
        var layers = new List<RefLayer>();
        if (random.Next(4) == 0) layers.Add(new RefDense(random.Next(1, 5), random.Next(2) == 0 ? Activation.Tanh : Activation.None));
        int depth = random.Next(1, 3);
        bool sequences = false;
        for (int d = 0; d < depth; d++)
        {
            var cell = Cells[(seed + d) % Cells.Length];
            sequences = d < depth - 1 || random.Next(3) == 0;
            // Mostly 1 to 6 units (the kernels' scalar loops), sometimes 8 to 19 (their 8-wide SIMD loops and a tail).
            int units = random.Next(4) == 0 ? random.Next(8, 20) : random.Next(1, 7);
            layers.Add(new RefRecurrent(cell, units, cell == RefCell.SimpleRNN && random.Next(2) == 0 ? Activation.ReLU : Activation.Tanh,
                ReturnSequences: sequences, Bidirectional: random.Next(2) == 0));
        }
        if (sequences)
        {
            if (random.Next(2) == 0) layers.Add(new RefDense(random.Next(1, 5), Activation.Sigmoid));
            layers.Add(new RefFlatten());
        }
        int outputs = loss == Loss.SoftmaxCrossEntropy ? random.Next(2, 5) : random.Next(1, 4);
        layers.Add(new RefDense(outputs));
        return new RefNetwork(className, loss, new[] { steps, features }, layers);
    }
}
