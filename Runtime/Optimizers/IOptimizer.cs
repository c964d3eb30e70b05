using System.Collections.Generic;

namespace Myelin.Optimizers;

/// <summary>
/// Updates a network's <see cref="INetwork.Parameters"/> from its <see cref="ITrainableNetwork.Gradients"/>, as a
/// <c>torch.optim</c> optimizer's <c>step()</c> does. Tensors of frozen layers are skipped entirely (no update, no
/// weight decay, no step count), as PyTorch skips parameters whose gradient is <c>None</c>.
/// </summary>
public interface IOptimizer
{
    /// <summary>The current learning rate. Schedules change it between steps.</summary>
    double LearningRate { get; set; }

    /// <summary>Applies one update. Allocates nothing after the first call for a given network.</summary>
    void Step(ITrainableNetwork network);

    /// <summary>
    /// Binds to <paramref name="network"/>'s parameter table and allocates the state, as the first <see cref="Step"/>
    /// does, so that a following <see cref="SetState"/> is checked against the network at once.
    /// </summary>
    void Attach(ITrainableNetwork network);

    /// <summary>A copy of the optimizer's state (moments, step counts), for checkpoints.</summary>
    OptimizerState GetState();

    /// <summary>Restores state from <see cref="GetState"/>; throws naming the entry when it does not fit this optimizer.</summary>
    void SetState(OptimizerState state);
}

/// <summary>
/// An optimizer's state as named tensors and scalars. Tensor names are the parameter's name and PyTorch's state key,
/// e.g. <c>dense1.weight.exp_avg</c>; scalars include each tensor's <c>{name}.step</c> and the hyperparameters.
/// </summary>
/// <param name="Optimizer">The optimizer's type name, e.g. <c>Adam</c>.</param>
/// <param name="Tensors">Per-parameter state tensors.</param>
/// <param name="Scalars">Step counts and hyperparameters.</param>
public sealed record OptimizerState(string Optimizer, IReadOnlyDictionary<string, float[]> Tensors, IReadOnlyDictionary<string, double> Scalars);
