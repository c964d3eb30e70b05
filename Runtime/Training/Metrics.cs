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
