using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using Myelin.Data;
using Myelin.Optimizers;

namespace Myelin.Training;

/// <summary>
/// Keras-style training for generated networks: <see cref="Fit"/>, <see cref="Evaluate"/> and <see cref="Predict"/>.
/// </summary>
/// <remarks>
/// Training is deterministic: with the same network seed, data, options and seed, every run produces bit-identical
/// weights on the same machine (everything runs on one thread, in a fixed order). A step (forward, loss, backward,
/// optimizer update) allocates nothing; allocation happens only when an epoch ends (its results) and in callbacks.
/// </remarks>
public static class Trainer
{
    /// <summary>Trains <paramref name="network"/> on <paramref name="train"/>, as Keras's <c>model.fit</c>.</summary>
    /// <returns>The per-epoch metrics and times.</returns>
    /// <remarks>
    /// With <see cref="FitOptions.Communicator"/> set, every rank of the group calls Fit and they train one network
    /// data-parallel; see <see cref="ICommunicator"/> for what each rank does.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// An option is out of range, or the data does not fit the network or would train or validate on nothing (no
    /// samples, or no batch left by <see cref="FitOptions.DropLast"/>), or the data-parallel ranks disagree on the
    /// network, optimizer, data or options (every rank throws). Checked before the first batch.
    /// </exception>
    /// <exception cref="TrainingDivergedException">
    /// A loss or gradient became NaN or infinite, or the loss blew up as <see cref="FitOptions.Divergence"/> defines;
    /// the weights are those from before that batch's optimizer step.
    /// </exception>
    public static History Fit(this ITrainableNetwork network, Dataset train, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        Validate(network, train, options);

        var validation = options.ValidationData;
        if (validation is null && options.ValidationSplit > 0)
        {
            int total = train.Count;
            // Shuffled (seeded by the fit's seed) and, for class labels, stratified: a class-sorted file must never lose
            // whole classes to a tail split, as Keras's positional split would.
            (train, validation) = train.Split(1 - options.ValidationSplit, options.Seed, stratify: train.HasLabels);
            string split = string.Create(CultureInfo.InvariantCulture, $"FitOptions.ValidationSplit {options.ValidationSplit} of {total} samples");
            if (train.Count == 0) throw new ArgumentException($"{split} leaves no training sample; use a smaller split or more data.");
            if (validation.Count == 0) throw new ArgumentException($"{split} holds out no sample; use a larger split or more data.");
        }
        if (validation is not null) CheckCompatible(network, validation, "the validation data");
        if (options.DropLast && train.Count < options.BatchSize)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"FitOptions.BatchSize {options.BatchSize} is larger than the {train.Count} training samples, and DropLast skips the one smaller batch, so no batch would be trained; use a batch size of at most {train.Count} or DropLast = false."));

        var optimizer = options.Optimizer ?? new Adam();
        // An array, not the options' IReadOnlyList: foreach over an interface allocates an enumerator, once per batch.
        var metrics = (options.Metrics ?? DefaultMetrics(network)).ToArray();
        var callbacks = options.Callbacks ?? Array.Empty<Callback>();
        var history = new History();
        var context = new TrainingContext(network, optimizer, history, options.Epochs) { Seed = options.Seed };
        var loader = new DataLoader(train, options.BatchSize, options.Shuffle, options.Seed, options.DropLast, options.Augment);
        var watch = options.Divergence is { } check ? new LossWatch(check) : null;
        network.EnsureBatchCapacity(options.BatchSize);
        context.GlobalStep = (long)options.InitialEpoch * loader.BatchCount;
        // Data-parallel: the ranks agree on the run and start from rank 0's weights and optimizer state; only rank 0
        // runs the callbacks (it logs and writes), and the others follow its decisions (ICommunicator's remarks).
        var parallel = options.Communicator is { } communicator
            ? DataParallel.Start(communicator, network, optimizer, train, validation, options, metrics.Length)
            : null;
        bool runsCallbacks = parallel?.IsRoot ?? true;
        // Dropout masks follow the run's seed and step, not the network's construction seed, so resuming is exact.
        network.RandomState = new NetworkRandomState(parallel?.DropoutSeed(options.Seed) ?? options.Seed, context.GlobalStep);

        if (runsCallbacks) foreach (var callback in callbacks) callback.OnTrainBegin(context);
        bool wasTraining = network.IsTraining;
        try
        {
            for (int epoch = options.InitialEpoch + 1; epoch <= options.Epochs; epoch++)
            {
                double learningRate = optimizer.LearningRate;
                var (trainMetrics, duration, completed) = TrainEpoch(network, loader, epoch, optimizer, metrics, options, context, watch, parallel);
                if (!completed)
                {
                    history.StopReason = "cancelled";
                    break;
                }
                parallel?.AverageBuffers(network);
                var results = new Dictionary<string, double>(trainMetrics);
                if (validation is not null)
                {
                    var evaluation = network.Evaluate(validation, options.BatchSize, metrics);
                    foreach (var (key, value) in evaluation.Metrics) results["val_" + key] = value;
                }
                var result = new EpochResult(epoch, results, learningRate, duration, train.Count / Math.Max(duration.TotalSeconds, 1e-9));
                history.Add(result);

                switch (options.Schedule)
                {
                    case IEpochSchedule schedule:
                        schedule.Step();
                        break;
                    case IMetricSchedule schedule:
                        schedule.Step(result.Metrics.TryGetValue("val_loss", out double monitored) ? monitored : result.Loss);
                        break;
                }
                if (runsCallbacks) foreach (var callback in callbacks) callback.OnEpochEnd(result, context);
                parallel?.FollowCallbacks(context, optimizer);
                if (context.StopTraining)
                {
                    history.StopReason = context.StopReason ?? "stopped by a callback";
                    break;
                }
            }
        }
        finally
        {
            network.IsTraining = wasTraining;
        }
        if (runsCallbacks) foreach (var callback in callbacks) callback.OnTrainEnd(context);
        parallel?.FollowFinalWeights(network);
        return history;
    }

    private static (Dictionary<string, double> Metrics, TimeSpan Duration, bool Completed) TrainEpoch(
        ITrainableNetwork network, DataLoader loader, int epoch, IOptimizer optimizer, IMetric[] metrics,
        FitOptions options, TrainingContext context, LossWatch? watch, DataParallel? parallel)
    {
        network.IsTraining = true;
        foreach (var metric in metrics) metric.Reset();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        int samples = 0;
        int shardSamples = 0;   // this rank's samples, for weighting its metrics; all of them without a communicator
        int outputSize = network.OutputSize;
        int sampleSize = network.InputSize;
        int targetSize = loader.Dataset.TargetSize;
        var activation = network.OutputActivation;
        // Epoch e's order depends only on the seed and e, so a resumed run sees the same batches (epochs count from 0 there).
        foreach (var batch in loader.Epoch(epoch - 1))
        {
            bool cancelled = options.CancellationToken.IsCancellationRequested;
            if (cancelled && parallel is null) return (new Dictionary<string, double>(), clock.Elapsed, false);
            // This rank's part of the global batch: all of it in a single process.
            var (first, count) = parallel?.Shard(batch.Size) ?? (0, batch.Size);
            var inputs = batch.Inputs.Slice(first * sampleSize, count * sampleSize);
            var labels = batch.HasLabels ? batch.Labels.Slice(first, count) : default;
            var targets = batch.HasLabels ? default : batch.Targets.Slice(first * targetSize, count * targetSize);
            float loss = count == 0 ? 0f
                : batch.HasLabels ? network.ForwardBackward(inputs, labels, count)
                : network.ForwardBackward(inputs, targets, count);
            if (parallel is not null)
            {
                // Every rank now holds the gradient and loss of the whole global batch, and knows whether any was cancelled.
                loss = parallel.AverageGradients(network, loss, count, batch.Size, ref cancelled);
                if (cancelled) return (new Dictionary<string, double>(), clock.Elapsed, false);
            }
            if (!float.IsFinite(loss))
                throw new TrainingDivergedException(epoch, batch.Index + 1, $"the loss is {loss}");
            if (watch is not null && watch.Diverged(loss))
                throw new TrainingDivergedException(epoch, batch.Index + 1, watch.Describe());
            if (!GradientClipping.AreGradientsFinite(network))
                throw new TrainingDivergedException(epoch, batch.Index + 1, "a gradient is NaN or infinite");
            if (options.ClipGradientNorm is double maxNorm) GradientClipping.ClipByGlobalNorm(network, maxNorm);
            optimizer.Step(network);
            context.GlobalStep++;

            lossSum += (double)loss * batch.Size;
            samples += batch.Size;
            shardSamples += count;
            if (count > 0)
            {
                var shard = batch.HasLabels ? new BatchTargets(labels) : new BatchTargets(targets);
                foreach (var metric in metrics) metric.Update(network.Outputs, shard, outputSize, activation);
            }
            if (parallel is null || parallel.IsRoot)
            {
                options.Progress?.Report(new BatchProgress(epoch, options.Epochs, batch.Index + 1, loader.BatchCount,
                    lossSum / samples, samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed));
            }
        }
        clock.Stop();
        var results = new Dictionary<string, double> { ["loss"] = lossSum / samples };
        foreach (var metric in metrics) results[metric.Name] = metric.Result();
        parallel?.CombineMetrics(results, metrics, shardSamples);
        return (results, clock.Elapsed, true);
    }

    /// <summary>Loss and metrics of <paramref name="network"/> on <paramref name="data"/> in eval mode, as Keras's <c>model.evaluate</c>.</summary>
    /// <param name="network">The network; its training mode is restored afterwards.</param>
    /// <param name="data">The data to evaluate on.</param>
    /// <param name="batchSize">Samples per forward pass; 0 uses the network's current capacity.</param>
    /// <param name="metrics">Metrics besides the loss; default as in <see cref="FitOptions.Metrics"/>.</param>
    public static Evaluation Evaluate(this ITrainableNetwork network, Dataset data, int batchSize = 0, IReadOnlyList<IMetric>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckCompatible(network, data, "the data");
        if (data.Count == 0) throw new ArgumentException("The data has no samples; Evaluate needs at least one.");
        var used = (metrics ?? DefaultMetrics(network)).ToArray();
        if (batchSize <= 0) batchSize = network.MaxBatchSize;
        network.EnsureBatchCapacity(batchSize);
        foreach (var metric in used) metric.Reset();
        bool wasTraining = network.IsTraining;
        network.IsTraining = false;
        try
        {
            double lossSum = 0;
            var loader = new DataLoader(data, batchSize);
            foreach (var batch in loader.Epoch(0))
            {
                float loss = batch.HasLabels
                    ? network.ComputeLoss(batch.Inputs, batch.Labels, batch.Size)
                    : network.ComputeLoss(batch.Inputs, batch.Targets, batch.Size);
                lossSum += (double)loss * batch.Size;
                var targets = batch.HasLabels ? new BatchTargets(batch.Labels) : new BatchTargets(batch.Targets);
                foreach (var metric in used) metric.Update(network.Outputs, targets, network.OutputSize, network.OutputActivation);
            }
            var results = new Dictionary<string, double> { ["loss"] = lossSum / data.Count };
            foreach (var metric in used) results[metric.Name] = metric.Result();
            return new Evaluation(results);
        }
        finally
        {
            network.IsTraining = wasTraining;
        }
    }

    /// <summary>The outputs for every sample of <paramref name="data"/> in eval mode, <c>Count * OutputSize</c> floats, as Keras's <c>model.predict</c>.</summary>
    public static float[] Predict(this INetwork network, Dataset data, int batchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleSize != network.InputSize)
            throw new ArgumentException($"{network.GetType().Name} takes samples of {network.InputSize} floats, but the data has {data.SampleSize} per sample.", nameof(data));
        if (batchSize <= 0) batchSize = network.MaxBatchSize;
        network.EnsureBatchCapacity(batchSize);
        var outputs = new float[data.Count * network.OutputSize];
        bool wasTraining = network.IsTraining;
        network.IsTraining = false;
        try
        {
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int size = Math.Min(batchSize, data.Count - start);
                network.Forward(data.Features.Slice(start * data.SampleSize, size * data.SampleSize),
                    outputs.AsSpan(start * network.OutputSize, size * network.OutputSize), size);
            }
        }
        finally
        {
            network.IsTraining = wasTraining;
        }
        return outputs;
    }

    private static IReadOnlyList<IMetric> DefaultMetrics(ITrainableNetwork network) => network.Loss switch
    {
        Loss.SoftmaxCrossEntropy => new IMetric[] { new Accuracy() },
        Loss.BinaryCrossEntropy => new IMetric[] { new BinaryAccuracy() },
        _ => new IMetric[] { new MeanAbsoluteError() },
    };

    private static void Validate(ITrainableNetwork network, Dataset train, FitOptions options)
    {
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "FitOptions.Epochs must be at least 1.");
        if (options.InitialEpoch < 0 || options.InitialEpoch >= options.Epochs)
            throw new ArgumentOutOfRangeException(nameof(options), options.InitialEpoch, $"FitOptions.InitialEpoch must be in [0, {options.Epochs}).");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "FitOptions.BatchSize must be at least 1.");
        if (options.ValidationSplit is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, "FitOptions.ValidationSplit must be in [0, 1).");
        if (options.ClipGradientNorm is double clip && !(clip > 0))
            throw new ArgumentOutOfRangeException(nameof(options), clip, "FitOptions.ClipGradientNorm must be positive.");
        if (options.Divergence is { } divergence && !(divergence.Factor > 1))
            throw new ArgumentOutOfRangeException(nameof(options), divergence.Factor, "FitOptions.Divergence.Factor must be greater than 1.");
        if (options.Divergence is { Window: < 1 } window)
            throw new ArgumentOutOfRangeException(nameof(options), window.Window, "FitOptions.Divergence.Window must be at least 1.");
        CheckCompatible(network, train, "the training data");
        if (train.Count == 0) throw new ArgumentException("The training data has no samples; Fit needs at least one.");
        if (options.ValidationData is { Count: 0 })
            throw new ArgumentException("FitOptions.ValidationData has no samples; give at least one, or no validation data.");
    }

    private static void CheckCompatible(ITrainableNetwork network, Dataset data, string what)
    {
        string name = network.GetType().Name;
        if (data.SampleSize != network.InputSize)
            throw new ArgumentException($"{name} takes samples of {network.InputSize} floats ({string.Join("x", network.InputShape)}), but {what} has {data.SampleSize} per sample.");
        bool wantsLabels = network.Loss == Loss.SoftmaxCrossEntropy;
        if (wantsLabels && !data.HasLabels)
            throw new ArgumentException($"{name} is trained with {network.Loss}, which needs class labels, but {what} has float targets.");
        if (!wantsLabels && data.HasLabels)
            throw new ArgumentException($"{name} is trained with {network.Loss}, which needs float targets, but {what} has class labels; use Dataset.ToOneHot() or float targets.");
        if (wantsLabels && data.ClassCount > network.OutputSize)
            throw new ArgumentException($"{name} has {network.OutputSize} outputs, but {what} has {data.ClassCount} classes.");
        if (!wantsLabels && data.TargetSize != network.OutputSize)
            throw new ArgumentException($"{name} has {network.OutputSize} outputs, but {what} has {data.TargetSize} targets per sample.");
    }
}

