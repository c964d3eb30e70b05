using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Myelin.Benchmarks.Data;
using Myelin.Benchmarks.Networks;
using MnistResNet = Myelin.Samples.Mnist.MnistResNet;
using Myelin.Benchmarks.Performance;
using Myelin.Benchmarks.Torch;
using Myelin.Kernels;
using Myelin.Optimizers;
using TorchModule = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Myelin.Benchmarks;

/// <summary>
/// One network, Myelin against TorchSharp, for a training step and for inference, at each batch size and thread count.
/// </summary>
/// <remarks>
/// <para>
/// Every case runs both libraries on the same number of threads (<see cref="Threads"/>: 1, and the machine's logical
/// core count): Myelin through <see cref="KernelThreads.Count"/>, libtorch through <c>torch.set_num_threads</c>.
/// TorchSharp is the baseline of each category, batch and thread count, so the Ratio column compares equal thread
/// counts only. The GFLOP/s and Peak % columns (<see cref="ThroughputColumn"/>) put every row against the FMA peak
/// measured in the same process.
/// </para>
/// <para>
/// Every case starts from the same weights on both sides (Myelin's initialisation, seed 1, copied into TorchSharp) and
/// runs on the same fixed batch of real digits; <see cref="EquivalenceGuard"/> checks in the setup that both compute
/// the same logits, loss and gradients.
/// </para>
/// </remarks>
/// <typeparam name="TNetwork">The generated Myelin network.</typeparam>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
[Config(typeof(NetworkBenchmarkConfig))]
public abstract class NetworkBenchmarks<TNetwork> where TNetwork : class, ITrainableNetwork
{
    /// <summary>The category of the training-step benchmarks.</summary>
    public const string TrainCategory = "Train";

    /// <summary>The category of the inference benchmarks.</summary>
    public const string InferCategory = "Infer";

    private const int Seed = 1;

    private TNetwork _network = null!;
    private Adam _adam = null!;
    private TorchTwin _torch = null!;
    private float[] _inputs = null!;  // [Batch, ...input shape]
    private int[] _labels = null!;    // [Batch]
    private float[] _outputs = null!; // [Batch, 10] logits

    /// <summary>Samples per call: a single sample (latency), a typical mini-batch, and a large inference batch.</summary>
    [Params(1, 64, DigitBatch.Size)]
    public int Batch { get; set; }

    /// <summary>Threads for both libraries: one, and every logical core.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    /// <summary>1 and <see cref="Environment.ProcessorCount"/> (once, on a one-core machine).</summary>
    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>Creates the Myelin network with room for <paramref name="maxBatchSize"/> samples.</summary>
    protected abstract TNetwork CreateNetwork(int seed, int maxBatchSize);

    /// <summary>Creates the same architecture in TorchSharp, with Myelin's layer names.</summary>
    protected abstract TorchModule CreateTorchModel();

    /// <summary>Builds both networks on the same weights, checks they agree, and sets both thread counts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        DigitBatch digits = DigitBatch.Instance;
        _network = CreateNetwork(Seed, Batch);
        _inputs = digits.Pixels.AsSpan(0, Batch * _network.InputSize).ToArray();
        _labels = digits.Labels.AsSpan(0, Batch).ToArray();
        _outputs = new float[Batch * _network.OutputSize];
        ThroughputColumn.Register(_network);
        _ = FmaPeak.Value; // measured once per process, before the first benchmark, and printed

        _ = TorchRuntime.DefaultThreads; // loads libtorch, or fails naming prepare-torchsharp.sh
        _torch?.Dispose();
        _torch = new TorchTwin(CreateTorchModel(), _network, _inputs, _labels, Batch);
        EquivalenceGuard.Check(_network, _torch, _inputs, _labels);

        // The guard ran forward and backward only, so both sides still hold the initial weights. Attach allocates
        // Myelin's Adam moments now (TorchSharp's Adam allocates its own on its first step, in BenchmarkDotNet's warm-up),
        // so that neither side's measured steps include that one-off allocation.
        _adam = new Adam(1e-3);
        _adam.Attach(_network);

        KernelThreads.Count = Threads;
        TorchRuntime.UseThreads(Threads);
    }

    /// <summary>Frees the TorchSharp tensors and modules.</summary>
    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    /// <summary>zero_grad, forward, cross-entropy, backward and Adam step in TorchSharp.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(TrainCategory)]
    public float TrainTorchSharp() => _torch.TrainStep();

    /// <summary>Forward, softmax cross-entropy and fused backward, then the Adam step, in Myelin.</summary>
    [Benchmark, BenchmarkCategory(TrainCategory)]
    public float TrainMyelin()
    {
        float loss = _network.ForwardBackward(_inputs, _labels, Batch);
        _adam.Step(_network);
        return loss;
    }

    /// <summary>Forward only, no autograd, in TorchSharp.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(InferCategory)]
    public void InferTorchSharp() => _torch.Infer(_outputs);

    /// <summary>Forward only in Myelin, in eval mode as TorchSharp's side (batch norm on its running statistics).</summary>
    [Benchmark, BenchmarkCategory(InferCategory)]
    public void InferMyelin()
    {
        _network.IsTraining = false;
        _network.Forward(_inputs, _outputs, Batch);
        _network.IsTraining = true;
    }
}

/// <summary>The MLP 784-128-10.</summary>
public class MlpBenchmarks : NetworkBenchmarks<Mlp>
{
    /// <inheritdoc />
    protected override Mlp CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override TorchModule CreateTorchModel() => TorchModels.Mlp();
}

/// <summary>LeNet-5 with 3x3 kernels.</summary>
public class LeNet5Benchmarks : NetworkBenchmarks<LeNet5>
{
    /// <inheritdoc />
    protected override LeNet5 CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override TorchModule CreateTorchModel() => TorchModels.LeNet5();
}

/// <summary>The three-convolution CNN.</summary>
public class CnnBenchmarks : NetworkBenchmarks<Cnn>
{
    /// <inheritdoc />
    protected override Cnn CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override TorchModule CreateTorchModel() => TorchModels.Cnn();
}

/// <summary>The three-block ResNet of the MNIST CLI: batch norm, projection shortcuts, global average pooling.</summary>
public class ResNetBenchmarks : NetworkBenchmarks<MnistResNet>
{
    /// <inheritdoc />
    protected override MnistResNet CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override TorchModule CreateTorchModel() => TorchModels.ResNet();
}
