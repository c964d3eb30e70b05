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
