using System;
using System.Diagnostics;
using System.Globalization;
using Myelin.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Myelin.Benchmarks.Torch;

/// <summary>
/// Trains the TorchSharp twin of the MNIST CLI's <c>lstm</c> or <c>gru</c> model with the same recipe and data as
/// <c>train --model lstm|gru --seed N</c>, so that the README can put both accuracies side by side from one run:
/// <c>nn.LSTM(28, 128)</c> or <c>nn.GRU(28, 128)</c> with <c>batch_first=True</c>, the last step into
/// <c>nn.Linear(128, 10)</c>, PyTorch's own initialisation (<c>torch.manual_seed(seed)</c>), Adam 1e-3, batch 32,
/// 10 epochs over the first 8,000 bundled digits reshuffled every epoch, pixels in [0, 1] as <c>[n, 28, 28]</c>, and the
/// held-out accuracy on the other 2,000 after every epoch. libtorch runs on one thread (on a shared machine its spinning
/// OpenMP threads collapse, see docs/benchmarks.md).
/// </summary>
/// <remarks>
/// <c>Benchmarks/run.sh sequential-mnist --model lstm --seed 1 [--epochs 10]</c>. Myelin's side is the MNIST CLI; the
/// weights differ (each library draws its own), the architecture, names and gradients are the same (the equivalence
/// guard of <see cref="NetworkBenchmarks{TNetwork}"/>).
/// </remarks>
internal static class SequentialMnistTraining
{
    /// <summary>The first argument that selects this mode instead of BenchmarkDotNet.</summary>
    public const string Command = "sequential-mnist";

    private const int Steps = 28, Features = 28, Hidden = 128, Classes = 10, BatchSize = 32;

    /// <summary>Parses <c>--model lstm|gru --seed N [--epochs E]</c>, trains and prints every epoch.</summary>
    /// <returns>0, or 2 for bad arguments (named in the message).</returns>
    public static int Run(ReadOnlySpan<string> args)
    {
        string model = "lstm";
        int seed = 1, epochs = 10;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--model" when value is "lstm" or "gru": model = value; i++; break;
                case "--seed" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seed): i++; break;
                case "--epochs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out epochs) && epochs > 0: i++; break;
                default:
                    Console.Error.WriteLine($"{Command}: cannot read '{args[i]} {value}'. Usage: {Command} --model lstm|gru --seed N [--epochs E] (N >= 0, E >= 1).");
                    return 2;
            }
        }

        TorchRuntime.UseThreads(1);
        var (train, test) = Mnist.SplitBundled(Mnist.LoadBundled());
        using Tensor trainX = Pixels(train), testX = Pixels(test);
        using Tensor trainY = Labels(train), testY = Labels(test);

        torch.manual_seed(seed);
        using var network = model == "lstm" ? TorchSequenceClassifier.Lstm(Features, Hidden, Classes) : TorchSequenceClassifier.Gru(Features, Hidden, Classes);
        using var optimizer = optim.Adam(network.parameters(), lr: 1e-3);
        using var loss = nn.CrossEntropyLoss();
        Console.WriteLine($"TorchSharp {model} twin: nn.{model.ToUpperInvariant()}({Features}, {Hidden}, batch_first=True) -> Linear({Hidden}, {Classes}), " +
            $"seed {seed}, Adam 1e-3, batch {BatchSize}, {epochs} epochs, {train.Count:N0} digits, {test.Count:N0} held out");

        double accuracy = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            network.train();
            double lossSum = 0;
            using (Tensor order = randperm(train.Count))
            {
                for (int start = 0; start < train.Count; start += BatchSize)
                {
                    using DisposeScope scope = NewDisposeScope();
                    Tensor rows = order.narrow(0, start, Math.Min(BatchSize, train.Count - start));
                    optimizer.zero_grad();
                    Tensor batchLoss = loss.forward(network.forward(trainX.index_select(0, rows)), trainY.index_select(0, rows));
                    batchLoss.backward();
                    optimizer.step();
                    lossSum += batchLoss.ToDouble() * rows.shape[0];
                }
            }
            accuracy = Accuracy(network, testX, testY);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Epoch {epoch,2}/{epochs}  loss {lossSum / train.Count:F4}  val_accuracy {accuracy * 100:F2}%  {clock.Elapsed.TotalSeconds:F2} s"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Held-out accuracy: {accuracy * 100:F2}%"));
        return 0;
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> network, Tensor x, Tensor y)
    {
        using DisposeScope scope = NewDisposeScope();
        using IDisposable noGrad = no_grad();
        network.eval();
        long correct = network.forward(x).argmax(1).eq(y).sum().ToInt64();
        network.train();
        return (double)correct / y.shape[0];
    }

    // [n, 1, 28, 28] pixels in [0, 1] -> [n, 28, 28]: one 28-pixel row per step.
    private static Tensor Pixels(Dataset data) => tensor(data.Features.ToArray(), [data.Count, Steps, Features], ScalarType.Float32);

    private static Tensor Labels(Dataset data)
    {
        var labels = new long[data.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = data.Label(i);
        return tensor(labels, [data.Count], ScalarType.Int64);
    }
}
