using System;
using System.ComponentModel;

namespace Myelin;

/// <summary>
/// Argument checks shared by generated networks, so that every network reports bad input the same way: which
/// network, which argument, and the expected and actual numbers. The checks allocate nothing unless they throw.
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

    /// <summary>Throws unless work buffers for <paramref name="batchSize"/> samples fit in arrays.</summary>
    public static void Capacity(string network, int batchSize, int largestPerSample)
    {
        if ((long)batchSize * largestPerSample > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"{network}: a batch capacity of {batchSize} needs a work buffer of {(long)batchSize * largestPerSample:N0} floats, more than an array can hold ({Array.MaxLength:N0}); use a batch of at most {Array.MaxLength / largestPerSample}.");
    }

    /// <summary>Throws unless <paramref name="length"/> is exactly <c>batchSize * sampleSize</c> input floats.</summary>
    public static void Inputs(string network, string argument, int length, int batchSize, int sampleSize)
    {
        if (length != batchSize * sampleSize)
            throw new ArgumentException(
                $"{network}: {argument} has {length} floats, but a batch of {batchSize} needs exactly {batchSize * sampleSize} ({batchSize} x {sampleSize} per sample).", argument);
    }

    /// <summary>Throws unless <paramref name="length"/> is at least <c>batchSize * sampleSize</c> output floats.</summary>
    public static void Outputs(string network, string argument, int length, int batchSize, int sampleSize)
    {
        if (length < batchSize * sampleSize)
            throw new ArgumentException(
                $"{network}: {argument} has room for {length} floats, but a batch of {batchSize} produces {batchSize * sampleSize} ({batchSize} x {sampleSize} per sample).", argument);
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

    /// <summary>Throws unless a layer index is in range.</summary>
    public static void LayerIndex(string network, int layerIndex, int layerCount)
    {
        if ((uint)layerIndex >= (uint)layerCount)
            throw new ArgumentOutOfRangeException(nameof(layerIndex), layerIndex, $"{network}: layer index {layerIndex} is not in [0, {layerCount}).");
    }

    /// <summary>The error for calling the training overload that does not match the declared loss.</summary>
    public static Exception WrongTargetKind(string network, Loss loss, bool gotLabels) => new InvalidOperationException(
        gotLabels
            ? $"{network} is trained with {loss}, which takes float targets, not class-index labels. Call the overload with ReadOnlySpan<float> targets."
            : $"{network} is trained with {loss}, which takes class-index labels, not float targets. Call the overload with ReadOnlySpan<int> labels.");
}
