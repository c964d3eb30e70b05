using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Gpu;
using Myelin.GpuBenchmarks.Networks;
using Myelin.Samples.Mnist;

namespace Myelin.GpuBenchmarks;

/// <summary>A benchmarked network: its CPU class and its generated device network, built for one batch capacity.</summary>
/// <param name="Name">The command-line name.</param>
/// <param name="Cpu">Creates the CPU network (seed 1) for a batch capacity.</param>
/// <param name="Gpu">Creates the device network (seed 1) for a batch capacity.</param>
internal sealed record BenchmarkModel(string Name, Func<int, ITrainableNetwork> Cpu, Func<GpuDevice, int, ITrainableNetwork> Gpu)
{
    public static readonly BenchmarkModel[] All =
    {
        new("mlp", b => new MnistMlp(1, b), (d, b) => new MnistMlp.Gpu(d, 1, b)),
        new("lenet", b => new LeNet5(1, b), (d, b) => new LeNet5.Gpu(d, 1, b)),
        new("cnn", b => new MnistCnn(1, b), (d, b) => new MnistCnn.Gpu(d, 1, b)),
        new("resnet", b => new ResidualNet(1, b), (d, b) => new ResidualNet.Gpu(d, 1, b)),
        // Sequential MNIST: 28 steps of LSTM(128) or GRU(128), then Dense(10); the steps run one after the other.
        new("lstm", b => new MnistLstm(1, b), (d, b) => new MnistLstm.Gpu(d, 1, b)),
        new("gru", b => new MnistGru(1, b), (d, b) => new MnistGru.Gpu(d, 1, b)),
    };

    public static BenchmarkModel Find(string name) =>
        All.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model '{name}'; the models are {string.Join(", ", All.Select(m => m.Name))}.");

    public static IReadOnlyList<BenchmarkModel> Parse(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Find).ToList();
}

/// <summary>A seeded batch for a network: inputs in [0, 1) (like pixel intensities) and class labels.</summary>
internal sealed class Batch
{
    public Batch(INetwork network, int size, int seed)
    {
        Size = size;
        var random = new SeededRandom(seed);
        Inputs = new float[size * network.InputSize];
        for (int i = 0; i < Inputs.Length; i++) Inputs[i] = random.NextFloat();
        Labels = new int[size];
        for (int i = 0; i < size; i++) Labels[i] = random.NextInt(network.OutputSize);
        Outputs = new float[size * network.OutputSize];
    }

    public int Size { get; }
    public float[] Inputs { get; }
    public int[] Labels { get; }
    public float[] Outputs { get; }
}
