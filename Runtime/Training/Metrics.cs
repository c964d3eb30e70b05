using System;

namespace Myelin.Training;

/// <summary>
/// A metric accumulated over the batches of an epoch, as Keras's metrics: <see cref="Reset"/>, then
/// <see cref="Update"/> once per batch, then <see cref="Result"/>. Implementations allocate nothing in
/// <see cref="Update"/>, so that a training step stays allocation-free.
/// </summary>
public interface IMetric
{
    /// <summary>The key in <see cref="EpochResult.Metrics"/>, e.g. <c>accuracy</c>; validation values get a <c>val_</c> prefix.</summary>
    string Name { get; }

    /// <summary>Whether a larger value is better (accuracy) or a smaller one (errors).</summary>
    bool HigherIsBetter { get; }

    /// <summary>Starts a new accumulation.</summary>
    void Reset();

    /// <summary>Adds one batch.</summary>
    /// <param name="outputs">The network's outputs, <c>batch * outputSize</c>.</param>
    /// <param name="batch">The batch, with labels or targets.</param>
    /// <param name="outputSize">Floats per output sample.</param>
    /// <param name="outputActivation">What the outputs have been through (see <see cref="ITrainableNetwork.OutputActivation"/>).</param>
    void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation);

    /// <summary>The value over everything since <see cref="Reset"/>.</summary>
    double Result();
}

/// <summary>The labels or targets of a batch, for metrics.</summary>
public readonly ref struct BatchTargets
{
    /// <summary>Wraps class-index labels.</summary>
    public BatchTargets(ReadOnlySpan<int> labels)
    {
        Labels = labels;
        Targets = default;
        HasLabels = true;
    }

    /// <summary>Wraps float targets.</summary>
    public BatchTargets(ReadOnlySpan<float> targets)
    {
        Labels = default;
        Targets = targets;
        HasLabels = false;
    }

    /// <summary>Class indices, one per sample, when <see cref="HasLabels"/>.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Float targets, <c>batch * outputSize</c>, when not <see cref="HasLabels"/>.</summary>
    public ReadOnlySpan<float> Targets { get; }

    /// <summary>Whether the batch has class labels.</summary>
    public bool HasLabels { get; }
}

/// <summary>The fraction of samples whose largest output is the label (categorical accuracy).</summary>
public sealed class Accuracy : IMetric
{
    private long _correct;
    private long _count;

    /// <inheritdoc />
    public string Name => "accuracy";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Reset() => (_correct, _count) = (0, 0);

    /// <inheritdoc />
    public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
    {
        if (!batch.HasLabels) throw new InvalidOperationException("accuracy needs class labels; use BinaryAccuracy for float targets.");
        for (int b = 0; b < batch.Labels.Length; b++)
        {
            if (ArgMax(outputs.Slice(b * outputSize, outputSize)) == batch.Labels[b]) _correct++;
        }
        _count += batch.Labels.Length;
    }

    /// <inheritdoc />
    public double Result() => _count == 0 ? double.NaN : (double)_correct / _count;

    /// <summary>The index of the largest value; the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values) => Kernels.ActivationKernels.ArgMax(values);
}

/// <summary>The fraction of samples whose label is among the <c>k</c> largest outputs (Keras's <c>top_k_categorical_accuracy</c>).</summary>
public sealed class TopKAccuracy : IMetric
{
    private readonly int _k;
    private long _correct;
    private long _count;

    /// <summary>Creates a top-k accuracy.</summary>
    /// <param name="k">How many of the largest outputs count as a hit.</param>
    public TopKAccuracy(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _k = k;
    }

    /// <inheritdoc />
    public string Name => $"top{_k}_accuracy";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Reset() => (_correct, _count) = (0, 0);

    /// <inheritdoc />
    public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
    {
        if (!batch.HasLabels) throw new InvalidOperationException($"{Name} needs class labels.");
        for (int b = 0; b < batch.Labels.Length; b++)
        {
            var row = outputs.Slice(b * outputSize, outputSize);
            float labelScore = row[batch.Labels[b]];
            // The label is in the top k when fewer than k outputs beat it (ties count in the label's favour).
            int better = 0;
            foreach (float value in row) if (value > labelScore) better++;
            if (better < _k) _correct++;
        }
        _count += batch.Labels.Length;
    }

    /// <inheritdoc />
    public double Result() => _count == 0 ? double.NaN : (double)_correct / _count;
}

/// <summary>
/// The fraction of binary outputs on the right side of the decision threshold (Keras's <c>binary_accuracy</c>):
/// probability 0.5, or logit 0 when the outputs are logits. Targets are rounded at 0.5.
/// </summary>
public sealed class BinaryAccuracy : IMetric
{
    private long _correct;
    private long _count;

    /// <inheritdoc />
    public string Name => "accuracy";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Reset() => (_correct, _count) = (0, 0);

