using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Myelin;
using Myelin.Data;
using Myelin.Distributed;
using Myelin.Optimizers;
using Myelin.Samples.Mnist;
using Myelin.Training;

// myelin-distributed-bench [MODEL...]: run as `mpirun -np 1` and `mpirun -np 2` (docs/distributed.md). For each MNIST
// network it times a data-parallel training step at the app's global batch (strong scaling: the batch is split across
// the ranks) and at the app's batch per rank (weak scaling), in the parts Fit runs them in. Every part is timed on
// every rank; rank 0 prints the slowest rank's medians over the repetitions, with the range of rank 0's repetitions.
var c = CultureInfo.InvariantCulture;
var world = MpiCommunicator.Initialize();
(string Name, Func<ITrainableNetwork> Create, int Batch, int Steps)[] models =
[
    ("mlp", () => new MnistMlp(1), 32, 60),
    ("lenet", () => new LeNet5(1), 32, 40),
    ("cnn", () => new MnistCnn(1), 64, 12),
    ("resnet", () => new MnistResNet(1), 64, 6),
];
const int Repeats = 5;
string[] chosen = args.Length > 0 ? args : models.Select(m => m.Name).ToArray();
var digits = Normalization.Scalar(0.1307f, 0.3081f).Transform(Mnist.SplitBundled(Mnist.LoadBundled()).Train);

if (world.Rank == 0)
{
    Console.WriteLine(string.Create(c, $"{world.Size} rank(s), {world.LibraryVersion}, {Environment.ProcessorCount} core(s) per rank, {Repeats} repetitions; times are medians [min, max] over repetitions, in ms"));
    Console.WriteLine("model   scaling  ranks  batch/rank  step                  forward+backward      allreduce grads      allreduce wait  loss allreduce  optimizer   samples/s");
}
foreach (var model in models.Where(m => chosen.Contains(m.Name)))
{
    foreach (bool weak in world.Size == 1 ? [false] : new[] { false, true })
    {
        int global = weak ? model.Batch * world.Size : model.Batch;
        var timings = Measure(model.Create(), global, model.Steps);
        if (world.Rank != 0) continue;
        int perRank = global / world.Size;
        Console.WriteLine(string.Create(c,
            $"{model.Name,-7} {(weak ? "weak" : "strong"),-7}  {world.Size,5}  {perRank,10}  {timings.Step,-20}  {timings.Compute,-20}  {timings.Gradients,-19}  {timings.Wait,-14}  {timings.Loss,-14}  {timings.Optimizer,-10}  {global / (timings.StepMedian / 1000):N0}"));
    }
}
if (world.Rank == 0)
{
    Console.WriteLine();
    Console.WriteLine("Fit, end to end (no validation): epochs after the first; median [min, max] epoch time in s, samples/s of the median");
}
foreach (var model in models.Where(m => chosen.Contains(m.Name)))
{
    // The slower networks train on the first 1,024 digits only, so that an epoch stays short.
    var data = model.Steps >= 40 ? digits : digits.Slice(0, 1024);
    var network = model.Create();
    var history = network.Fit(data, new FitOptions { Epochs = 1 + Repeats, BatchSize = model.Batch, Optimizer = new Adam(1e-3), Seed = 1, Communicator = world });
    var seconds = history.Epochs.Skip(1).Select(e => e.Duration.TotalSeconds).ToList();
    double median = Slowest(Median(seconds));
    if (world.Rank == 0)
        Console.WriteLine(string.Create(c, $"{model.Name,-7} batch {model.Batch,3} over {world.Size} rank(s), {data.Count,5} digits: {median:0.000} [{seconds.Min():0.000}, {seconds.Max():0.000}] s  {data.Count / median:N0} samples/s"));
}
if (world.Rank == 0) Console.WriteLine();
if (world.Size > 1) AllreduceSizes();
world.Shutdown();
return 0;

