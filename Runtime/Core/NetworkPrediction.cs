using System;
using Myelin.Data;
using Myelin.Kernels;

namespace Myelin;

/// <summary>
/// Batch predictions for classifiers, as scikit-learn's <c>predict</c> and <c>predict_proba</c>: the class of every
/// sample and the probability of every class. Both run in eval mode (restored afterwards), in chunks of the network's
/// <see cref="INetwork.MaxBatchSize"/>.
/// </summary>
/// <remarks>
/// <para>
/// How outputs become classes: a network with one output is a binary classifier; its probability of class 1 is the
/// output if the network ends in a sigmoid, otherwise the sigmoid of the output (a logit, as
/// <see cref="Loss.BinaryCrossEntropy"/> trains it), and the class is 1 when that probability is above 0.5 (a logit
/// above 0). A network with several outputs is a softmax classifier; the probabilities are the outputs if the network
/// ends in a softmax, otherwise their softmax, and the class is the largest output.
/// </para>
/// <para>
/// Only an <see cref="ITrainableNetwork"/> tells its final activation and loss; for a plain <see cref="INetwork"/> the
/// outputs are taken as logits. A regression network (<see cref="Loss.MeanSquaredError"/>) and a multi-label one
/// (binary cross-entropy with several outputs) have no single class and are refused.
/// </para>
/// </remarks>
public static class NetworkPrediction
{
    /// <summary>The number of classes a classifier distinguishes: its output count, or 2 for a single output.</summary>
    public static int ClassCount(this INetwork network)
    {
        CheckClassifier(network);
        return network.OutputSize == 1 ? 2 : network.OutputSize;
    }

    /// <summary>The predicted class of every sample of <paramref name="data"/>.</summary>
    public static int[] PredictClass(this INetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var classes = new int[data.Count];
        network.PredictClass(data.Features, classes);
        return classes;
    }

    /// <summary>The predicted class of every sample of <paramref name="inputs"/> (<c>n * InputSize</c> floats) into <paramref name="classes"/> (<c>n</c>).</summary>
    public static void PredictClass(this INetwork network, ReadOnlySpan<float> inputs, Span<int> classes)
    {
        int count = CheckBatch(network, inputs, classes.Length, "classes", 1);
        var outputs = Forward(network, inputs, count);
        int size = network.OutputSize;
        bool sigmoided = OutputActivation(network) == Activation.Sigmoid;
        for (int i = 0; i < count; i++)
        {
            classes[i] = size == 1
                ? outputs[i] > (sigmoided ? 0.5f : 0f) ? 1 : 0
                : ActivationKernels.ArgMax(outputs.AsSpan(i * size, size));
        }
    }

    /// <summary>The probability of every class for every sample of <paramref name="data"/>: <c>Count * ClassCount()</c> floats, sample after sample.</summary>
    public static float[] PredictProbabilities(this INetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var probabilities = new float[data.Count * network.ClassCount()];
        network.PredictProbabilities(data.Features, probabilities);
        return probabilities;
    }

    /// <summary>
    /// The probability of every class for every sample of <paramref name="inputs"/> into <paramref name="probabilities"/>
    /// (<c>n * ClassCount()</c> floats). A binary classifier gives two per sample, <c>1 - p</c> and <c>p</c>, as
    /// scikit-learn's <c>predict_proba</c>.
    /// </summary>
    public static void PredictProbabilities(this INetwork network, ReadOnlySpan<float> inputs, Span<float> probabilities)
    {
        int classes = network.ClassCount();
        int count = CheckBatch(network, inputs, probabilities.Length, "probabilities", classes);
        var outputs = Forward(network, inputs, count);
        var activation = OutputActivation(network);
        if (network.OutputSize == 1)
        {
            for (int i = 0; i < count; i++)
            {
                float p = activation == Activation.Sigmoid ? outputs[i] : Sigmoid(outputs[i]);
                probabilities[2 * i] = 1f - p;
                probabilities[2 * i + 1] = p;
            }
            return;
        }
        if (activation == Activation.Softmax) outputs.AsSpan(0, count * classes).CopyTo(probabilities);
        else ActivationKernels.SoftmaxRows(outputs, probabilities, count, classes);
    }

    /// <summary>Runs <paramref name="count"/> samples through the network in eval mode, in chunks of at most <see cref="INetwork.MaxBatchSize"/>.</summary>
    internal static float[] Forward(INetwork network, ReadOnlySpan<float> inputs, int count)
    {
        int outputSize = network.OutputSize, inputSize = network.InputSize;
        var outputs = new float[count * outputSize];
        int chunk = Math.Max(1, network.MaxBatchSize);
        bool wasTraining = network.IsTraining;
        network.IsTraining = false;
        try
        {
            for (int start = 0; start < count; start += chunk)
            {
                int size = Math.Min(chunk, count - start);
                network.Forward(inputs.Slice(start * inputSize, size * inputSize), outputs.AsSpan(start * outputSize, size * outputSize), size);
            }
        }
        finally
        {
            network.IsTraining = wasTraining;
        }
        return outputs;
    }

    /// <summary>The number of samples in <paramref name="inputs"/>, after checking it against the destination's length.</summary>
    internal static int CheckBatch(INetwork network, ReadOnlySpan<float> inputs, int destination, string argument, int perSample)
    {
        ArgumentNullException.ThrowIfNull(network);
        int inputSize = network.InputSize;
        if (inputs.Length % inputSize != 0)
            throw new ArgumentException($"{network.GetType().Name}: inputs has {inputs.Length} floats, which is not a whole number of samples of {inputSize}.", nameof(inputs));
        int count = inputs.Length / inputSize;
        if (destination != count * perSample)
            throw new ArgumentException($"{network.GetType().Name}: {argument} has room for {destination} values, but {count} samples need exactly {count * perSample}.", argument);
        return count;
    }

    private static void CheckClassifier(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is not ITrainableNetwork trainable) return;
        string name = network.GetType().Name;
        if (trainable.Loss == Loss.MeanSquaredError)
            throw new InvalidOperationException($"{name} is a regression network (MeanSquaredError): it predicts values, not classes. Use Predict.");
        if (trainable.Loss == Loss.BinaryCrossEntropy && network.OutputSize > 1)
            throw new InvalidOperationException($"{name} has {network.OutputSize} independent binary outputs (BinaryCrossEntropy): it is multi-label, with no single class per sample. Use Predict and threshold each output.");
    }

    private static Activation OutputActivation(INetwork network)
    {
        CheckClassifier(network);
        return network is ITrainableNetwork trainable ? trainable.OutputActivation : Activation.None;
    }

    /// <summary>The logistic function, in the form that cannot overflow for either sign.</summary>
    private static float Sigmoid(float x)
    {
        if (x >= 0) return 1f / (1f + MathF.Exp(-x));
        float e = MathF.Exp(x);
        return e / (1f + e);
    }
}
