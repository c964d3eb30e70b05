using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Myelin.OnnxFormat;

namespace Myelin;

/// <summary>How <see cref="Onnx.Export(INetwork, string, OnnxExportOptions?)"/> writes a network.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Append a softmax (cross-entropy networks) or a sigmoid (binary cross-entropy networks) when the network's output
    /// is logits, because the loss absorbed that activation in training; the model then outputs probabilities. Off by
    /// default: the exported model outputs exactly what the network's <c>Forward</c> returns.
    /// </summary>
    public bool OutputProbabilities { get; init; }

    /// <summary>The graph's name in the file; the network's class name when null.</summary>
    public string? GraphName { get; init; }

    /// <summary>
    /// The input normalisation the network was trained with, prepended to the graph as <c>(input - mean) / std</c>, so
    /// that the exported model takes raw inputs (pixels in [0, 1], unscaled features). None by default: the model then
    /// takes the network's own inputs.
    /// </summary>
    public Myelin.Data.Normalization? InputNormalization { get; init; }
}

/// <summary>
/// Exports a network's inference graph and weights as an ONNX model (IR version 10, opset 21), for ONNX Runtime and
/// any other ONNX consumer. Initializers keep the checkpoint's PyTorch names (<c>conv1.weight</c>), the input is
/// <c>input</c> and the output <c>output</c>, and the batch dimension is dynamic (<c>batch</c>).
/// </summary>
/// <remarks>
/// The graph comes from the network's layer table (<see cref="INetwork.Layers"/>: each layer's kind, inputs and
/// settings) and parameter table, which the generator emits as static data, so export needs no reflection and works
/// under Native AOT. Layers map to ONNX operators one to one or two: Dense to <c>Gemm</c> (transB), Conv2D to
/// <c>Conv</c>, pooling to <c>MaxPool</c>/<c>AveragePool</c>/<c>GlobalAveragePool</c>, batch norm to its inference
/// form <c>BatchNormalization</c>, dropout to <c>Identity</c>, Add to <c>Sum</c>, Concat to <c>Concat</c> on axis 1,
/// and a layer's own activation to a node after it. Layers whose output is never used are left out, as the network
/// leaves them out of its forward pass.
/// </remarks>
public static class Onnx
{
    /// <summary>The ONNX IR version written.</summary>
    public const int IrVersion = 10;

    /// <summary>The opset of the default domain the graph is written against.</summary>
    public const int Opset = 21;

    /// <summary>
    /// Exports <paramref name="network"/> to an ONNX file, as checkpoints are saved (<see cref="Checkpoints.AtomicFile"/>):
    /// the file is replaced only once the whole model is written, and never over anything but a regular file.
    /// </summary>
    /// <exception cref="ArgumentException">The network has a layer the exporter does not know, or its tables disagree; the message names the layer.</exception>
    /// <exception cref="IOException">The path cannot be written; the message names it.</exception>
    public static void Export(INetwork network, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var model = BuildModel(network, options ?? new OnnxExportOptions());
        Checkpoints.AtomicFile.Write(path, model.WriteTo);
    }

    /// <summary>Writes <paramref name="network"/> as an ONNX model to <paramref name="stream"/>.</summary>
    public static void Export(INetwork network, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        BuildModel(network, options ?? new OnnxExportOptions()).WriteTo(stream);
    }

    /// <summary>The ONNX model of <paramref name="network"/> as bytes, e.g. for an in-memory ONNX Runtime session.</summary>
    public static byte[] ToBytes(INetwork network, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        return BuildModel(network, options ?? new OnnxExportOptions()).ToByteArray();
    }

    internal static ModelProto BuildModel(INetwork network, OnnxExportOptions options)
    {
        string networkName = network.GetType().Name;
        var graph = new GraphBuilder(network, networkName).Build(options);
        graph.Name = options.GraphName ?? networkName;
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Myelin",
            ProducerVersion = typeof(Onnx).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            Graph = graph,
            DocString = $"{networkName}, exported by Myelin: input [batch, {string.Join(", ", network.InputShape)}], output [batch, {string.Join(", ", network.OutputShape)}].",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "myelin.network", Value = network.GetType().FullName ?? networkName });
        if (network is ITrainableNetwork trainable)
            model.MetadataProps.Add(new StringStringEntryProto { Key = "myelin.loss", Value = trainable.Loss.ToString() });
        return model;
    }
}
