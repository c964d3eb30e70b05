using System;
using BenchmarkDotNet.Attributes;
using Myelin.Benchmarks.Data;
using Myelin.Quantization;
using LeNet5 = Myelin.Samples.Mnist.LeNet5;
using MnistCnn = Myelin.Samples.Mnist.MnistCnn;
using MnistMlp = Myelin.Samples.Mnist.MnistMlp;

namespace Myelin.Benchmarks;

/// <summary>
/// Inference of one network in float32 and in int8, Myelin against itself: the float network's <c>Forward</c> is the
/// baseline, so the Ratio column reads "int8 time over float32 time" at each batch size.
/// </summary>
/// <remarks>
/// Both run with Myelin's defaults: large float products and int8 convolutions over a batch split across the machine's
/// cores (<c>KernelThreads</c>). The int8 network is quantised from the float one in the setup (seed-1 weights,
/// calibrated on the benchmark's 64 real digits), and the setup checks that both classify the batch alike.
/// </remarks>
/// <typeparam name="TNetwork">The generated float network, declared with <c>Int8 = true</c>.</typeparam>
[MemoryDiagnoser]
public abstract class Int8Benchmarks<TNetwork> where TNetwork : class, IQuantizable
{
    private TNetwork _float = null!;
    private IInt8Network _int8 = null!;
    private float[] _inputs = null!;  // [Batch, ...input shape]
    private float[] _outputs = null!; // [Batch, 10]

    /// <summary>Samples per forward pass: one (latency) and a mini-batch of 64 (throughput), as issue 14 measures them.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>Creates the float network with room for <paramref name="maxBatchSize"/> samples.</summary>
    protected abstract TNetwork CreateNetwork(int seed, int maxBatchSize);

    /// <summary>Builds both networks and checks that they agree on the batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var digits = DigitBatch.Instance;
        _float = CreateNetwork(1, DigitBatch.Size);
        _float.IsTraining = false;
        _int8 = Quantize.ToInt8(_float, digits.Pixels, DigitBatch.Size);
        _inputs = digits.Pixels.AsSpan(0, Batch * _float.InputSize).ToArray();
        _outputs = new float[DigitBatch.Size * _float.OutputSize];

        // Guard: the int8 network must classify the calibration digits as the float network does, nearly always.
        var floats = new float[_outputs.Length];
        var int8 = new float[_outputs.Length];
        _float.Forward(digits.Pixels, floats, DigitBatch.Size);
        _int8.Forward(digits.Pixels, int8, DigitBatch.Size);
        int agree = 0;
        for (int i = 0; i < DigitBatch.Size; i++)
        {
            if (Kernels.ActivationKernels.ArgMax(floats.AsSpan(i * 10, 10)) == Kernels.ActivationKernels.ArgMax(int8.AsSpan(i * 10, 10))) agree++;
        }
        if (agree < DigitBatch.Size * 9 / 10)
            throw new InvalidOperationException($"{typeof(TNetwork).Name}: the int8 network classifies only {agree} of {DigitBatch.Size} digits as the float one does.");
    }

    /// <summary>The float32 network's forward pass.</summary>
    [Benchmark(Baseline = true)]
    public float Float32()
    {
        _float.Forward(_inputs, _outputs, Batch);
        return _outputs[0];
    }

    /// <summary>The int8 network's forward pass: quantise the inputs, int8 layers with int32 sums, float logits.</summary>
    [Benchmark]
    public float Int8()
    {
        _int8.Forward(_inputs, _outputs, Batch);
        return _outputs[0];
    }
}

/// <summary>The MNIST sample's MLP 784-128-10 (declared with <c>Int8 = true</c>) in float32 and int8.</summary>
public class Int8MlpBenchmarks : Int8Benchmarks<MnistMlp>
{
    /// <inheritdoc />
    protected override MnistMlp CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}

/// <summary>The MNIST sample's LeNet-5 (3x3 kernels) in float32 and int8.</summary>
public class Int8LeNet5Benchmarks : Int8Benchmarks<LeNet5>
{
    /// <inheritdoc />
    protected override LeNet5 CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}

/// <summary>The MNIST sample's three-convolution CNN in float32 and int8.</summary>
public class Int8CnnBenchmarks : Int8Benchmarks<MnistCnn>
{
    /// <inheritdoc />
    protected override MnistCnn CreateNetwork(int seed, int maxBatchSize) => new(seed, maxBatchSize);
}
