using System;

namespace Myelin.Training;

/// <summary>
/// Training diverged: a loss or gradient became NaN or infinite, or the loss blew up far above its running minimum
/// (<see cref="FitOptions.Divergence"/>). It is thrown before the optimizer step of the batch that showed it, so that
/// batch changes no weight; <see cref="Trainer.Fit"/> saves nothing and runs no further callback.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for a batch.</summary>
    /// <param name="epoch">The epoch, counting from 1.</param>
    /// <param name="batch">The batch within the epoch, counting from 1.</param>
    /// <param name="what">What went wrong, with the numbers, e.g. "the loss is NaN".</param>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"Training diverged in epoch {epoch}, batch {batch}: {what}. Training stopped before this batch's optimizer step; " +
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
