using System;

namespace Myelin.Training;

/// <summary>
/// Training produced a NaN or infinite loss or gradient. It is thrown before the optimizer step of the bad batch, so
/// the network keeps the weights it had before that batch.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for a batch.</summary>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"Training diverged in epoch {epoch}, batch {batch}: {what}. The weights are those from before this batch; " +
               "try a lower learning rate, gradient clipping (FitOptions.ClipGradientNorm) or normalised inputs.")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The epoch, counting from 1.</summary>
    public int Epoch { get; }

    /// <summary>The batch within the epoch, counting from 1.</summary>
    public int Batch { get; }
}
