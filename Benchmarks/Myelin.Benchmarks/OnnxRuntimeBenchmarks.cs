using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Myelin.Benchmarks.Data;
using Myelin.Benchmarks.Networks;
using MnistResNet = Myelin.Samples.Mnist.MnistResNet;
using Myelin.Benchmarks.Performance;
using Myelin.Benchmarks.Torch;
using Myelin.Kernels;

namespace Myelin.Benchmarks;

/// <summary>
/// Inference: the generated code against ONNX Runtime running the same network exported by <see cref="Onnx.Export(INetwork, string, OnnxExportOptions?)"/>,
/// which is what a .NET user deploying a trained model would otherwise pick.
/// </summary>
/// <remarks>
/// <para>
/// ONNX Runtime is the baseline of each batch and thread count. <see cref="InferOnnxRuntime"/> runs on
/// <see cref="Threads"/> intra-op threads, as Myelin does (<see cref="KernelThreads.Count"/>), so the ratio compares equal
/// thread counts; <see cref="InferOnnxRuntimeDefaultThreads"/> is the session a user gets without setting anything
/// (ONNX Runtime picks its own thread count), shown in every group for reference.
/// </para>
/// <para>
/// Both sessions use ONNX Runtime's fastest settings: all graph optimisations, sequential execution, and inputs and
/// outputs bound once to pinned arrays (<see cref="OrtValue.CreateTensorValueFromMemory{T}(T[], long[])"/>), so a call
/// is one <c>Run</c> with no allocation of tensors. The setup checks that ONNX Runtime's logits equal Myelin's
/// (<see cref="EquivalenceGuard.Tolerance"/>) before anything is timed.
/// </para>
/// </remarks>
/// <typeparam name="TNetwork">The generated Myelin network.</typeparam>
[MemoryDiagnoser]
[CategoriesColumn]
[Config(typeof(NetworkBenchmarkConfig))]
public abstract class OnnxRuntimeBenchmarks<TNetwork> where TNetwork : class, ITrainableNetwork
{
    private const int Seed = 1;

    private TNetwork _network = null!;
    private float[] _inputs = null!;        // [Batch, ...input shape]
    private float[] _outputs = null!;       // [Batch, 10] logits, Myelin's
    private float[] _ortOutputs = null!;    // [Batch, 10] logits, ONNX Runtime's
    private InferenceSession _session = null!, _defaultSession = null!;
    private OrtValue _input = null!, _output = null!;
    private RunOptions _run = null!;
    private string[] _inputNames = null!, _outputNames = null!;

    /// <summary>A single sample (latency), a typical mini-batch, and a large inference batch.</summary>
    [Params(1, 64, DigitBatch.Size)]
    public int Batch { get; set; }

    /// <summary>Threads for both libraries: one, and every logical core.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    /// <summary>1 and <see cref="Environment.ProcessorCount"/> (once, on a one-core machine).</summary>
    public static IEnumerable<int> ThreadCounts => NetworkBenchmarks<TNetwork>.ThreadCounts;

    /// <summary>Creates the Myelin network with room for <paramref name="maxBatchSize"/> samples.</summary>
    protected abstract TNetwork CreateNetwork(int seed, int maxBatchSize);

    /// <summary>Exports the network, opens both sessions, binds the arrays and checks the logits.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _network = CreateNetwork(Seed, Batch);
        _network.IsTraining = false;
        _inputs = DigitBatch.Instance.Pixels.AsSpan(0, Batch * _network.InputSize).ToArray();
        _outputs = new float[Batch * _network.OutputSize];
        _ortOutputs = new float[Batch * _network.OutputSize];
        ThroughputColumn.Register(_network);
        _ = FmaPeak.Value;

        byte[] model = Onnx.ToBytes(_network);
        Cleanup();
        _session = new InferenceSession(model, Options(Threads));
        _defaultSession = new InferenceSession(model, Options(0));
        _inputNames = [_session.InputMetadata.Keys.Single()];
        _outputNames = [_session.OutputMetadata.Keys.Single()];
        _input = OrtValue.CreateTensorValueFromMemory(_inputs, [Batch, .. _network.InputShape.Select(d => (long)d)]);
        _output = OrtValue.CreateTensorValueFromMemory(_ortOutputs, [Batch, _network.OutputSize]);
        _run = new RunOptions();

        KernelThreads.Count = Threads;
        InferMyelin();
        InferOnnxRuntime();
        EquivalenceGuard.Compare(typeof(TNetwork).Name, "logits (ONNX Runtime)", _outputs, _ortOutputs);
    }

    /// <summary>Frees the sessions and bound values.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _defaultSession?.Dispose();
        _input?.Dispose();
        _output?.Dispose();
        _run?.Dispose();
    }

    /// <summary>One <c>Run</c> of the exported network on <see cref="Threads"/> intra-op threads.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(NetworkBenchmarks<TNetwork>.InferCategory)]
    public void InferOnnxRuntime() => _session.Run(_run, _inputNames, [_input], _outputNames, [_output]);

    /// <summary>One <c>Run</c> on a session with ONNX Runtime's default thread settings.</summary>
    [Benchmark, BenchmarkCategory(NetworkBenchmarks<TNetwork>.InferCategory)]
    public void InferOnnxRuntimeDefaultThreads() => _defaultSession.Run(_run, _inputNames, [_input], _outputNames, [_output]);

    /// <summary>Forward only in Myelin, in eval mode.</summary>
    [Benchmark, BenchmarkCategory(NetworkBenchmarks<TNetwork>.InferCategory)]
    public void InferMyelin() => _network.Forward(_inputs, _outputs, Batch);

    // threads 0: ONNX Runtime's own default for intra-op parallelism.
    private static SessionOptions Options(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
}

/// <summary>The MLP 784-128-10 in ONNX Runtime.</summary>
public class MlpOnnxRuntimeBenchmarks : OnnxRuntimeBenchmarks<Mlp>
{
    /// <inheritdoc />
    protected override Mlp CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}

/// <summary>LeNet-5 in ONNX Runtime.</summary>
public class LeNet5OnnxRuntimeBenchmarks : OnnxRuntimeBenchmarks<LeNet5>
{
    /// <inheritdoc />
    protected override LeNet5 CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}

/// <summary>The three-convolution CNN in ONNX Runtime.</summary>
public class CnnOnnxRuntimeBenchmarks : OnnxRuntimeBenchmarks<Cnn>
{
    /// <inheritdoc />
    protected override Cnn CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}

/// <summary>The ResNet in ONNX Runtime (batch norm folded into inference form by the exporter).</summary>
public class ResNetOnnxRuntimeBenchmarks : OnnxRuntimeBenchmarks<MnistResNet>
{
    /// <inheritdoc />
    protected override MnistResNet CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}
