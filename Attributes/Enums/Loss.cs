namespace Myelin;

/// <summary>The training loss of a network. Reductions follow PyTorch: the mean over the batch (and over outputs for element-wise losses).</summary>
public enum Loss
{
    /// <summary>No loss: the network is for inference only and gets no training step.</summary>
    None = 0,

    /// <summary>
    /// Softmax cross-entropy on class-index labels, as PyTorch's <c>nn.CrossEntropyLoss</c>:
    /// <c>L = mean_b( logsumexp(z_b) - z_b[label_b] )</c>. The network's last layer yields logits, or ends in a
    /// <see cref="Activation.Softmax"/> that the loss absorbs (Keras style).
    /// </summary>
    SoftmaxCrossEntropy = 1,

    /// <summary>
    /// Binary cross-entropy from logits on float targets in [0, 1], as PyTorch's <c>nn.BCEWithLogitsLoss</c>:
    /// <c>L = mean( max(z, 0) - z*t + log(1 + exp(-|z|)) )</c> over every output of every sample. A trailing
    /// <see cref="Activation.Sigmoid"/> is absorbed by the loss.
    /// </summary>
    BinaryCrossEntropy = 2,

    /// <summary>Mean squared error on float targets, as PyTorch's <c>nn.MSELoss</c>: <c>L = mean((y - t)^2)</c> over every output of every sample.</summary>
    MeanSquaredError = 3,
}
