using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Myelin;

/// <summary>Layer lookup, freezing and summaries for any generated network.</summary>
public static class NetworkExtensions
{
    /// <summary>The index of the layer called <paramref name="layerName"/>; throws naming the known layers when there is none.</summary>
    public static int LayerIndex(this INetwork network, string layerName)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(layerName);
        var layers = network.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (string.Equals(layers[i].Name, layerName, StringComparison.Ordinal)) return i;
        }

        var names = new List<string>(layers.Count);
        foreach (var layer in layers) names.Add(layer.Name);
        throw new ArgumentException($"{network.GetType().Name} has no layer named '{layerName}'. Its layers are: {string.Join(", ", names)}.", nameof(layerName));
    }

    /// <summary>Freezes the named layers: they keep their weights and the backward pass computes no weight gradients for them.</summary>
    public static void Freeze(this ITrainableNetwork network, params string[] layerNames)
    {
        ArgumentNullException.ThrowIfNull(layerNames);
        foreach (var name in layerNames) network.SetTrainable(network.LayerIndex(name), false);
    }

    /// <summary>Unfreezes the named layers.</summary>
    public static void Unfreeze(this ITrainableNetwork network, params string[] layerNames)
    {
        ArgumentNullException.ThrowIfNull(layerNames);
        foreach (var name in layerNames) network.SetTrainable(network.LayerIndex(name), true);
    }

    /// <summary>Freezes every layer that has parameters except the last <paramref name="count"/> of them (Keras's "freeze the base").</summary>
    public static void FreezeAllButLast(this ITrainableNetwork network, int count)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int seen = 0;
        for (int i = network.Layers.Count - 1; i >= 0; i--)
        {
            if (network.Layers[i].ParameterCount == 0) continue;
            network.SetTrainable(i, seen < count);
            seen++;
        }
    }

    /// <summary>Unfreezes every layer.</summary>
    public static void UnfreezeAll(this ITrainableNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        for (int i = 0; i < network.Layers.Count; i++) network.SetTrainable(i, true);
    }

    /// <summary>The number of parameters in layers that are not frozen.</summary>
    public static int TrainableParameterCount(this ITrainableNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int total = 0;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (network.IsTrainable(i)) total += network.Layers[i].ParameterCount;
        }
        return total;
    }

    /// <summary>
    /// Classifies one sample in eval mode: the index of the largest output, and optionally the class probabilities
    /// (the outputs if the network ends in softmax, otherwise their softmax). Allocates nothing for up to 1,024 outputs.
    /// </summary>
    /// <param name="network">A classifier.</param>
    /// <param name="sample">One sample, <see cref="INetwork.InputSize"/> floats.</param>
    /// <param name="probabilities">Receives <see cref="INetwork.OutputSize"/> probabilities when not empty.</param>
    public static int PredictClass(this INetwork network, ReadOnlySpan<float> sample, Span<float> probabilities = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        int size = network.OutputSize;
        Span<float> outputs = size <= 1024 ? stackalloc float[size] : new float[size];
        bool wasTraining = network.IsTraining;
        network.IsTraining = false;
        try
        {
            network.Forward(sample, outputs);
        }
        finally
        {
            network.IsTraining = wasTraining;
        }
        if (!probabilities.IsEmpty)
        {
            if (probabilities.Length < size)
                throw new ArgumentException($"probabilities has room for {probabilities.Length} values, but the network has {size} outputs.", nameof(probabilities));
            bool alreadyProbabilities = network is ITrainableNetwork trainable && trainable.OutputActivation == Activation.Softmax;
            if (alreadyProbabilities) outputs.CopyTo(probabilities);
            else Kernels.ActivationKernels.SoftmaxRows(outputs, probabilities, 1, size);
        }
        return Kernels.ActivationKernels.ArgMax(outputs);
    }

    /// <summary>A table of layers, output shapes and parameter counts, like Keras's <c>model.summary()</c>.</summary>
    public static string Summary(this INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"{"Layer",-20} {"Kind",-16} {"Output shape",-14} {"Params",10}").AppendLine();
        text.Append(c, $"{"input",-20} {"Input",-16} {string.Join("x", network.InputShape),-14} {0,10}").AppendLine();
        int total = 0;
        foreach (var layer in network.Layers)
        {
            text.Append(c, $"{layer.Name,-20} {layer.Kind,-16} {layer.OutputShapeText,-14} {layer.ParameterCount,10:N0}").AppendLine();
            total += layer.ParameterCount;
        }
        text.Append(c, $"Total parameters: {total:N0}").AppendLine();
        return text.ToString();
    }
}
