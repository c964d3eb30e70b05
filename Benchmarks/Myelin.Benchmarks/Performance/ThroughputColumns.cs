using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Myelin.Benchmarks.Performance;

/// <summary>
/// Two summary columns for the network benchmarks: the achieved GFLOP/s (<see cref="NetworkFlops"/> of the call over
/// its mean time) and that as a percentage of the measured peak of the widest SIMD width (<see cref="FmaPeak"/>) on
/// the row's thread count. TorchSharp rows get them too: the same network does the same FLOPs.
/// </summary>
internal sealed class ThroughputColumn(bool fractionOfPeak) : IColumn
{
    private static readonly ConcurrentDictionary<Type, (double Forward, double Train)> s_flops = new();

    /// <summary>Records the per-sample FLOPs of a network type (called from the benchmark's setup).</summary>
    public static void Register(INetwork network)
    {
        NetworkFlops.CheckKnownLayers(network);
        s_flops[network.GetType()] = (NetworkFlops.ForwardPerSample(network), NetworkFlops.TrainPerSample(network));
    }

    /// <summary>The TNetwork of the <see cref="NetworkBenchmarks{TNetwork}"/> a benchmark class derives from.</summary>
    private static Type? NetworkType(Type benchmarkType)
    {
        for (var type = benchmarkType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(NetworkBenchmarks<>)) return type.GetGenericArguments()[0];
        }
        return null;
    }

    public string Id => fractionOfPeak ? "PeakFraction" : "GFlops";

    public string ColumnName => fractionOfPeak ? "Peak %" : "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => fractionOfPeak ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => fractionOfPeak
        ? "GFLOP/s as a percentage of the measured FMA peak of the widest SIMD width on the row's thread count"
        : "Dense and convolution multiply-adds (2 FLOPs each) per second; training counts forward, weight and input gradients";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        var network = NetworkType(benchmarkCase.Descriptor.Type);
        if (statistics is null || network is null || !s_flops.TryGetValue(network, out var flops)) return "-";
        int batch = Parameter(benchmarkCase, nameof(NetworkBenchmarks<Networks.Mlp>.Batch));
        int threads = Parameter(benchmarkCase, nameof(NetworkBenchmarks<Networks.Mlp>.Threads));
        bool train = benchmarkCase.Descriptor.Categories.Contains(NetworkBenchmarks<Networks.Mlp>.TrainCategory);
        double gflops = (train ? flops.Train : flops.Forward) * batch / statistics.Mean; // FLOPs per nanosecond
        return fractionOfPeak
            ? (100 * gflops / FmaPeak.ForThreads(threads)).ToString("F1", CultureInfo.InvariantCulture)
            : gflops.ToString(gflops < 10 ? "F2" : "F1", CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;

    private static int Parameter(BenchmarkCase benchmarkCase, string name) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is int value ? value : 1;
}

/// <summary>
/// The configuration of the network benchmarks: the default columns, the two throughput columns, and the minimum and
/// maximum repetition, whose gap is the spread that bimodal timings widen.
/// </summary>
internal sealed class NetworkBenchmarkConfig : ManualConfig
{
    public NetworkBenchmarkConfig()
    {
        AddColumn(new ThroughputColumn(fractionOfPeak: false), new ThroughputColumn(fractionOfPeak: true));
        AddColumn(StatisticColumn.Min, StatisticColumn.Max);
        AddColumnProvider(DefaultColumnProviders.Instance);
    }
}