/// <summary>
/// Applies a <see cref="DivergenceCheck"/> to the batch losses of one <see cref="Trainer.Fit"/> call. Keeps the last
/// <c>Window</c> losses in a ring allocated once, so observing a batch allocates nothing.
/// </summary>
internal sealed class LossWatch(DivergenceCheck check)
{
    private readonly double[] _recent = new double[check.Window];   // [Window] the latest batch losses, a ring
    private int _seen;
    private double _first;      // the first batch's loss: where this run started
    private double _lowest;     // min(first loss, every full-window mean so far)
    private double _mean;       // the latest full-window mean

    /// <summary>Records a finite batch loss; true when the run has diverged.</summary>
    public bool Diverged(float loss)
    {
        if (_seen == 0) _first = _lowest = loss;
        _recent[_seen % _recent.Length] = loss;
        _seen++;
        if (_seen < _recent.Length) return false;

        // Summed afresh each batch (Window is small): a running sum would keep the rounding error of a 1e26 loss.
        double sum = 0;
        foreach (double value in _recent) sum += value;
        _mean = sum / _recent.Length;
        bool diverged = _mean > check.Factor * _lowest && _mean > _first;
        if (!diverged) _lowest = Math.Min(_lowest, _mean);
        return diverged;
    }

    /// <summary>Why <see cref="Diverged"/> returned true, with the numbers.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"the mean loss of the last {_recent.Length} batches is {_mean:g4}, more than {check.Factor:g4} times the lowest loss so far ({_lowest:g4}) and above the first batch's ({_first:g4})");
}

