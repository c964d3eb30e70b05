namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>The trainable test networks by name, each as a CPU network and its generated device network.</summary>
internal static class TestNetworks
{
    private static readonly Dictionary<string, (Func<int, int, ITrainableNetwork> Cpu, Func<GpuDevice, int, int, ITrainableNetwork> Gpu)> All = new()
    {
        [nameof(DenseNet)] = ((s, b) => new DenseNet(s, b), (d, s, b) => new DenseNet.Gpu(d, s, b)),
        [nameof(BinaryNet)] = ((s, b) => new BinaryNet(s, b), (d, s, b) => new BinaryNet.Gpu(d, s, b)),
        [nameof(RegressionNet)] = ((s, b) => new RegressionNet(s, b), (d, s, b) => new RegressionNet.Gpu(d, s, b)),
        [nameof(ConvNet)] = ((s, b) => new ConvNet(s, b), (d, s, b) => new ConvNet.Gpu(d, s, b)),
        [nameof(GemmConvNet)] = ((s, b) => new GemmConvNet(s, b), (d, s, b) => new GemmConvNet.Gpu(d, s, b)),
        [nameof(NormNet)] = ((s, b) => new NormNet(s, b), (d, s, b) => new NormNet.Gpu(d, s, b)),
        [nameof(GraphNet)] = ((s, b) => new GraphNet(s, b), (d, s, b) => new GraphNet.Gpu(d, s, b)),
        [nameof(VectorGraphNet)] = ((s, b) => new VectorGraphNet(s, b), (d, s, b) => new VectorGraphNet.Gpu(d, s, b)),
        [nameof(RnnNet)] = ((s, b) => new RnnNet(s, b), (d, s, b) => new RnnNet.Gpu(d, s, b)),
        [nameof(ReluRnnNet)] = ((s, b) => new ReluRnnNet(s, b), (d, s, b) => new ReluRnnNet.Gpu(d, s, b)),
        [nameof(LstmNet)] = ((s, b) => new LstmNet(s, b), (d, s, b) => new LstmNet.Gpu(d, s, b)),
        [nameof(GruNet)] = ((s, b) => new GruNet(s, b), (d, s, b) => new GruNet.Gpu(d, s, b)),
        [nameof(StackedRecurrentNet)] = ((s, b) => new StackedRecurrentNet(s, b), (d, s, b) => new StackedRecurrentNet.Gpu(d, s, b)),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(name => new object[] { name });

    public static ITrainableNetwork Cpu(string name, int seed, int maxBatchSize = 8) => All[name].Cpu(seed, maxBatchSize);

    public static ITrainableNetwork Gpu(string name, GpuDevice device, int seed, int maxBatchSize = 8) => All[name].Gpu(device, seed, maxBatchSize);

    /// <summary>Both networks from one seed, with the same dropout stream.</summary>
    public static (ITrainableNetwork Cpu, ITrainableNetwork Gpu) Pair(string name, GpuDevice device, int seed, int maxBatchSize = 8)
    {
        var cpu = Cpu(name, seed, maxBatchSize);
        var gpu = Gpu(name, device, seed, maxBatchSize);
        var state = new NetworkRandomState(seed + 100, 7);
        cpu.RandomState = state;
        gpu.RandomState = state;
        return (cpu, gpu);
    }
}
