using System;
using System.ComponentModel;

namespace Myelin;

/// <summary>
/// Argument checks shared by generated networks, so that every network reports bad input the same way: which
/// network, which argument, and the expected and actual numbers.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkGuard
{
    /// <summary>Throws unless <paramref name="batchSize"/> is between 1 and <paramref name="maxBatchSize"/>.</summary>
    public static void BatchSize(string network, int batchSize, int maxBatchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{network}: the batch size must be at least 1, but was {batchSize}.");
        if (batchSize > maxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"{network}: a batch of {batchSize} exceeds MaxBatchSize {maxBatchSize}. Call EnsureBatchCapacity({batchSize}) once, construct the network with maxBatchSize: {batchSize}, or split the batch.");
    }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void ExactLength(string network, string argument, int actual, int expected, string what)
    {
        if (actual != expected)
            throw new ArgumentException($"{network}: {argument} has {actual} floats, but {what} needs exactly {expected}.", argument);
    }

    /// <summary>Throws unless <paramref name="actual"/> is at least <paramref name="expected"/>.</summary>
    public static void MinimumLength(string network, string argument, int actual, int expected, string what)
    {
        if (actual < expected)
            throw new ArgumentException($"{network}: {argument} has {actual} floats, but {what} needs at least {expected}.", argument);
    }

    /// <summary>Throws unless there is one label per sample and every label is a class index in [0, <paramref name="classes"/>).</summary>
    public static void Labels(string network, ReadOnlySpan<int> labels, int batchSize, int classes)
    {
        if (labels.Length != batchSize)
            throw new ArgumentException($"{network}: labels has {labels.Length} entries, but a batch of {batchSize} needs exactly {batchSize}.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i],
                    $"{network}: label {labels[i]} at batch index {i} is not a class index in [0, {classes}).");
        }
    }

    /// <summary>Throws the error for calling the training overload that does not match the declared loss.</summary>
    public static Exception WrongTargetKind(string network, Loss loss, bool gotLabels) => new InvalidOperationException(
        gotLabels
            ? $"{network} is trained with {loss}, which takes float targets, not class-index labels. Call the overload with ReadOnlySpan<float> targets."
            : $"{network} is trained with {loss}, which takes class-index labels, not float targets. Call the overload with ReadOnlySpan<int> labels.");
}
