using Myelin.Kernels;
using Myelin.Optimizers;
using static Myelin.Tests.Kernels.KernelTesting;

namespace Myelin.Tests.Kernels;

public sealed class KernelThreadsTests
{
    [Theory]
    [InlineData("1", 1)]
    [InlineData(" 16 ", 16)]
    [InlineData("256", 256)]
    public void The_thread_count_variable_accepts_whole_numbers_from_1_to_the_maximum(string text, int expected) =>
        Assert.Equal(expected, KernelThreads.ParseCount(text));

    [Fact]
    public void An_unset_thread_count_variable_means_one_thread_per_logical_processor() =>
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, KernelThreads.MaxCount), KernelThreads.ParseCount(null));

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("257")]
    [InlineData("four")]
    [InlineData("2.5")]
    public void A_bad_thread_count_variable_is_an_error_naming_the_variable_and_the_value(string text)
    {
        var error = Assert.Throws<InvalidOperationException>(() => KernelThreads.ParseCount(text));
        Assert.Contains($"MYELIN_NUM_THREADS is '{text}'", error.Message);
        Assert.Contains("from 1 to 256", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void Setting_a_thread_count_out_of_range_is_refused(int count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.Count = count);
        Assert.Contains("from 1 to 256", error.Message);
    }

    [Fact]
    public void An_exception_in_a_worker_reaches_the_caller()
    {
        int saved = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 4;
            // Label 12 of sample 900 is out of range; the samples are split across threads, so a worker may meet it.
            var labels = Enumerable.Range(0, 1000).Select(i => i == 900 ? 12 : i % 10).ToArray();
            var logits = new float[1000 * 10];
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => LossKernels.SoftmaxCrossEntropy(logits, labels, 10, new float[logits.Length]));
            Assert.Contains("Label 12 of sample 900", error.Message);
        }
        finally
        {
            KernelThreads.Count = saved;
        }
    }

    [Fact]
    public void Element_wise_kernels_give_the_same_bits_for_any_thread_count()
    {
        const int rows = 300, columns = 517; // ragged against every vector width and chunk
        var random = new SeededRandom(11);
        var matrix = RandomArray(rows * columns, ref random, 4f);
        var bias = RandomArray(Math.Max(rows, columns), ref random);
        var dy = RandomArray(rows * columns, ref random);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var tanh = new float[matrix.Length];
            ElementwiseKernels.Activate(matrix, tanh, new TanhOperator());
            var dense = (float[])matrix.Clone();
            ElementwiseKernels.AddColumnBiasAndActivate(dense, bias, rows, columns, new SigmoidOperator());
            var conv = (float[])matrix.Clone();
            ElementwiseKernels.AddRowBiasAndActivate(conv, bias, rows, columns, new LeakyReLUOperator(0.1f));
            var dx = new float[matrix.Length];
            ElementwiseKernels.MultiplyByDerivative(tanh, dy, dx, new TanhOperator());
            var columnSums = new float[columns];
            ElementwiseKernels.AddColumnSums(matrix, rows, columns, columnSums);
            var rowSums = new float[rows];
            ElementwiseKernels.AddRowSums(matrix, rows, columns, rowSums);
            // 20 channels of a batch of 15, 517 positions each.
            var samples = new float[matrix.Length];
            ElementwiseKernels.ChannelsToSamples(matrix, samples, bias.AsSpan(0, 20), 20, 15, columns, new ReLUOperator());
            var channels = new float[matrix.Length];
            ElementwiseKernels.SamplesToChannels(samples, channels, 20, 15, columns);
            return [tanh, dense, conv, dx, columnSums, rowSums, samples, channels];
        });
    }

    [Fact]
    public void Pooling_losses_and_products_give_the_same_bits_for_any_thread_count()
    {
        var random = new SeededRandom(12);
        var shape = new PoolShape(Planes: 96, Height: 26, Width: 26, Kernel: 2, Stride: 2, OutHeight: 13, OutWidth: 13);
        var x = RandomArray(96 * 26 * 26, ref random);
        var dy = RandomArray(96 * 13 * 13, ref random);
        var logits = RandomArray(3000 * 10, ref random, 5f);
        var labels = Enumerable.Range(0, 3000).Select(i => i % 10).ToArray();
        var targets = RandomArray(30000, ref random);
        var a = RandomArray(70 * 300, ref random);
        var b = RandomArray(300 * 90, ref random);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var y = new float[dy.Length];
            var argmax = new int[dy.Length];
            PoolingKernels.MaxPoolForward(x, y, argmax, shape);
            var dx = new float[x.Length];
            PoolingKernels.MaxPoolBackward(dy, argmax, dx, shape);
            var average = new float[dy.Length];
            PoolingKernels.AveragePoolForward(x, average, shape);
            var averageBack = new float[x.Length];
            PoolingKernels.AveragePoolBackward(dy, averageBack, shape);
            var crossEntropy = new float[logits.Length];
            float ceLoss = LossKernels.SoftmaxCrossEntropy(logits, labels, 10, crossEntropy);
            var binary = new float[targets.Length];
            float bceLoss = LossKernels.BinaryCrossEntropyWithLogits(logits, targets, binary);
            var squared = new float[targets.Length];
            float mseLoss = LossKernels.MeanSquaredError(logits, targets, squared);
            var c = new float[70 * 90];
            Gemm.Multiply(a, b, c, 70, 90, 300, accumulate: false);
            return [y, argmax.Select(i => (float)i).ToArray(), dx, average, averageBack, crossEntropy, binary, squared, [ceLoss, bceLoss, mseLoss], c];
        });
    }

    [Fact]
    public void Optimizer_updates_give_the_same_bits_for_any_thread_count()
    {
        const int length = 50_001; // many chunks, and a scalar tail
        var random = new SeededRandom(13);
        var parameters = RandomArray(length, ref random);
        var gradients = RandomArray(length, ref random);
        var expAvg = RandomArray(length, ref random, 0.1f);
        var expAvgSq = RandomArray(length, ref random, 0.01f).Select(MathF.Abs).ToArray();
        var update = new AdamUpdate(lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, amsGrad: false, step: 7);

        AssertSameBitsForAnyThreadCount(() =>
        {
            var p = (float[])parameters.Clone();
            var m = (float[])expAvg.Clone();
            var v = (float[])expAvgSq.Clone();
            ParameterUpdate.Run(update, p, gradients, m, v, default);
            return [p, m, v];
        });
    }
}
