using Myelin.Gpu.Tests.Infrastructure;

namespace Myelin.Gpu.Tests;

/// <summary>Bad input is refused before any device work, with the CPU network's messages.</summary>
[Collection(DeviceCollection.Name)]
public sealed class ValidationTests(DeviceFixture fixture)
{
    [Fact]
    public void Bad_batches_labels_and_spans_get_the_CPU_network_s_errors()
    {
        var cpu = new DenseNet(seed: 1, maxBatchSize: 4);
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 1, maxBatchSize: 4);
        var cases = new (string What, Action<ITrainableNetwork> Call)[]
        {
            ("batch over capacity", n => n.ForwardBackward(new float[5 * 12], new int[5], 5)),
            ("input length", n => n.ForwardBackward(new float[11], new int[1], 1)),
            ("label out of range", n => n.ForwardBackward(new float[2 * 12], new[] { 0, 5 }, 2)),
            ("output span too short", n => n.Forward(new float[2 * 12], new float[9], 2)),
            ("float targets for a label loss", n => n.ForwardBackward(new float[12], new float[5], 1)),
            ("layer index", n => n.SetTrainable(5, false)),
        };
        foreach (var (what, call) in cases)
        {
            var expected = Record.Exception(() => call(cpu));
            var actual = Record.Exception(() => call(gpu));
            Assert.True(expected is not null, $"{what}: the CPU network accepted it");
            Assert.True(actual is not null, $"{what}: the device network accepted it");
            Assert.Equal(expected.GetType(), actual.GetType());
            Assert.Equal(expected.Message, actual.Message);
        }
    }

    [Fact]
    public void Batch_norm_in_training_mode_refuses_a_batch_of_one_as_the_CPU_does()
    {
        var cpu = new NormNet(seed: 1);
        using var gpu = new NormNet.Gpu(fixture.Device, seed: 1);
        var inputs = TestData.Inputs(cpu, 1, seed: 1);
        var expected = Assert.Throws<InvalidOperationException>(() => TestData.ForwardBackward(cpu, inputs, 1, seed: 1));
        var actual = Assert.Throws<InvalidOperationException>(() => TestData.ForwardBackward(gpu, inputs, 1, seed: 1));
        Assert.Equal(expected.Message, actual.Message);
    }
}
