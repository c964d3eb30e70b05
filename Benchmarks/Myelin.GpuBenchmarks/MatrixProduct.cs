using System;
using System.Collections.Generic;
using System.Globalization;
using Myelin.Gpu;
using Myelin.GpuBenchmarks.Networks;

namespace Myelin.GpuBenchmarks;

/// <summary>
/// The generated matrix-product kernel alone: a network that is one bias-free dense layer, run with
/// <see cref="DeviceNetwork.ForwardOnDevice"/> on inputs already on the device, so the time is the tiled kernel's:
/// <c>y[M, N] = x[M, K] . W^T</c> with M the batch and N = K the layer's width, <c>2 M N K</c> floating-point operations.
/// Compare with <c>torch_matmul.py</c> (cuBLAS through <c>torch.matmul</c>, float32, TF32 off) on the same GPU.
/// </summary>
internal static class MatrixProduct
{
    public static void Run(GpuDevice device, double seconds)
    {
        Console.WriteLine($"Device: {device}");
        Console.WriteLine("Generated tiled product y[M, N] = x[M, K] . W^T, float32, inputs resident on the device.");
        var sizes = device.IsGpu
            ? new (int Size, Func<int, DeviceNetwork> Create)[] { (4096, n => new Product4096.Gpu(device, 1, n)), (8192, n => new Product8192.Gpu(device, 1, n)) }
            : new (int Size, Func<int, DeviceNetwork> Create)[] { (256, n => new Product256.Gpu(device, 1, n)) };
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,6} {1,6} {2,6}  {3,12}  {4,10}", "M", "N", "K", "ms", "TFLOP/s"));
        foreach (var (size, create) in sizes)
        {
            using var network = create(size);
            var inputs = new float[(long)size * size];
            var random = new SeededRandom(5);
            for (long i = 0; i < inputs.Length; i++) inputs[i] = random.NextFloat() - 0.5f;
            var outputs = new float[(long)size * size];
            ((INetwork)network).Forward(inputs, outputs, size);
            double milliseconds = TimingTable.Time(() =>
            {
                network.ForwardOnDevice(size);
                device.Synchronize();
            }, seconds);
            double flops = 2.0 * size * size * (double)size;
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,6} {0,6} {0,6}  {1,12:F3}  {2,10:F2}", size, milliseconds, flops / (milliseconds / 1000) / 1e12));
        }
    }
}