/// <summary>
/// What one rank of a data-parallel <see cref="Trainer.Fit"/> does beyond a single process's fit, over an
/// <see cref="ICommunicator"/>: agree, start alike, shard each batch, average the gradients, combine the metrics and
/// follow rank 0's callbacks. The per-batch work (<see cref="Shard"/>, <see cref="AverageGradients"/>) allocates nothing.
/// </summary>
internal sealed class DataParallel
{
    private readonly ICommunicator _group;
    private readonly double[] _shared = new double[2];    // per batch [loss share, cancellations]; per epoch [stop, lr]
    private readonly double[] _metricSums;                 // [metrics, then samples] this rank's weighted results

    private DataParallel(ICommunicator group, int metricCount)
    {
        _group = group;
        Rank = group.Rank;
        Size = group.Size;
        _metricSums = new double[metricCount + 1];
    }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int Size { get; }

    /// <summary>Whether this is rank 0, which runs the callbacks and whose state the others adopt.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// Checks that every rank runs the same fit, then gives every rank rank 0's parameters, buffers and optimizer state.
    /// Collective: every rank must call it; a disagreement throws the same exception on every rank.
    /// </summary>
    public static DataParallel Start(ICommunicator group, ITrainableNetwork network, IOptimizer optimizer, Dataset train,
        Dataset? validation, FitOptions options, int metricCount)
    {
        if (group.Size < 1 || group.Rank < 0 || group.Rank >= group.Size)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"FitOptions.Communicator reports rank {group.Rank} of {group.Size}; a rank must be in [0, size) and the size at least 1."));
        var parallel = new DataParallel(group, metricCount);
        optimizer.Attach(network);
        var state = optimizer.GetState();
        parallel.CheckAgreement(network, state, train, validation, options);
        if (options.BatchSize < group.Size)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"FitOptions.BatchSize {options.BatchSize} is smaller than the {group.Size} data-parallel ranks, so some rank would never train; the batch size is the global batch, split across the ranks, so use at least {group.Size}."));

        group.Broadcast(network.Parameters, 0);
        group.Broadcast(network.Buffers, 0);
        parallel.AdoptOptimizerState(optimizer, state);
        return parallel;
    }

    /// <summary>
    /// The seed of this rank's dropout masks: the fit's seed on rank 0, a seed mixed with the rank elsewhere, so that
    /// the ranks drop different units of their different samples, and the same ones again when rerun.
    /// </summary>
    public int DropoutSeed(int seed) => IsRoot ? seed : unchecked(seed ^ (int)((uint)Rank * 0x9E3779B9u));

    /// <summary>This rank's contiguous part of a global batch of <paramref name="batchSize"/>: <c>[B r / n, B (r + 1) / n)</c>.</summary>
    public (int First, int Count) Shard(int batchSize)
    {
        int first = (int)((long)batchSize * Rank / Size);
        int end = (int)((long)batchSize * (Rank + 1) / Size);
        return (first, end - first);
    }

    /// <summary>
    /// Turns this rank's gradient of its shard's mean loss into the gradient of the global batch's mean loss on every
    /// rank: <c>g = sum_r (n_r / B) g_r</c>, one in-place sum over the flat gradient buffer. Returns the global batch
    /// loss the same way and sets <paramref name="cancelled"/> when any rank was cancelled.
    /// </summary>
    public float AverageGradients(ITrainableNetwork network, float loss, int count, int batchSize, ref bool cancelled)
    {
        Span<float> gradients = network.Gradients;
        if (count == 0) gradients.Clear();      // a last batch smaller than the ranks leaves this one nothing to add
        else if (count != batchSize) Scale(gradients, (float)count / batchSize);
        _group.AllreduceSum(gradients);

        _shared[0] = count == 0 ? 0 : (double)loss * count / batchSize;
        _shared[1] = cancelled ? 1 : 0;
        _group.AllreduceSum(_shared);
        cancelled = _shared[1] > 0;
        return (float)_shared[0];
    }

    /// <summary>
    /// Replaces this rank's training metrics in <paramref name="results"/> by their means over all ranks, weighted by
    /// each rank's samples: exact for metrics that are means over samples (accuracy, MAE), an approximation otherwise.
    /// </summary>
    public void CombineMetrics(Dictionary<string, double> results, IMetric[] metrics, int samples)
    {
        if (Size == 1) return;
        for (int i = 0; i < metrics.Length; i++)
            _metricSums[i] = samples == 0 ? 0 : results[metrics[i].Name] * samples;
        _metricSums[metrics.Length] = samples;
        _group.AllreduceSum(_metricSums);
        double total = _metricSums[metrics.Length];
        for (int i = 0; i < metrics.Length; i++) results[metrics[i].Name] = _metricSums[i] / total;
    }

    /// <summary>Replaces every rank's batch-norm running statistics (and other buffers) by their mean over the ranks.</summary>
    public void AverageBuffers(ITrainableNetwork network)
    {
        Span<float> buffers = network.Buffers;
        if (Size == 1 || buffers.IsEmpty) return;
        _group.AllreduceSum(buffers);
        Scale(buffers, 1f / Size);
    }

    /// <summary>After rank 0's callbacks: every rank stops if rank 0 stops, and takes rank 0's learning rate.</summary>
    public void FollowCallbacks(TrainingContext context, IOptimizer optimizer)
    {
        _shared[0] = context.StopTraining ? 1 : 0;
        _shared[1] = optimizer.LearningRate;
        _group.Broadcast(_shared, 0);
        if (IsRoot) return;
        if (_shared[0] != 0)
        {
            context.StopTraining = true;
            context.StopReason ??= "stopped by a callback on rank 0";
        }
        optimizer.LearningRate = _shared[1];
    }

    /// <summary>After rank 0's last callbacks (which may restore the best weights): every rank takes rank 0's weights.</summary>
    public void FollowFinalWeights(ITrainableNetwork network)
    {
        _group.Broadcast(network.Parameters, 0);
        _group.Broadcast(network.Buffers, 0);
    }

    /// <summary>Every rank takes rank 0's optimizer state (moments, step counts, learning rate), e.g. one it resumed from.</summary>
    private void AdoptOptimizerState(IOptimizer optimizer, OptimizerState state)
    {
        // The key sets are equal on every rank (CheckAgreement compared the optimizer and the counts); ordinal order
        // makes every rank broadcast them in the same sequence.
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string key in state.Tensors.Keys.Order(StringComparer.Ordinal))
        {
            float[] values = state.Tensors[key];    // GetState hands out copies
            _group.Broadcast(values, 0);
            tensors[key] = values;
        }
        string[] scalarKeys = state.Scalars.Keys.Order(StringComparer.Ordinal).ToArray();
        double[] scalarValues = scalarKeys.Select(key => state.Scalars[key]).ToArray();
        _group.Broadcast(scalarValues, 0);
        if (IsRoot) return;
        var scalars = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < scalarKeys.Length; i++) scalars[scalarKeys[i]] = scalarValues[i];
        optimizer.SetState(new OptimizerState(state.Optimizer, tensors, scalars));
    }

    /// <summary>
    /// Gathers every rank's description of its run (one row each, summed into place) and throws on every rank, naming
    /// the first field and rank that differ from rank 0, before any collective could mismatch or hang.
    /// </summary>
    private void CheckAgreement(ITrainableNetwork network, OptimizerState state, Dataset train, Dataset? validation, FitOptions options)
    {
        (string Name, double Value)[] fields =
        [
            ("network parameters", network.Parameters.Length),
            ("network buffers", network.Buffers.Length),
            ("optimizer", Fingerprint(state.Optimizer)),
            ("optimizer state tensors", state.Tensors.Count),
            ("optimizer state floats", state.Tensors.Values.Sum(t => (double)t.Length)),
            ("optimizer scalars", state.Scalars.Count),
            ("training samples", train.Count),
            ("floats per sample", train.SampleSize),
            ("training data checksum", Checksum(train)),
            ("validation samples", validation?.Count ?? -1),
            ("FitOptions.BatchSize", options.BatchSize),
            ("FitOptions.Epochs", options.Epochs),
            ("FitOptions.InitialEpoch", options.InitialEpoch),
            ("FitOptions.Seed", options.Seed),
            ("FitOptions.Shuffle", options.Shuffle ? 1 : 0),
            ("FitOptions.DropLast", options.DropLast ? 1 : 0),
            ("FitOptions.ClipGradientNorm", options.ClipGradientNorm ?? -1),
        ];
        int width = fields.Length;
        var rows = new double[Size * width];    // [ranks, fields] each rank fills its own row; the sum gathers them
        for (int f = 0; f < width; f++) rows[Rank * width + f] = fields[f].Value;
        _group.AllreduceSum(rows);
        for (int rank = 1; rank < Size; rank++)
        {
            for (int f = 0; f < width; f++)
            {
                double mine = rows[rank * width + f], root = rows[f];
                if (mine.Equals(root)) continue;
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The data-parallel ranks disagree on the {fields[f].Name}: rank {rank} has {mine:R}, rank 0 has {root:R}. Every rank must call Fit with the same network, optimizer, data and options."));
            }
        }
    }

    /// <summary>A position-weighted sum of the features and labels or targets: equal data gives equal sums on every rank.</summary>
    private static double Checksum(Dataset data)
    {
        double sum = 0;
        ReadOnlySpan<float> features = data.Features;
        for (int i = 0; i < features.Length; i++) sum += features[i] * (double)(1 + (i & 7));
        if (data.HasLabels)
        {
            ReadOnlySpan<int> labels = data.Labels;
            for (int i = 0; i < labels.Length; i++) sum += labels[i] * (double)(1 + (i & 7));
        }
        else
        {
            ReadOnlySpan<float> targets = data.Targets;
            for (int i = 0; i < targets.Length; i++) sum += targets[i] * (double)(1 + (i & 7));
        }
        return sum;
    }

    /// <summary>FNV-1a of a name, as a double that compares exactly.</summary>
    private static double Fingerprint(string name)
    {
        uint hash = 2166136261;
        foreach (char c in name) hash = (hash ^ c) * 16777619;
        return hash;
    }

    private static void Scale(Span<float> values, float factor)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (int v = 0; v < vectors.Length; v++) vectors[v] *= factor;
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++) values[i] *= factor;
    }
}

/// <summary>The result of <see cref="Trainer.Evaluate"/>: <c>loss</c> and the metrics by key.</summary>
/// <param name="Metrics">The values by key.</param>
public sealed record Evaluation(IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The mean loss.</summary>
    public double Loss => Metrics["loss"];

    /// <summary>The accuracy, or NaN when no accuracy metric was computed.</summary>
    public double Accuracy => Metrics.TryGetValue("accuracy", out double value) ? value : double.NaN;
}
