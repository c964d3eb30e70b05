namespace Myelin.Checkpoints;

/// <summary>
/// The <c>__metadata__</c> keys Myelin writes into checkpoints. All values are strings, numbers in the invariant
/// culture. Keys other than <see cref="Format"/> are under the <c>myelin.</c> prefix, which is reserved: user metadata
/// may not use it.
/// </summary>
public static class CheckpointMetadata
{
    /// <summary><c>format</c>: always <c>pt</c>, which Hugging Face's loaders check to treat the file as a PyTorch <c>state_dict</c>.</summary>
    public const string Format = "format";

    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string PyTorchFormat = "pt";

    /// <summary>The prefix of every Myelin key.</summary>
    public const string ReservedPrefix = "myelin.";

    /// <summary><c>myelin.network</c>: the full type name of the network that was saved.</summary>
    public const string Network = "myelin.network";

    /// <summary><c>myelin.version</c>: the informational version of the Myelin runtime that wrote the file.</summary>
    public const string Version = "myelin.version";

    /// <summary><c>myelin.checkpoint</c>: a random id shared by a model file and its optimizer file, so a mismatched pair is detected.</summary>
    public const string CheckpointId = "myelin.checkpoint";

    /// <summary><c>myelin.epoch</c>: the number of completed epochs.</summary>
    public const string Epoch = "myelin.epoch";

    /// <summary><c>myelin.global_step</c>: the number of optimizer steps taken.</summary>
    public const string GlobalStep = "myelin.global_step";

    /// <summary><c>myelin.seed</c>: the seed of the run's random streams.</summary>
    public const string Seed = "myelin.seed";

    /// <summary><c>myelin.optimizer</c>: the optimizer's type name (<see cref="Optimizers.OptimizerState.Optimizer"/>), in the optimizer file.</summary>
    public const string Optimizer = "myelin.optimizer";

    /// <summary>
    /// <c>myelin.optimizer.scalar.</c> followed by a scalar's name: one of <see cref="Optimizers.OptimizerState.Scalars"/>, written with
    /// the round-trip format <c>"R"</c> so that reading it back gives the identical double.
    /// </summary>
    public const string OptimizerScalarPrefix = "myelin.optimizer.scalar.";
}
