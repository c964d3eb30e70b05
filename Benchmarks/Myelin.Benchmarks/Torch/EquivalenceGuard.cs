using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Myelin.Benchmarks.Torch;

/// <summary>
/// Proves, before anything is timed, that the Myelin network and its TorchSharp twin compute the same function from the
/// same weights: the logits, the loss and every parameter gradient of one batch must agree. Otherwise a ratio would
/// compare two different amounts of work.
/// </summary>
internal static class EquivalenceGuard
{
    /// <summary>
    /// The tolerance on each value: <c>|myelin - torch| &lt;= 1e-4 * (1 + |torch|)</c>. Float32 sums of up to 784 products
    /// in a different order differ by about 1e-6 relative; a wrong layout or a missing bias differs by far more.
    /// </summary>
    public const double Tolerance = 1e-4;

    /// <summary>Throws when the two networks disagree, naming the quantity, the index and both values.</summary>
    /// <param name="network">The Myelin network, untouched by training so far.</param>
    /// <param name="twin">Its TorchSharp twin, built from its weights.</param>
    /// <param name="inputs">The twin's batch: <c>twin.BatchSize</c> samples.</param>
    /// <param name="labels">The twin's labels.</param>
    public static void Check(ITrainableNetwork network, TorchTwin twin, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int batch = twin.BatchSize;
        string name = network.GetType().Name;

        // Logits, forward only, in eval mode on both sides (batch norm on its running statistics, still the initial ones).
        var myelinLogits = new float[batch * network.OutputSize];
        var torchLogits = new float[batch * network.OutputSize];
        network.IsTraining = false;
        network.Forward(inputs[..(batch * network.InputSize)], myelinLogits, batch);
        network.IsTraining = true;
        twin.Infer(torchLogits);
        Compare(name, "logits", myelinLogits, torchLogits);

        // Loss and gradients of one backward pass, in training mode on both sides (batch norm on the batch's statistics).
        float myelinLoss = network.ForwardBackward(inputs[..(batch * network.InputSize)], labels[..batch], batch);
        float torchLoss = twin.ForwardBackward();
        Compare(name, "loss", [myelinLoss], [torchLoss]);
        foreach ((string parameterName, TorchSharp.Modules.Parameter parameter) in twin.Model.named_parameters())
        {
            TensorInfo info = network.Tensors.Single(t => t.Name == parameterName);
            using Tensor gradient = parameter.grad ?? throw new InvalidOperationException($"{name}: TorchSharp left no gradient for '{parameterName}'.");
            float[] torchGradient = gradient.data<float>().ToArray();
            Compare(name, parameterName + ".grad", network.Gradients.Slice(info.Offset, info.Length), torchGradient);
        }
        twin.ZeroGradients();
    }

    /// <summary>Throws when two arrays differ by more than <see cref="Tolerance"/>, naming the network, the quantity and the index.</summary>
    internal static void Compare(string network, string what, ReadOnlySpan<float> myelin, ReadOnlySpan<float> torch)
    {
        if (myelin.Length != torch.Length)
            throw new InvalidOperationException($"{network}: {what} has {myelin.Length} values in Myelin but {torch.Length} in TorchSharp.");
        for (int i = 0; i < myelin.Length; i++)
        {
            double difference = Math.Abs((double)myelin[i] - torch[i]);
            if (!(difference <= Tolerance * (1 + Math.Abs((double)torch[i]))))
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{network}: Myelin and TorchSharp disagree on {what}[{i}]: {myelin[i]:R} against {torch[i]:R} (difference {difference:G3}, tolerance {Tolerance} * (1 + |torch|)). The benchmark would compare different networks."));
        }
    }
}