// One repetition: `steps` steps as Fit runs them (forward and backward on this rank's shard, the gradient allreduce, the
// loss allreduce, the optimizer), after 3 warm-up steps. "allreduce grads" is the gradient allreduce right after a
// barrier, so it is the communication alone; "allreduce wait" is how long the barrier held this rank for the slower one.
Timings Measure(ITrainableNetwork network, int global, int steps)
{
    int share = global / world.Size;
    int first = share * world.Rank;
    network.EnsureBatchCapacity(share);
    var optimizer = new Adam(1e-3);
    var loss = new double[2];
    var samples = new Dictionary<string, List<double>>();
    void Add(string key, double value) => (samples.TryGetValue(key, out var list) ? list : samples[key] = []).Add(value);

    for (int repeat = -1; repeat < Repeats; repeat++)
    {
        double compute = 0, gradients = 0, wait = 0, lossTime = 0, step = 0, update = 0;
        int count = repeat < 0 ? 3 : steps;
        for (int s = 0; s < count; s++)
        {
            // Consecutive global batches of the digits; this rank's contiguous share of each.
            int start = (s * global + first) % (digits.Count - global);
            var inputs = digits.Features.Slice(start * digits.SampleSize, share * digits.SampleSize);
            var labels = digits.Labels.Slice(start, share);
            long t0 = Stopwatch.GetTimestamp();
            float value = network.ForwardBackward(inputs, labels, share);
            long t1 = Stopwatch.GetTimestamp();
            world.Barrier();
            long t2 = Stopwatch.GetTimestamp();
            world.AllreduceSum(network.Gradients);
            long t3 = Stopwatch.GetTimestamp();
            loss[0] = value;
            world.AllreduceSum(loss);
            long t4 = Stopwatch.GetTimestamp();
            optimizer.Step(network);
            long t5 = Stopwatch.GetTimestamp();
            compute += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            wait += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            gradients += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
            lossTime += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
            update += Stopwatch.GetElapsedTime(t4, t5).TotalMilliseconds;
            step += Stopwatch.GetElapsedTime(t0, t5).TotalMilliseconds - Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        }
        if (repeat < 0) continue;
        Add("step", step / steps);
        Add("compute", compute / steps);
        Add("gradients", gradients / steps);
        Add("wait", wait / steps);
        Add("loss", lossTime / steps);
        Add("update", update / steps);
    }
    // The slowest rank sets the pace: take every part's median on each rank, then the largest over the ranks.
    var medians = samples.ToDictionary(p => p.Key, p => Slowest(Median(p.Value)));
    string Spread(string key) => string.Create(c, $"{medians[key]:0.000} [{samples[key].Min():0.000}, {samples[key].Max():0.000}]");
    return new Timings(
        Spread("step"), medians["step"], Spread("compute"), Spread("gradients"),
        string.Create(c, $"{medians["wait"]:0.000}"), string.Create(c, $"{medians["loss"]:0.000}"), string.Create(c, $"{medians["update"]:0.000}"));
}

// The allreduce alone, for each network's gradient size: 200 calls after a barrier, 5 times.
void AllreduceSizes()
{
    if (world.Rank == 0) Console.WriteLine("allreduce of N floats (after a barrier): median [min, max] of 5 x 200 calls, in microseconds");
    foreach (var (name, size) in new[] { ("lenet", LeNet5.ParameterCount), ("resnet", MnistResNet.ParameterCount), ("cnn", MnistCnn.ParameterCount), ("mlp", MnistMlp.ParameterCount), ("1M", 1 << 20) })
    {
        var values = new float[size];
        var times = new List<double>();
        for (int repeat = -1; repeat < Repeats; repeat++)
        {
            world.Barrier();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 200; i++) world.AllreduceSum(values);
            if (repeat >= 0) times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / 200);
        }
        double median = Slowest(Median(times));
        if (world.Rank == 0)
            Console.WriteLine(string.Create(c, $"{name,-7} {size,9:N0} floats  {median,8:0.0} [{times.Min():0.0}, {times.Max():0.0}]  {size * 4.0 / median / 1e3:0.00} GB/s"));
    }
}

double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

// The largest value over the ranks: a sum of every rank's value in its own slot.
double Slowest(double value)
{
    var slots = new double[world.Size];
    slots[world.Rank] = value;
    world.AllreduceSum(slots);
    return slots.Max();
}

/// <summary>One model's timings, formatted, and the step's median for the throughput.</summary>
internal sealed record Timings(string Step, double StepMedian, string Compute, string Gradients, string Wait, string Loss, string Optimizer);
