using System;

namespace Myelin;

/// <summary>
/// A generated network with a loss: it computes the loss and, with one fused backward pass, the gradient of every
/// parameter. Optimizers then update <see cref="INetwork.Parameters"/> from <see cref="Gradients"/>.
/// </summary>
public interface ITrainableNetwork : INetwork
{
    /// <summary>The loss the network was declared with.</summary>
    Loss Loss { get; }

    /// <summary>The gradient of the last <c>ForwardBackward</c>'s loss for each parameter, laid out as <see cref="INetwork.Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>The outputs of the last forward pass of any kind, <c>batchSize * OutputSize</c> floats.</summary>
    ReadOnlySpan<float> Outputs { get; }

    /// <summary>
    /// The activation the outputs have been through: <see cref="Activation.Softmax"/> or <see cref="Activation.Sigmoid"/>
    /// when the network ends in one (the outputs are probabilities), <see cref="Activation.None"/> when they are logits or
    /// raw values. Metrics use it to threshold binary outputs at the right place.
    /// </summary>
    Activation OutputActivation => Activation.None;

    /// <summary>Whether the layer at <paramref name="layerIndex"/> (in <see cref="INetwork.Layers"/>) is trained. Frozen layers get no gradient and no update.</summary>
    bool IsTrainable(int layerIndex);

    /// <summary>Freezes or unfreezes the layer at <paramref name="layerIndex"/>. The backward pass skips the weight gradients of frozen layers.</summary>
    void SetTrainable(int layerIndex, bool trainable);

    /// <summary>
    /// Forward, loss and fused backward for a batch with class-index labels (<see cref="Loss.SoftmaxCrossEntropy"/>).
    /// Overwrites <see cref="Gradients"/> with the gradient of the batch-mean loss, as PyTorch's <c>zero_grad</c> then <c>backward</c>.
    /// </summary>
    /// <returns>The mean loss over the batch.</returns>
    float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize);

    /// <summary>
    /// Forward, loss and fused backward for a batch with float targets (<see cref="Loss.MeanSquaredError"/>,
    /// <see cref="Loss.BinaryCrossEntropy"/>), <c>batchSize * OutputSize</c> of them.
    /// </summary>
    /// <returns>The mean loss.</returns>
    float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);

    /// <summary>
    /// <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, int)"/> that also writes the gradient of the
    /// loss with respect to the inputs, dLoss/dinputs, into <paramref name="inputGradient"/>: for saliency maps,
    /// adversarial examples, or a network chained after other differentiable code. Without this overload no
    /// input gradient is computed at all.
    /// </summary>
    /// <param name="inputs">Exactly <c>batchSize * InputSize</c> floats.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="batchSize">Between 1 and <see cref="INetwork.MaxBatchSize"/>.</param>
    /// <param name="inputGradient">At least <c>batchSize * InputSize</c> floats; receives dLoss/dinputs.</param>
    /// <returns>The mean loss.</returns>
    float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize, Span<float> inputGradient) =>
        throw new NotSupportedException($"{GetType().Name} does not compute input gradients; generated networks do.");

    /// <summary>
    /// <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> that also writes dLoss/dinputs into
    /// <paramref name="inputGradient"/>.
    /// </summary>
    /// <param name="inputs">Exactly <c>batchSize * InputSize</c> floats.</param>
    /// <param name="targets"><c>batchSize * OutputSize</c> float targets.</param>
    /// <param name="batchSize">Between 1 and <see cref="INetwork.MaxBatchSize"/>.</param>
    /// <param name="inputGradient">At least <c>batchSize * InputSize</c> floats; receives dLoss/dinputs.</param>
    /// <returns>The mean loss.</returns>
    float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> inputGradient) =>
        throw new NotSupportedException($"{GetType().Name} does not compute input gradients; generated networks do.");

    /// <summary>Forward and loss with class-index labels, with no backward pass and no change to <see cref="Gradients"/>.</summary>
    float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize);

    /// <summary>Forward and loss with float targets, with no backward pass and no change to <see cref="Gradients"/>.</summary>
    float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);
}
