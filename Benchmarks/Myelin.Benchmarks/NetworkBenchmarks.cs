using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Myelin.Benchmarks.Data;
using Myelin.Benchmarks.Networks;
using Myelin.Benchmarks.Torch;
using Myelin.Optimizers;
using Sequential = TorchSharp.Modules.Sequential;

namespace Myelin.Benchmarks;

/// <summary>
/// One network, Myelin against TorchSharp, for a training step and for inference, at each batch size.
/// </summary>
/// <remarks>
/// <para>
/// Categories <c>Train</c> and <c>Infer</c> each have TorchSharp on one libtorch thread as the baseline, so the Ratio
/// column reads "time relative to single-threaded libtorch" within each category and batch size. Myelin runs on one
/// thread; the <c>DefaultThreads</c> variant shows what libtorch gains from the machine's other cores.
/// </para>
/// <para>
/// Every case starts from the same weights on both sides (Myelin's initialisation, seed 1, copied into TorchSharp) and
/// runs on the same fixed batch of real digits; <see cref="EquivalenceGuard"/> checks in the setup that both compute
/// the same logits, loss and gradients.
/// </para>
/// </remarks>
/// <typeparam name="TNetwork">The generated Myelin network.</typeparam>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public abstract class NetworkBenchmarks<TNetwork> where TNetwork : class, ITrainableNetwork
{
    private const string Train = "Train";
    private const string Infer = "Infer";
    private const int Seed = 1;

    private TNetwork _network = null!;
    private Adam _adam = null!;
    private TorchTwin _torch = null!;
    private float[] _inputs = null!;  // [Batch, ...input shape]
    private int[] _labels = null!;    // [Batch]
    private float[] _outputs = null!; // [Batch, 10] logits

    /// <summary>Samples per step: a single sample (latency) and a typical mini-batch.</summary>
    [Params(1, DigitBatch.Size)]
    public int Batch { get; set; }

    /// <summary>Creates the Myelin network with room for <paramref name="maxBatchSize"/> samples.</summary>
    protected abstract TNetwork CreateNetwork(int seed, int maxBatchSize);

    /// <summary>Creates the same architecture in TorchSharp, with Myelin's layer names.</summary>
    protected abstract Sequential CreateTorchModel();

    /// <summary>Setup for the single-threaded TorchSharp baselines.</summary>
    [GlobalSetup(Targets = new[] { nameof(TrainTorchSharp1Thread), nameof(InferTorchSharp1Thread) })]
    public void SetupTorchSharp1Thread()
    {
        Setup();
        TorchRuntime.UseThreads(1);
    }

    /// <summary>Setup for TorchSharp with libtorch's default thread count.</summary>
    [GlobalSetup(Targets = new[] { nameof(TrainTorchSharpDefaultThreads), nameof(InferTorchSharpDefaultThreads) })]
    public void SetupTorchSharpDefaultThreads()
    {
        Setup();
        TorchRuntime.UseThreads(TorchRuntime.DefaultThreads);
    }

    /// <summary>Setup for Myelin; it builds the TorchSharp twin too, for the equivalence check.</summary>
    [GlobalSetup(Targets = new[] { nameof(TrainMyelin), nameof(InferMyelin) })]
    public void SetupMyelin() => Setup();

    /// <summary>Frees the TorchSharp tensors and modules.</summary>
    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    /// <summary>zero_grad, forward, cross-entropy, backward and Adam step in TorchSharp on one libtorch thread.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Train)]
    public float TrainTorchSharp1Thread() => _torch.TrainStep();

    /// <summary>The same step with libtorch's default thread count.</summary>
    [Benchmark, BenchmarkCategory(Train)]
    public float TrainTorchSharpDefaultThreads() => _torch.TrainStep();

    /// <summary>Forward, softmax cross-entropy and fused backward, then the Adam step, in Myelin.</summary>
    [Benchmark, BenchmarkCategory(Train)]
    public float TrainMyelin()
    {
        float loss = _network.ForwardBackward(_inputs, _labels, Batch);
        _adam.Step(_network);
        return loss;
    }

    /// <summary>Forward only, no autograd, in TorchSharp on one libtorch thread.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Infer)]
    public void InferTorchSharp1Thread() => _torch.Infer(_outputs);

    /// <summary>Forward only with libtorch's default thread count.</summary>
    [Benchmark, BenchmarkCategory(Infer)]
    public void InferTorchSharpDefaultThreads() => _torch.Infer(_outputs);

    /// <summary>Forward only in Myelin. These networks have no dropout or batch norm, so training and eval mode run the same code.</summary>
    [Benchmark, BenchmarkCategory(Infer)]
    public void InferMyelin() => _network.Forward(_inputs, _outputs, Batch);

    private void Setup()
    {
        DigitBatch digits = DigitBatch.Instance;
        _network = CreateNetwork(Seed, DigitBatch.Size);
        _inputs = digits.Pixels.AsSpan(0, Batch * _network.InputSize).ToArray();
        _labels = digits.Labels.AsSpan(0, Batch).ToArray();
        _outputs = new float[Batch * _network.OutputSize];

        _ = TorchRuntime.DefaultThreads; // loads libtorch, or fails naming prepare-torchsharp.sh
        _torch?.Dispose();
        _torch = new TorchTwin(CreateTorchModel(), _network, _inputs, _labels, Batch);
        EquivalenceGuard.Check(_network, _torch, _inputs, _labels);

        // The guard ran forward and backward only, so both sides still hold the initial weights. Attach allocates
        // Myelin's Adam moments now (TorchSharp's Adam allocates its own on its first step, in BenchmarkDotNet's warm-up),
        // so that neither side's measured steps include that one-off allocation.
        _adam = new Adam(1e-3);
        _adam.Attach(_network);
    }
}

/// <summary>The MLP 784-128-10.</summary>
public class MlpBenchmarks : NetworkBenchmarks<Mlp>
{
    /// <inheritdoc />
    protected override Mlp CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override Sequential CreateTorchModel() => TorchModels.Mlp();
}

/// <summary>LeNet-5 with 3x3 kernels.</summary>
public class LeNet5Benchmarks : NetworkBenchmarks<LeNet5>
{
    /// <inheritdoc />
    protected override LeNet5 CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override Sequential CreateTorchModel() => TorchModels.LeNet5();
}

/// <summary>The three-convolution CNN.</summary>
public class CnnBenchmarks : NetworkBenchmarks<Cnn>
{
    /// <inheritdoc />
    protected override Cnn CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);

    /// <inheritdoc />
    protected override Sequential CreateTorchModel() => TorchModels.Cnn();
}