    /// <inheritdoc />
    public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
    {
        if (batch.HasLabels) throw new InvalidOperationException("binary accuracy needs float targets.");
        float threshold = outputActivation == Activation.Sigmoid ? 0.5f : 0f;
        var targets = batch.Targets;
        for (int i = 0; i < targets.Length; i++)
        {
            if ((outputs[i] > threshold) == (targets[i] >= 0.5f)) _correct++;
        }
        _count += targets.Length;
    }

    /// <inheritdoc />
    public double Result() => _count == 0 ? double.NaN : (double)_correct / _count;
}

/// <summary>The mean absolute difference between outputs and float targets.</summary>
public sealed class MeanAbsoluteError : IMetric
{
    private double _sum;
    private long _count;

    /// <inheritdoc />
    public string Name => "mae";

    /// <inheritdoc />
    public bool HigherIsBetter => false;

    /// <inheritdoc />
    public void Reset() => (_sum, _count) = (0, 0);

    /// <inheritdoc />
    public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
    {
        if (batch.HasLabels) throw new InvalidOperationException("mae needs float targets.");
        var targets = batch.Targets;
        for (int i = 0; i < targets.Length; i++) _sum += Math.Abs(outputs[i] - targets[i]);
        _count += targets.Length;
    }

    /// <inheritdoc />
    public double Result() => _count == 0 ? double.NaN : _sum / _count;
}

/// <summary>The root of the mean squared difference between outputs and float targets (Keras's <c>RootMeanSquaredError</c>).</summary>
public sealed class RootMeanSquaredError : IMetric
{
    private double _sum;
    private long _count;

    /// <inheritdoc />
    public string Name => "rmse";

    /// <inheritdoc />
    public bool HigherIsBetter => false;

    /// <inheritdoc />
    public void Reset() => (_sum, _count) = (0, 0);

    /// <inheritdoc />
    public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
    {
        if (batch.HasLabels) throw new InvalidOperationException("rmse needs float targets.");
        var targets = batch.Targets;
        for (int i = 0; i < targets.Length; i++)
        {
            double d = (double)outputs[i] - targets[i];
            _sum += d * d;
        }
        _count += targets.Length;
    }

    /// <inheritdoc />
    public double Result() => _count == 0 ? double.NaN : Math.Sqrt(_sum / _count);
}

/// <summary>
/// The coefficient of determination, <c>R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)²</c>, per output and averaged over outputs
/// (scikit-learn's <c>r2_score</c> with <c>multioutput='uniform_average'</c>). A constant target column scores 1 when
/// predicted exactly and 0 otherwise, as scikit-learn's <c>force_finite</c>. Accumulated in double, with the target
/// mean and its squared deviations updated per sample (Welford), so one pass over the batches suffices.
/// </summary>
public sealed class RSquared : IMetric
{
    private long _count;
    private double[] _mean = [];     // [outputs] running mean of the targets
    private double[] _deviation = []; // [outputs] Σ (y - ȳ)², by Welford's update
    private double[] _residual = [];  // [outputs] Σ (y - ŷ)²

    /// <inheritdoc />
    public string Name => "r2";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Reset()
    {
        _count = 0;
        Array.Clear(_mean);
        Array.Clear(_deviation);
        Array.Clear(_residual);
    }

    /// <inheritdoc />
    public void Update(ReadOnlySpan<float> outputs, in BatchTargets batch, int outputSize, Activation outputActivation)
    {
        if (batch.HasLabels) throw new InvalidOperationException("r2 needs float targets.");
        if (_mean.Length != outputSize)
        {
            if (_count > 0) throw new InvalidOperationException($"r2 was accumulating {_mean.Length} outputs per sample and now got {outputSize}; call Reset first.");
            // Sized on the first batch only; later epochs reuse the arrays, so training steps stay allocation-free.
            (_mean, _deviation, _residual) = (new double[outputSize], new double[outputSize], new double[outputSize]);
        }
        var targets = batch.Targets;
        for (int start = 0; start < targets.Length; start += outputSize)
        {
            _count++;
            for (int j = 0; j < outputSize; j++)
            {
                double y = targets[start + j];
                double delta = y - _mean[j];
                _mean[j] += delta / _count;
                _deviation[j] += delta * (y - _mean[j]);
                double r = y - outputs[start + j];
                _residual[j] += r * r;
            }
        }
    }

    /// <inheritdoc />
    public double Result()
    {
        if (_count == 0) return double.NaN;
        double sum = 0;
        for (int j = 0; j < _mean.Length; j++)
        {
            sum += _deviation[j] > 0 ? 1.0 - _residual[j] / _deviation[j] : _residual[j] == 0 ? 1.0 : 0.0;
        }
        return sum / _mean.Length;
    }
}
