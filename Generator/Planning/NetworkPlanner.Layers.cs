using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // Shape rules and fusion for each layer kind. Each PlanX checks that the layer fits its inputs' shapes (its own
    // settings are already valid), adds its tensors, and either fuses into the op that produced its input or adds an op.
    private sealed partial class Builder
    {
        private Node? PlanLayer(int index, string name, string id, Node[] inputs, Graph graph) => Specs[index] switch
        {
            DenseSpec dense => PlanDense(index, dense, name, id, inputs[0]),
            FlattenSpec => PlanFlatten(index, name, inputs[0]),
            ActivationSpec activation => PlanActivation(index, activation, name, id, inputs[0], graph),
            Conv2DSpec conv => PlanConv2D(index, conv, name, id, inputs[0]),
            PoolSpec pool => PlanPool(index, pool, name, id, inputs[0], graph),
            DropoutSpec dropout => PlanDropout(index, dropout, name, id, inputs[0]),
            BatchNormSpec norm => PlanBatchNorm(index, norm, name, id, inputs[0], graph),
            AddSpec add => PlanAdd(index, add, name, id, inputs),
            ConcatSpec concat => PlanConcat(index, concat, name, id, inputs),
            RecurrentSpec recurrent => PlanRecurrent(index, recurrent, name, id, inputs[0]),
            var layer => throw new System.InvalidOperationException("No planner for layer kind " + layer.Kind),
        };

        private static EquatableArray<PlannedInput> Reads(params Node[] inputs) =>
            inputs.Select(n => new PlannedInput(n.Value, n.Shape, Accumulate: false)).ToEquatableArray();

        private Node? PlanDense(int index, DenseSpec dense, string name, string id, Node x)
        {
            // A sequence is read step by step (TimeDistributed): the weight sees one step's features.
            bool sequence = x.Shape.IsSequence;
            if (!sequence && !RequireVector(dense, name, x)) return null;
            if (sequence && dense.Activation == ActivationKind.Softmax)
            {
                Report(DiagnosticDescriptors.SequenceNotSupported, dense.Location, dense.Kind, name, x.Shape, x.Producer,
                    "Softmax over a sequence is not supported; read the last step (ReturnSequences = false), or add [Flatten] first");
                return null;
            }
            int steps = x.Shape.Steps;
            if (!CheckSize(dense.Location, dense.Kind, name, "the weight", (long)dense.Units * x.Shape.StepFeatures)
                || !CheckSize(dense.Location, dense.Kind, name, "one sample's output", (long)dense.Units * steps)) return null;

            int inputs = x.Shape.StepFeatures;
            int weight = AddTensor(name, id, "weight", "Weight", index, new[] { dense.Units, inputs }, TensorStorage.Parameter,
                dense.WeightInit, "Dense", isBias: false, fanIn: inputs, fanOut: dense.Units);
            int bias = dense.Bias
                ? AddTensor(name, id, "bias", "Bias", index, new[] { dense.Units }, TensorStorage.Parameter,
                    dense.BiasInit, "Dense", isBias: true, fanIn: inputs, fanOut: dense.Units)
                : -1;

            var output = sequence ? Shape.Sequence(steps, dense.Units) : Shape.Vector(dense.Units);
            // Softmax is not element-wise, so it never joins the dense epilogue: it becomes an op of its own.
            bool splitSoftmax = dense.Activation == ActivationKind.Softmax;
            var epilogue = splitSoftmax ? ActivationKind.None : dense.Activation;
            string perStep = sequence ? $" at each of {steps} steps" : "";
            string description = $"{name}: Dense {inputs} -> {dense.Units}{perStep}{(dense.Bias ? " + bias" : "")}{ActivationSuffix(epilogue)}";
            int value = AddValue(id + (splitSoftmax ? "Logits" : "Output"), output, name);
            var node = AddOp(new DenseOp(id, EquatableArray.Create(index), description, Reads(x), value, output, weight, bias, index)
                { Activation = epilogue, NegativeSlope = dense.NegativeSlope, Steps = steps }, name, index);
            if (splitSoftmax) node = AppendActivation(index, id + "Softmax", name, node, ActivationKind.Softmax, 0f);
            int parameters = dense.Units * inputs + (dense.Bias ? dense.Units : 0);
            AddLayer(index, name, id, "Dense", $"Dense({dense.Units}{ActivationSuffix(dense.Activation)})", output, parameters, new[] { x },
                new LayerSettings(dense.Activation, dense.NegativeSlope));
            return node;
        }

        private Node PlanFlatten(int index, string name, Node x)
        {
            // Row-major (C, H, W) flattening is the identity on the data: the readers read the same value, and an
            // element-wise activation after it can still join the epilogue of the op before it.
            var output = Shape.Vector(x.Shape.Size);
            AddLayer(index, name, name, "Flatten", "Flatten()", output, 0, new[] { x });
            return x with { Shape = output, Producer = name, Chain = x.Chain.Append(index).ToEquatableArray() };
        }

        private Node? PlanActivation(int index, ActivationSpec activation, string name, string id, Node x, Graph graph)
        {
            if (activation.Activation == ActivationKind.Softmax && x.Shape.IsSequence)
            {
                Report(DiagnosticDescriptors.SequenceNotSupported, activation.Location, activation.Kind, name, x.Shape, x.Producer,
                    "Softmax over a sequence is not supported; read the last step (ReturnSequences = false), or add [Flatten] first");
                return null;
            }
            if (activation.Activation == ActivationKind.Softmax && !RequireVector(activation, name, x)) return null;

            Node node;
            bool elementwise = activation.Activation != ActivationKind.Softmax;
            string? reason = elementwise ? WhyNotFusable(index, x, graph) : null;
            if (elementwise && reason is null)
            {
                // Into the epilogue of the op that produced the input: no pass of its own, no value of its own.
                var op = _ops[x.Op];
                _ops[x.Op] = op with
                {
                    Layers = op.Layers.Append(index).ToEquatableArray(),
                    Description = op.Description + ", " + activation.Activation + " (" + name + ")",
                    Activation = activation.Activation,
                    NegativeSlope = activation.NegativeSlope,
                };
                _values[x.Value].Producer = name;
                node = x with { Producer = name, Chain = x.Chain.Append(index).ToEquatableArray() };
            }
            else
            {
                if (elementwise) Note(DiagnosticDescriptors.UnfusedActivation, activation.Location, name, x.Producer, reason!);
                node = AppendActivation(index, id, name, x, activation.Activation, activation.NegativeSlope);
            }
            string argument = activation.Activation == ActivationKind.LeakyReLU
                ? activation.NegativeSlope.ToString("R", CultureInfo.InvariantCulture)
                : "";
            AddLayer(index, name, id, activation.Kind, $"{activation.Kind}({argument})", x.Shape, 0, new[] { x },
                new LayerSettings(activation.Activation, activation.NegativeSlope));
            return node;
        }

        /// <summary>
        /// Why an element-wise activation reading <paramref name="x"/> cannot join the epilogue of the op that produced
        /// it, or null when it can: that op must take activations, have none yet, and its output (through any Flatten
        /// views) must be read by this activation alone, since fusing overwrites the values before the activation.
        /// </summary>
        private string? WhyNotFusable(int activation, Node x, Graph graph)
        {
            if (x.Op < 0) return "cannot fuse an activation";
            var op = _ops[x.Op];
            if (!op.CanFuseActivation) return "cannot fuse an activation";
            if (op.Activation != ActivationKind.None) return $"already applies {op.Activation}";
            foreach (int layer in x.Chain)
            {
                var readers = graph.Readers[layer];
                if (readers.Count > 1)
                {
                    int chainNext = x.Chain.Concat(new[] { activation }).SkipWhile(l => l != layer).Skip(1).First();
                    int other = readers.First(r => r != chainNext);
                    return $"is also read by '{_names[other].Name}'";
                }
            }
            return null;
        }

        private Node AppendActivation(int index, string id, string name, Node x, ActivationKind activation, float slope)
        {
            int value = AddValue(id + "Output", x.Shape, name);
            var op = new ActivationOp(id, EquatableArray.Create(index), $"{name}: {activation}", Reads(x), value, x.Shape, AbsorbedByLoss: false)
                { Activation = activation, NegativeSlope = slope };
            return AddOp(op, name, index);
        }

        private Node? PlanConv2D(int index, Conv2DSpec conv, string name, string id, Node x)
        {
            if (!RequireImage(conv, name, x)) return null;
            int k = conv.KernelSize;
            // Same padding (stride 1) keeps the size: k - 1 in total, the odd one at the bottom and right as in PyTorch.
            int padBefore = conv.Padding == PaddingKind.Same ? (k - 1) / 2 : conv.PaddingSize;
            int padAfter = conv.Padding == PaddingKind.Same ? k - 1 - padBefore : conv.PaddingSize;
            if (!TryWindow(conv, name, x, k, conv.Stride, padBefore, padAfter, out int outH, out int outW)) return null;
            var shape = x.Shape;
            if (!CheckSize(conv.Location, conv.Kind, name, "one sample's output", (long)conv.Filters * outH * outW)
                || !CheckSize(conv.Location, conv.Kind, name, "one sample's im2col columns", (long)shape.Channels * k * k * outH * outW))
                return null;

            int c = shape.Channels;
            int fanIn = c * k * k;
            int fanOut = conv.Filters * k * k;
            int weight = AddTensor(name, id, "weight", "Weight", index, new[] { conv.Filters, c, k, k }, TensorStorage.Parameter,
                conv.WeightInit, "Conv2D", isBias: false, fanIn, fanOut);
            int bias = conv.Bias
                ? AddTensor(name, id, "bias", "Bias", index, new[] { conv.Filters }, TensorStorage.Parameter, conv.BiasInit, "Conv2D", isBias: true, fanIn, fanOut)
                : -1;
            var output = Shape.Image(conv.Filters, outH, outW);
            string padding = padBefore == padAfter ? padBefore.ToString(CultureInfo.InvariantCulture) : $"{padBefore}/{padAfter}";
            string description = $"{name}: Conv2D {shape} -> {output}, {k}x{k} kernel, stride {conv.Stride}, padding {padding}{(conv.Bias ? " + bias" : "")}{ActivationSuffix(conv.Activation)}";
            int value = AddValue(id + "Output", output, name);
            var algorithm = Conv2DOp.ChooseAlgorithm(c, k, conv.Stride);
            var node = AddOp(new Conv2DOp(id, EquatableArray.Create(index), description, Reads(x), value, output,
                k, conv.Stride, padBefore, padBefore, weight, bias, index)
            {
                Activation = conv.Activation,
                NegativeSlope = conv.NegativeSlope,
                Algorithm = algorithm,
                PlaneInputGradient = algorithm == ConvolutionAlgorithm.Plane && conv.Stride == 1 && conv.Filters <= Conv2DOp.PlaneInputGradientFilters,
                PlaneWeightGradient = algorithm == ConvolutionAlgorithm.Plane && conv.Filters <= Conv2DOp.PlaneWeightGradientFilters,
            }, name, index);
            int parameters = conv.Filters * fanIn + (conv.Bias ? conv.Filters : 0);
            AddLayer(index, name, id, "Conv2D", $"Conv2D({conv.Filters}, {k}x{k}{ActivationSuffix(conv.Activation)})", output, parameters, new[] { x },
                new LayerSettings(conv.Activation, conv.NegativeSlope, k, conv.Stride, padBefore, padBefore, padAfter, padAfter));
            return node;
        }

        /// <summary>
        /// The output size of a sliding window (floor mode, as PyTorch): <c>(in + before + after - k) / stride + 1</c>.
        /// Reports a kernel that does not fit the unpadded input, or an empty output with padding.
        /// </summary>
        private bool TryWindow(LayerSpec layer, string name, Node x, int k, int stride, int padBefore, int padAfter, out int outH, out int outW)
        {
            int h = x.Shape.Height, w = x.Shape.Width;
            // Floor division, so that a window that does not fit gives an output of 0 or less rather than rounding to 1.
            outH = FloorDivide(h + padBefore + padAfter - k, stride) + 1;
            outW = FloorDivide(w + padBefore + padAfter - k, stride) + 1;
            if (outH > 0 && outW > 0) return true;
            if (padBefore == 0 && padAfter == 0)
                Report(DiagnosticDescriptors.KernelTooLarge, layer.Location, layer.Kind, name, k, $"{h}x{w}", x.Producer);
            else
                Report(DiagnosticDescriptors.OutputNotPositive, layer.Location, layer.Kind, name, $"{k}x{k}", stride,
                    padBefore == padAfter ? padBefore.ToString(CultureInfo.InvariantCulture) : $"{padBefore}/{padAfter}",
                    $"{h}x{w}", x.Producer, $"{outH}x{outW}");
            return false;
        }

        private static int FloorDivide(int numerator, int denominator)
        {
            int quotient = numerator / denominator;
            return numerator % denominator != 0 && (numerator < 0) != (denominator < 0) ? quotient - 1 : quotient;
        }

        private Node? PlanPool(int index, PoolSpec pool, string name, string id, Node x, Graph graph)
        {
            if (!RequireImage(pool, name, x)) return null;
            int k, stride;
            Shape output;
            string description;
            var shape = x.Shape;
            if (pool.Pool == PoolKind.GlobalAverage)
            {
                k = 0;
                stride = 0;
                output = Shape.Vector(shape.Channels);
                description = $"{name}: global average pool {shape} -> {output}";
            }
            else
            {
                k = pool.KernelSize;
                stride = pool.Stride == 0 ? pool.KernelSize : pool.Stride;
                if (!TryWindow(pool, name, x, k, stride, 0, 0, out int outH, out int outW)) return null;
                output = Shape.Image(shape.Channels, outH, outW);
                description = $"{name}: {(pool.Pool == PoolKind.Max ? "max" : "average")} pool {shape} -> {output}, {k}x{k} window, stride {stride}";
            }
            int value = AddValue(id + "Output", output, name);
            // A max pool over windows that do not overlap, alone in reading a convolution's output, runs in that
            // convolution's epilogue on the CPU: the full-size output never reaches memory, only the pooled values and
            // their argmax, and backward scatters the pooled gradient straight into dz.
            bool epilogue = pool.Pool == PoolKind.Max && stride >= k && x.Op >= 0 && _ops[x.Op] is Conv2DOp { PoolEpilogue: false }
                && x.Chain.All(layer => graph.Readers[layer].Count == 1);
            var producer = x.Op >= 0 ? _ops[x.Op] : null;
            var node = AddOp(new PoolOp(id, EquatableArray.Create(index), description, Reads(x), value, output, pool.Pool, k, stride)
            {
                ConvolutionEpilogue = epilogue,
                ProducerActivation = epilogue ? producer!.Activation : ActivationKind.None,
                ProducerSlope = epilogue ? producer!.NegativeSlope : 0f,
            }, name, index);
            if (epilogue)
            {
                var conv = (Conv2DOp)producer!;
                // Every CPU algorithm has the pooled epilogue, so the convolution keeps its kernels, the backward ones
                // too: the pool's backward writes dz in NCHW, as the plane gradients read it.
                _ops[x.Op] = conv with
                {
                    PoolEpilogue = true,
                    Description = conv.Description + $", with {name} in its epilogue on the CPU",
                };
            }
            string arguments = pool.Pool == PoolKind.GlobalAverage ? "" : (stride == k ? $"{k}" : $"{k}, stride {stride}");
            AddLayer(index, name, id, pool.Kind, $"{pool.Kind}({arguments})", output, 0, new[] { x }, new LayerSettings(KernelSize: k, Stride: stride));
            return node;
        }

        private Node PlanDropout(int index, DropoutSpec dropout, string name, string id, Node x)
        {
            int value = AddValue(id + "Output", x.Shape, name);
            string rate = dropout.Rate.ToString("R", CultureInfo.InvariantCulture);
            var node = AddOp(new DropoutOp(id, EquatableArray.Create(index), $"{name}: dropout p = {rate}", Reads(x), value, x.Shape,
                dropout.Rate, index, Fnv1a(name)), name, index);
            AddLayer(index, name, id, "Dropout", $"Dropout({rate})", x.Shape, 0, new[] { x }, new LayerSettings(Rate: dropout.Rate));
            return node;
        }

        private Node? PlanBatchNorm(int index, BatchNormSpec norm, string name, string id, Node x, Graph graph)
        {
            var shape = x.Shape;
            bool fits = norm.Dimensions == 1 ? shape.IsVector : shape.IsImage;
            if (!fits)
            {
                string other = shape.IsVector ? "[BatchNorm1D]" : shape.IsImage ? "[BatchNorm2D]" : "[Flatten] first";
                Report(DiagnosticDescriptors.BatchNormDimensions, norm.Location, norm.Kind, name,
                    norm.Dimensions == 1 ? "1-D features" : "channels x height x width", x.Producer, shape, other);
                return null;
            }

            int channels = shape.Dims[0];
            int spatial = shape.Size / channels;
            int weight = AddTensor(name, id, "weight", "Weight", index, new[] { channels }, TensorStorage.Parameter, InitKind.Default, "BatchNorm", false, channels, channels);
            int bias = AddTensor(name, id, "bias", "Bias", index, new[] { channels }, TensorStorage.Parameter, InitKind.Default, "BatchNorm", true, channels, channels);
            int mean = AddTensor(name, id, "running_mean", "RunningMean", index, new[] { channels }, TensorStorage.Buffer, InitKind.Zeros, "BatchNorm", false, channels, channels);
            int variance = AddTensor(name, id, "running_var", "RunningVar", index, new[] { channels }, TensorStorage.Buffer, InitKind.Ones, "BatchNorm", false, channels, channels);
            int tracked = AddTensor(name, id, "num_batches_tracked", "NumBatchesTracked", index, new int[0], TensorStorage.Counter, InitKind.Zeros, "BatchNorm", false, channels, channels);
            int value = AddValue(id + "Output", shape, name);
            string momentum = norm.Momentum.ToString("R", CultureInfo.InvariantCulture);
            // A batch norm alone in reading a plane or direct convolution without an activation can run in that
            // convolution's epilogue in inference-only eval-mode passes: a per-channel scale and shift.
            bool epilogue = norm.Dimensions == 2 && x.Op >= 0
                && _ops[x.Op] is Conv2DOp { Algorithm: ConvolutionAlgorithm.Plane or ConvolutionAlgorithm.Direct, PoolEpilogue: false, BatchNormEpilogue: false, Activation: ActivationKind.None }
                && x.Chain.All(layer => graph.Readers[layer].Count == 1);
            var node = AddOp(new BatchNormOp(id, EquatableArray.Create(index), $"{name}: {norm.Kind} over {channels} {(norm.Dimensions == 1 ? "features" : "channels")}, momentum {momentum}",
                Reads(x), value, shape, channels, spatial, norm.Momentum, norm.Epsilon, weight, bias, mean, variance, tracked, index)
            { ConvolutionEpilogue = epilogue }, name, index);
            if (epilogue)
            {
                var conv = (Conv2DOp)_ops[x.Op];
                _ops[x.Op] = conv with { BatchNormEpilogue = true, Description = conv.Description + $", with {name} in its epilogue in eval-mode inference on the CPU" };
            }
            AddLayer(index, name, id, norm.Kind, $"{norm.Kind}({channels})", shape, 2 * channels, new[] { x },
                new LayerSettings(Momentum: norm.Momentum, Epsilon: norm.Epsilon));
            return node;
        }

        private Node? PlanAdd(int index, AddSpec add, string name, string id, Node[] inputs)
        {
            var first = inputs[0];
            bool ok = true;
            for (int k = 1; k < inputs.Length; k++)
            {
                if (inputs[k].Shape == first.Shape) continue;
                Report(DiagnosticDescriptors.AddShapeMismatch, add.Location, name, first.Producer, first.Shape, inputs[k].Producer, inputs[k].Shape);
                ok = false;
            }
            if (!ok) return null;
            int value = AddValue(id + "Output", first.Shape, name);
            string description = $"{name}: sum of {Names(inputs)}, {first.Shape}{ActivationSuffix(add.Activation)}";
            var node = AddOp(new AddOp(id, EquatableArray.Create(index), description, Reads(inputs), value, first.Shape)
                { Activation = add.Activation, NegativeSlope = add.NegativeSlope }, name, index);
            AddLayer(index, name, id, "Add", $"Add({inputs.Length}{ActivationSuffix(add.Activation)})", first.Shape, 0, inputs,
                new LayerSettings(add.Activation, add.NegativeSlope));
            return node;
        }

        private Node? PlanConcat(int index, ConcatSpec concat, string name, string id, Node[] inputs)
        {
            var first = inputs[0];
            if (inputs.FirstOrDefault(n => n.Shape.IsSequence) is { } sequence)
            {
                Report(DiagnosticDescriptors.SequenceNotSupported, concat.Location, concat.Kind, name, sequence.Shape, sequence.Producer,
                    "Concat joins images or vectors; join two directions with Bidirectional = true, or add [Flatten] first");
                return null;
            }
            for (int k = 1; k < inputs.Length; k++)
            {
                var other = inputs[k];
                string? problem = first.Shape.Rank != other.Shape.Rank
                    ? "Concat joins images with images (along channels) or vectors with vectors (along features); add [Flatten] to the images"
                    : first.Shape.IsImage && (first.Shape.Height != other.Shape.Height || first.Shape.Width != other.Shape.Width)
                        ? $"images are joined along channels, so their heights and widths must match ({first.Shape.Height}x{first.Shape.Width} against {other.Shape.Height}x{other.Shape.Width})"
                        : null;
                if (problem is null) continue;
                Report(DiagnosticDescriptors.ConcatShapeMismatch, concat.Location, name, first.Producer, first.Shape, other.Producer, other.Shape, problem);
                return null;
            }
            long joined = inputs.Sum(n => (long)n.Shape.Dims[0]);
            var dims = first.Shape.Dims.ToArray();
            if (!CheckSize(concat.Location, concat.Kind, name, "one sample's output", joined * (first.Shape.Size / first.Shape.Dims[0]))) return null;
            dims[0] = (int)joined;
            var output = new Shape(new EquatableArray<int>(dims));
            int value = AddValue(id + "Output", output, name);
            string axis = output.IsImage ? "channels" : "features";
            var node = AddOp(new ConcatOp(id, EquatableArray.Create(index), $"{name}: {Names(inputs)} joined along {axis} -> {output}", Reads(inputs), value, output), name, index);
            AddLayer(index, name, id, "Concat", $"Concat({inputs.Length})", output, 0, inputs);
            return node;
        }

        private static string Names(IEnumerable<Node> inputs) => string.Join(" + ", inputs.Select(n => n.Producer));

        private bool RequireVector(LayerSpec layer, string name, Node x)
        {
            if (x.Shape.IsVector) return true;
            Report(DiagnosticDescriptors.NeedsFlatInput, layer.Location, layer.Kind, name, x.Producer, x.Shape);
            return false;
        }

        private bool RequireImage(LayerSpec layer, string name, Node x)
        {
            if (x.Shape.IsImage) return true;
            Report(DiagnosticDescriptors.NeedsImageInput, layer.Location, layer.Kind, name, x.Producer, x.Shape);
            return false;
        }

        private static string ActivationSuffix(ActivationKind activation) =>
            activation == ActivationKind.None ? "" : ", " + activation;
    }
}
