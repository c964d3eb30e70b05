using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
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
    /// <exception cref="ArgumentException">
    /// An option is out of range, or the data does not fit the network or would train or validate on nothing (no
    /// samples, or no batch left by <see cref="FitOptions.DropLast"/>). Checked before the first batch.
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
        // Dropout masks follow the run's seed and step, not the network's construction seed, so resuming is exact.
        network.RandomState = new NetworkRandomState(options.Seed, context.GlobalStep);

        foreach (var callback in callbacks) callback.OnTrainBegin(context);
        bool wasTraining = network.IsTraining;
        try
        {
            for (int epoch = options.InitialEpoch + 1; epoch <= options.Epochs; epoch++)
            {
                double learningRate = optimizer.LearningRate;
                var (trainMetrics, duration, completed) = TrainEpoch(network, loader, epoch, optimizer, metrics, options, context, watch);
                if (!completed)
                {
                    history.StopReason = "cancelled";
                    break;
                }
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
                foreach (var callback in callbacks) callback.OnEpochEnd(result, context);
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
        foreach (var callback in callbacks) callback.OnTrainEnd(context);
        return history;
    }

    private static (Dictionary<string, double> Metrics, TimeSpan Duration, bool Completed) TrainEpoch(
        ITrainableNetwork network, DataLoader loader, int epoch, IOptimizer optimizer, IMetric[] metrics,
        FitOptions options, TrainingContext context, LossWatch? watch)
    {
        network.IsTraining = true;
        foreach (var metric in metrics) metric.Reset();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        int samples = 0;
        int outputSize = network.OutputSize;
        var activation = network.OutputActivation;
        // Epoch e's order depends only on the seed and e, so a resumed run sees the same batches (epochs count from 0 there).
        foreach (var batch in loader.Epoch(epoch - 1))
        {
            if (options.CancellationToken.IsCancellationRequested) return (new Dictionary<string, double>(), clock.Elapsed, false);
            float loss = batch.HasLabels
                ? network.ForwardBackward(batch.Inputs, batch.Labels, batch.Size)
                : network.ForwardBackward(batch.Inputs, batch.Targets, batch.Size);
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
            var targets = batch.HasLabels ? new BatchTargets(batch.Labels) : new BatchTargets(batch.Targets);
            foreach (var metric in metrics) metric.Update(network.Outputs, targets, outputSize, activation);
            options.Progress?.Report(new BatchProgress(epoch, options.Epochs, batch.Index + 1, loader.BatchCount,
                lossSum / samples, samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed));
        }
        clock.Stop();
        var results = new Dictionary<string, double> { ["loss"] = lossSum / samples };
        foreach (var metric in metrics) results[metric.Name] = metric.Result();
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

/// <summary>The result of <see cref="Trainer.Evaluate"/>: <c>loss</c> and the metrics by key.</summary>
/// <param name="Metrics">The values by key.</param>
public sealed record Evaluation(IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The mean loss.</summary>
    public double Loss => Metrics["loss"];

    /// <summary>The accuracy, or NaN when no accuracy metric was computed.</summary>
    public double Accuracy => Metrics.TryGetValue("accuracy", out double value) ? value : double.NaN;
}
