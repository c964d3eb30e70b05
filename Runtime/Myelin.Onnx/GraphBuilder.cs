using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Myelin.OnnxFormat;

namespace Myelin;

/// <summary>
/// Builds the ONNX graph of one network from its layer and parameter tables: one or two nodes per layer, named after
/// the layer, with the layer's tensors as initializers. Floats are stored as raw little-endian bytes, as ONNX requires,
/// which is the memory layout on every platform .NET runs Myelin on (x64, Arm64).
/// </summary>
internal sealed class GraphBuilder
{
    private const string InputName = "input";
    private const string OutputName = "output";
    private const string BatchDimension = "batch";

    private readonly INetwork _network;
    private readonly string _networkName;
    private readonly GraphProto _graph = new();
    private readonly Dictionary<string, TensorInfo> _tensors;

    /// <summary>The ONNX value holding each layer's output, by layer name; <c>input</c> is the graph input.</summary>
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal) { [InputName] = InputName };

    public GraphBuilder(INetwork network, string networkName)
    {
        _network = network;
        _networkName = networkName;
        _tensors = network.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public GraphProto Build(OnnxExportOptions options)
    {
        var layers = _network.Layers;
        if (layers.Count == 0) throw new ArgumentException($"{_networkName} has no layers to export.");
        var live = LiveLayers(layers);
        if (options.InputNormalization is { } normalization) AddNormalization(normalization);
        string? finalActivation = options.OutputProbabilities ? ProbabilityActivation() : null;
        for (int i = 0; i < layers.Count; i++)
        {
            if (!live[i]) continue;
            bool last = i == layers.Count - 1;
            string output = last && finalActivation is null ? OutputName : layers[i].Name;
            AddLayer(layers[i], output);
        }
        if (finalActivation is not null)
            AddNode(finalActivation, finalActivation.ToLowerInvariant(), [_values[layers[^1].Name]], OutputName, finalActivation == "Softmax" ? [Int("axis", 1)] : []);

        _graph.Input.Add(Value(InputName, _network.InputShape));
        _graph.Output.Add(Value(OutputName, _network.OutputShape));
        return _graph;
    }

    /// <summary>
    /// <c>(input - mean) / std</c> before the first layer, with the statistics shaped to broadcast over a sample: a
    /// scalar, one per channel (<c>[C, 1, 1]</c>), or one per feature (the sample's shape).
    /// </summary>
    private void AddNormalization(Myelin.Data.Normalization normalization)
    {
        var sample = _network.InputShape;
        long[] shape = normalization.Scope switch
        {
            Myelin.Data.NormalizationScope.Scalar => [],
            Myelin.Data.NormalizationScope.PerChannel => new long[] { sample[0] }.Concat(sample.Skip(1).Select(_ => 1L)).ToArray(),
            _ => sample.Select(d => (long)d).ToArray(),
        };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (normalization.Mean.Length != count)
            throw new ArgumentException($"{_networkName}: the input normalisation has {normalization.Mean.Length} means, but a {normalization.Scope} normalisation of input [{string.Join(", ", sample)}] needs {count}.");
        _graph.Initializer.Add(Constant("input.mean", shape, normalization.Mean));
        _graph.Initializer.Add(Constant("input.std", shape, normalization.Std));
        AddNode("Sub", "input/center", [InputName, "input.mean"], "input/centered", []);
        AddNode("Div", "input/scale", ["input/centered", "input.std"], "input/normalized", []);
        _values[InputName] = "input/normalized";
    }

    private static TensorProto Constant(string name, long[] shape, ReadOnlySpan<float> values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        return proto;
    }

    /// <summary>The activation that turns the logits into probabilities when the loss absorbed it, or null.</summary>
    private string? ProbabilityActivation()
    {
        if (_network is not ITrainableNetwork trainable || trainable.OutputActivation != Activation.None) return null;
        return trainable.Loss switch
        {
            Loss.SoftmaxCrossEntropy => "Softmax",
            Loss.BinaryCrossEntropy => "Sigmoid",
            _ => null,
        };
    }

    /// <summary>The layers that reach the output, walking the inputs back from the last layer.</summary>
    private static bool[] LiveLayers(IReadOnlyList<LayerInfo> layers)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++) index[layers[i].Name] = i;
        var live = new bool[layers.Count];
        var pending = new Stack<int>([layers.Count - 1]);
        while (pending.Count > 0)
        {
            int i = pending.Pop();
            if (live[i]) continue;
            live[i] = true;
            foreach (string input in layers[i].Inputs)
            {
                if (index.TryGetValue(input, out int j)) pending.Push(j);
            }
        }
        return live;
    }

    private void AddLayer(LayerInfo layer, string output)
    {
        var inputs = layer.Inputs.Select(name => _values.TryGetValue(name, out string? value)
            ? value
            : throw new ArgumentException($"{_networkName}: layer '{layer.Name}' reads '{name}', which is not an earlier layer.")).ToArray();
        var settings = layer.Settings;
        string name = layer.Name;
        switch (layer.Kind)
        {
            case "Dense" when layer.OutputShape.Count > 1:
                // A dense layer on a sequence ([steps, units], Keras' TimeDistributed) would need MatMul over a 3-D
                // tensor; Gemm is 2-D only, so the exporter refuses it rather than write a graph that means something else.
                throw new ArgumentException($"{_networkName}: layer '{name}' is a Dense applied to every step of a sequence ([{string.Join(", ", layer.OutputShape)}]), which the ONNX exporter does not export; it exports dense layers on vectors.");
            case "Dense":
                var dense = new List<string> { inputs[0], Tensor(layer, "weight") };
                if (HasTensor(layer, "bias")) dense.Add(Tensor(layer, "bias"));
                WithActivation(layer, "Gemm", dense, output, [Int("transB", 1)]);
                break;
            case "Conv2D":
                var conv = new List<string> { inputs[0], Tensor(layer, "weight") };
                if (HasTensor(layer, "bias")) conv.Add(Tensor(layer, "bias"));
                WithActivation(layer, "Conv", conv, output,
                [
                    Ints("kernel_shape", settings.KernelSize, settings.KernelSize),
                    Ints("strides", settings.Stride, settings.Stride),
                    Ints("pads", settings.PadTop, settings.PadLeft, settings.PadBottom, settings.PadRight),
                ]);
                break;
            case "MaxPool2D":
            case "AvgPool2D":
                AddNode(layer.Kind == "MaxPool2D" ? "MaxPool" : "AveragePool", name, inputs, output,
                    [Ints("kernel_shape", settings.KernelSize, settings.KernelSize), Ints("strides", settings.Stride, settings.Stride)]);
                break;
            case "GlobalAvgPool2D":
                // [N, C, 1, 1], then [N, C] as Myelin's global pooling gives.
                AddNode("GlobalAveragePool", name + "/pool", inputs, name + "/pooled", []);
                AddNode("Flatten", name, [name + "/pooled"], output, [Int("axis", 1)]);
                break;
            case "Flatten":
                AddNode("Flatten", name, inputs, output, [Int("axis", 1)]);
                break;
            case "Dropout":
                AddNode("Identity", name, inputs, output, []);
                break;
            case "BatchNorm1D":
            case "BatchNorm2D":
                WithActivation(layer, "BatchNormalization", [inputs[0], Tensor(layer, "weight"), Tensor(layer, "bias"), Tensor(layer, "running_mean"), Tensor(layer, "running_var")],
                    output, [Float("epsilon", settings.Epsilon)]);
                break;
            case "Add":
                WithActivation(layer, "Sum", inputs, output, []);
                break;
            case "Concat":
                AddNode("Concat", name, inputs, output, [Int("axis", 1)]);
                break;
            case "ReLU":
            case "LeakyReLU":
            case "Sigmoid":
            case "Tanh":
            case "Softmax":
                AddActivation(settings.Activation, settings.NegativeSlope, name, inputs[0], output);
                break;
            default:
                throw new ArgumentException($"{_networkName}: layer '{name}' is a {layer.Kind}, which the ONNX exporter does not know.");
        }
        _values[name] = output;
    }

    /// <summary>The layer's main node, then its own activation as a second node when it has one.</summary>
    private void WithActivation(LayerInfo layer, string operation, IReadOnlyList<string> inputs, string output, AttributeProto[] attributes)
    {
        if (layer.Settings.Activation == Activation.None)
        {
            AddNode(operation, layer.Name, inputs, output, attributes);
            return;
        }
        string linear = layer.Name + "/linear";
        AddNode(operation, layer.Name + "/" + operation.ToLowerInvariant(), inputs, linear, attributes);
        AddActivation(layer.Settings.Activation, layer.Settings.NegativeSlope, layer.Name, linear, output);
    }

    private void AddActivation(Activation activation, float slope, string name, string input, string output)
    {
        switch (activation)
        {
            case Activation.ReLU: AddNode("Relu", name, [input], output, []); break;
            case Activation.LeakyReLU: AddNode("LeakyRelu", name, [input], output, [Float("alpha", slope)]); break;
            case Activation.Sigmoid: AddNode("Sigmoid", name, [input], output, []); break;
            case Activation.Tanh: AddNode("Tanh", name, [input], output, []); break;
            case Activation.Softmax: AddNode("Softmax", name, [input], output, [Int("axis", 1)]); break;
            default: throw new ArgumentException($"{_networkName}: layer '{name}' has activation {activation}, which the ONNX exporter does not know.");
        }
    }

    private void AddNode(string operation, string name, IReadOnlyList<string> inputs, string output, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = operation, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
    }

    private bool HasTensor(LayerInfo layer, string suffix) => _tensors.ContainsKey(layer.Name + "." + suffix);

    /// <summary>Adds the layer's tensor as an initializer (once) and returns its name.</summary>
    private string Tensor(LayerInfo layer, string suffix)
    {
        string name = layer.Name + "." + suffix;
        if (!_tensors.TryGetValue(name, out var tensor))
            throw new ArgumentException($"{_networkName}: layer '{layer.Name}' ({layer.Kind}) has no tensor '{name}' in its parameter table.");
        if (_graph.Initializer.Any(i => i.Name == name)) return name;
        var source = tensor.Kind == TensorKind.Parameter ? _network.Parameters : _network.Buffers;
        _graph.Initializer.Add(Constant(name, tensor.Shape.Select(d => (long)d).ToArray(), source.Slice(tensor.Offset, tensor.Length)));
        return name;
    }

    private static ValueInfoProto Value(string name, IReadOnlyList<int> shape)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        foreach (int size in shape) tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = size });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
