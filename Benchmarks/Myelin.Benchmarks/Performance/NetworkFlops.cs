using System;
using System.Linq;

namespace Myelin.Benchmarks.Performance;

/// <summary>
/// Floating-point operations of a network's pass, counted from its parameter and layer tables (the generator does not
/// emit the count yet): the multiply-adds of its dense and convolution layers, two FLOPs each. Element-wise work,
/// pooling, batch norm, residual sums, the loss and the optimizer are left out, as BLAS-style FLOP counts leave them out.
/// </summary>
internal static class NetworkFlops
{
    /// <summary>
    /// FLOPs of one forward pass of one sample: <c>2·in·out</c> per dense layer, <c>2·C·k·k·F·OH·OW</c> per convolution
    /// (the weight's element count times the output positions).
    /// </summary>
    public static double ForwardPerSample(INetwork network)
    {
        double flops = 0;
        foreach (var tensor in network.Tensors.Where(t => t.Kind == TensorKind.Parameter && t.Shape.Count >= 2))
        {
            var layer = network.Layers[tensor.LayerIndex];
            // Positions per filter: the output's spatial size for a convolution ([F, OH, OW]), 1 for a dense layer ([out]).
            long positions = layer.OutputShape.Skip(1).Aggregate(1L, (a, b) => a * b);
            flops += 2.0 * tensor.Length * positions;
        }
        return flops;
    }

    /// <summary>
    /// FLOPs of one training step of one sample: the forward pass, the weight gradients (as many again) and the input
    /// gradients (as many again, except for the first layer with weights, which needs none).
    /// </summary>
    public static double TrainPerSample(INetwork network)
    {
        double forward = ForwardPerSample(network);
        var first = network.Tensors.FirstOrDefault(t => t.Kind == TensorKind.Parameter && t.Shape.Count >= 2);
        double firstLayer = 0;
        if (first is not null)
        {
            long positions = network.Layers[first.LayerIndex].OutputShape.Skip(1).Aggregate(1L, (a, b) => a * b);
            firstLayer = 2.0 * first.Length * positions;
        }
        return 3 * forward - firstLayer;
    }

    /// <summary>FLOPs of one benchmark call: a pass over <paramref name="batch"/> samples.</summary>
    public static double PerCall(INetwork network, bool train, int batch) =>
        (train ? TrainPerSample(network) : ForwardPerSample(network)) * batch;

    /// <summary>Throws if a table does not describe the network as this count expects (a layer kind it does not know).</summary>
    public static void CheckKnownLayers(INetwork network)
    {
        foreach (var layer in network.Layers)
        {
            // Batch norm's scale and shift are element-wise work, left out like pooling and the sums of residual blocks.
            if (layer.ParameterCount > 0 && layer.Kind is not ("Dense" or "Conv2D" or "BatchNorm1D" or "BatchNorm2D"))
                throw new InvalidOperationException($"NetworkFlops counts dense and convolution layers (and leaves out batch norm), but layer {layer.Name} is a {layer.Kind} with parameters.");
        }
    }
}
