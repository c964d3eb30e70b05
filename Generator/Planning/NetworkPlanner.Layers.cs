using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // Shape rules and fusion for each layer kind. Each PlanX validates the layer's own values, checks that it fits
    // the current shape, adds its tensors, and either fuses into the previous op or appends a new one.
    private sealed partial class Builder
    {
        private bool PlanDense(int index, DenseSpec dense, string name, string id)
        {
            bool ok = CheckPositive(dense, name, "units", dense.Units)
                & CheckActivation(dense, name, dense.Activation, dense.NegativeSlope)
                & CheckInit(dense, name, "WeightInit", dense.WeightInit)
                & CheckInit(dense, name, "BiasInit", dense.BiasInit);
            if (!ok || !RequireVector(dense, name)) return false;
            if (!CheckSize(dense.Location, dense.Kind, name, "the weight", (long)dense.Units * _shape.Size)) return false;

            int inputs = _shape.Size;
            int weight = AddTensor(name, id, "weight", "Weight", index, new[] { dense.Units, inputs }, TensorStorage.Parameter,
                dense.WeightInit, "Dense", isBias: false, fanIn: inputs, fanOut: dense.Units);
            int bias = dense.Bias
                ? AddTensor(name, id, "bias", "Bias", index, new[] { dense.Units }, TensorStorage.Parameter,
                    dense.BiasInit, "Dense", isBias: true, fanIn: inputs, fanOut: dense.Units)
                : -1;

            var output = Shape.Vector(dense.Units);
            // Softmax is not element-wise, so it never joins the dense epilogue: it becomes an op of its own.
            bool splitSoftmax = dense.Activation == ActivationKind.Softmax;
            var epilogue = splitSoftmax ? ActivationKind.None : dense.Activation;
            string description = $"{name}: Dense {inputs} -> {dense.Units}{(dense.Bias ? " + bias" : "")}{ActivationSuffix(epilogue)}";
            int buffer = AddBuffer(id + (splitSoftmax ? "Logits" : "Output"), output, name);
            var op = new DenseOp(id, EquatableArray.Create(index), description, _buffer, buffer, _shape, output,
                weight, bias, epilogue, dense.NegativeSlope, index);
            int parameters = dense.Units * inputs + (dense.Bias ? dense.Units : 0);
            Advance(op, name, canFuseActivation: epilogue == ActivationKind.None);
            if (splitSoftmax) AppendActivation(index, id + "Softmax", name, ActivationKind.Softmax, 0f);
            AddLayer(name, id, "Dense", $"Dense({dense.Units}{ActivationSuffix(dense.Activation)})", parameters);
            return true;
        }

        private bool PlanFlatten(string name)
        {
            // Row-major (C, H, W) flattening is the identity on the data: the next op reads the same buffer, and an
            // element-wise activation after it can still join the epilogue of the op before it.
            _shape = Shape.Vector(_shape.Size);
            _producer = name;
            AddLayer(name, name, "Flatten", "Flatten()", 0);
            return true;
        }

        private bool PlanActivation(int index, ActivationSpec activation, string name, string id)
        {
            if (!CheckActivation(activation, name, activation.Activation, activation.NegativeSlope)) return false;
            if (activation.Activation == ActivationKind.Softmax && !RequireVector(activation, name)) return false;

            bool elementwise = activation.Activation != ActivationKind.Softmax;
            if (elementwise && _canFuseActivation)
            {
                var last = _ops[_ops.Count - 1];
                var fused = Fuse(last, index, name, activation.Activation, activation.NegativeSlope);
                _ops[_ops.Count - 1] = fused;
                _canFuseActivation = false;
                _producer = name;
            }
            else
            {
                if (elementwise)
                {
                    string reason = _ops.Count == 0 ? "cannot fuse an activation" : FusedActivation(_ops[_ops.Count - 1]) is ActivationKind fused && fused != ActivationKind.None
                        ? $"already applies {fused}"
                        : "cannot fuse an activation";
                    Note(DiagnosticDescriptors.UnfusedActivation, activation.Location, name, _producer, reason);
                }
                AppendActivation(index, id, name, activation.Activation, activation.NegativeSlope);
            }
            string argument = activation.Activation == ActivationKind.LeakyReLU
                ? activation.NegativeSlope.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
                : "";
            AddLayer(name, id, activation.Kind, $"{activation.Kind}({argument})", 0);
            return true;
        }

        /// <summary>The activation in an op's epilogue, or null for ops that have none.</summary>
        private static ActivationKind? FusedActivation(PlannedOp op) => op switch
        {
            DenseOp d => d.Activation,
            Conv2DOp c => c.Activation,
            BatchNormOp b => b.Activation,
            _ => null,
        };

        /// <summary>Puts an element-wise activation into the epilogue of the op that produced the current buffer.</summary>
        private static PlannedOp Fuse(PlannedOp op, int layer, string name, ActivationKind activation, float slope)
        {
            var layers = new System.Collections.Generic.List<int>(op.Layers) { layer }.ToEquatableArray();
            string description = op.Description + ", " + activation + " (" + name + ")";
            return op switch
            {
                DenseOp d => d with { Layers = layers, Description = description, Activation = activation, NegativeSlope = slope },
                Conv2DOp c => c with { Layers = layers, Description = description, Activation = activation, NegativeSlope = slope },
                BatchNormOp b => b with { Layers = layers, Description = description, Activation = activation, NegativeSlope = slope },
                _ => throw new System.InvalidOperationException("Op " + op.Identifier + " cannot fuse an activation"),
            };
        }

        private void AppendActivation(int index, string id, string name, ActivationKind activation, float slope)
        {
            int buffer = AddBuffer(id + "Output", _shape, name);
            var op = new ActivationOp(id, EquatableArray.Create(index), $"{name}: {activation}", _buffer, buffer, _shape, _shape,
                activation, slope, AbsorbedByLoss: false);
            Advance(op, name, canFuseActivation: false);
        }

        private bool PlanConv2D(int index, Conv2DSpec conv, string name, string id)
        {
            bool ok = CheckPositive(conv, name, "filters", conv.Filters)
                & CheckPositive(conv, name, "kernel size", conv.KernelSize)
                & CheckPositive(conv, name, "stride", conv.Stride)
                & CheckActivation(conv, name, conv.Activation, conv.NegativeSlope)
                & CheckInit(conv, name, "WeightInit", conv.WeightInit)
                & CheckInit(conv, name, "BiasInit", conv.BiasInit);
            if (!System.Enum.IsDefined(typeof(PaddingKind), conv.Padding))
            {
                Report(DiagnosticDescriptors.UnknownEnumValue, conv.Location, conv.Kind, name, $"Padding = {(int)conv.Padding}", "Padding");
                ok = false;
            }
            if (conv.PaddingSize < 0)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, conv.Location, conv.Kind, name, "PaddingSize", ">= 0", conv.PaddingSize);
                ok = false;
            }
            if (ok && conv.Padding == PaddingKind.Same && conv.PaddingSize > 0)
            {
                Report(DiagnosticDescriptors.PaddingConflict, conv.Location, name, conv.PaddingSize);
                ok = false;
            }
            if (ok && conv.Padding == PaddingKind.Same && conv.Stride != 1)
            {
                Report(DiagnosticDescriptors.SamePaddingWithStride, conv.Location, name, conv.Stride);
                ok = false;
            }
            if (conv.Activation == ActivationKind.Softmax)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, conv.Location, conv.Kind, name, "the activation",
                    "element-wise (Softmax needs a 1-D output: add [Flatten] and a [Softmax] layer after it)", "Softmax");
                ok = false;
            }
            if (!ok || !RequireImage(conv, name)) return false;

            int k = conv.KernelSize;
            // Same padding (stride 1) keeps the size: k - 1 in total, the odd one at the bottom and right as in PyTorch.
            int padBefore = conv.Padding == PaddingKind.Same ? (k - 1) / 2 : conv.PaddingSize;
            int padAfter = conv.Padding == PaddingKind.Same ? k - 1 - padBefore : conv.PaddingSize;
            if (!TryWindow(conv, name, k, conv.Stride, padBefore, padAfter, out int outH, out int outW)) return false;
            if (!CheckSize(conv.Location, conv.Kind, name, "one sample's output", (long)conv.Filters * outH * outW)
                || !CheckSize(conv.Location, conv.Kind, name, "one sample's im2col columns", (long)_shape.Channels * k * k * outH * outW))
                return false;

            int c = _shape.Channels;
            int fanIn = c * k * k;
            int fanOut = conv.Filters * k * k;
            int weight = AddTensor(name, id, "weight", "Weight", index, new[] { conv.Filters, c, k, k }, TensorStorage.Parameter,
                conv.WeightInit, "Conv2D", isBias: false, fanIn, fanOut);
            int bias = conv.Bias
                ? AddTensor(name, id, "bias", "Bias", index, new[] { conv.Filters }, TensorStorage.Parameter, conv.BiasInit, "Conv2D", isBias: true, fanIn, fanOut)
                : -1;
            var output = Shape.Image(conv.Filters, outH, outW);
            string padding = padBefore == padAfter ? padBefore.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{padBefore}/{padAfter}";
            string description = $"{name}: Conv2D {_shape} -> {output}, {k}x{k} kernel, stride {conv.Stride}, padding {padding}{(conv.Bias ? " + bias" : "")}{ActivationSuffix(conv.Activation)}";
            int buffer = AddBuffer(id + "Output", output, name);
            var op = new Conv2DOp(id, EquatableArray.Create(index), description, _buffer, buffer, _shape, output,
                k, conv.Stride, padBefore, padBefore, weight, bias, conv.Activation, conv.NegativeSlope, index);
            int parameters = conv.Filters * fanIn + (conv.Bias ? conv.Filters : 0);
            Advance(op, name, canFuseActivation: conv.Activation == ActivationKind.None);
            AddLayer(name, id, "Conv2D", $"Conv2D({conv.Filters}, {k}x{k}{ActivationSuffix(conv.Activation)})", parameters);
            return true;
        }

        /// <summary>
        /// The output size of a sliding window (floor mode, as PyTorch): <c>(in + before + after - k) / stride + 1</c>.
        /// Reports a kernel that does not fit the unpadded input, or an empty output with padding.
        /// </summary>
        private bool TryWindow(LayerSpec layer, string name, int k, int stride, int padBefore, int padAfter, out int outH, out int outW)
        {
            int h = _shape.Height, w = _shape.Width;
            // Floor division, so that a window that does not fit gives an output of 0 or less rather than rounding to 1.
            outH = FloorDivide(h + padBefore + padAfter - k, stride) + 1;
            outW = FloorDivide(w + padBefore + padAfter - k, stride) + 1;
            if (outH > 0 && outW > 0) return true;
            if (padBefore == 0 && padAfter == 0)
                Report(DiagnosticDescriptors.KernelTooLarge, layer.Location, layer.Kind, name, k, $"{h}x{w}", _producer);
            else
                Report(DiagnosticDescriptors.OutputNotPositive, layer.Location, layer.Kind, name, $"{k}x{k}", stride,
                    padBefore == padAfter ? padBefore.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{padBefore}/{padAfter}",
                    $"{h}x{w}", _producer, $"{outH}x{outW}");
            return false;
        }

        private static int FloorDivide(int numerator, int denominator)
        {
            int quotient = numerator / denominator;
            return numerator % denominator != 0 && (numerator < 0) != (denominator < 0) ? quotient - 1 : quotient;
        }

        private bool PlanPool(int index, PoolSpec pool, string name, string id)
        {
            if (!RequireImage(pool, name)) return false;
            int k, stride;
            Shape output;
            string description;
            if (pool.Pool == PoolKind.GlobalAverage)
            {
                k = 0;
                stride = 0;
                output = Shape.Vector(_shape.Channels);
                description = $"{name}: global average pool {_shape} -> {output}";
            }
            else
            {
                k = pool.KernelSize;
                stride = pool.Stride == 0 ? pool.KernelSize : pool.Stride;
                bool ok = CheckPositive(pool, name, "kernel size", pool.KernelSize);
                if (pool.Stride < 0) ok &= CheckPositive(pool, name, "stride", pool.Stride);
                if (!ok || !TryWindow(pool, name, k, stride, 0, 0, out int outH, out int outW)) return false;
                output = Shape.Image(_shape.Channels, outH, outW);
                description = $"{name}: {(pool.Pool == PoolKind.Max ? "max" : "average")} pool {_shape} -> {output}, {k}x{k} window, stride {stride}";
            }
            int buffer = AddBuffer(id + "Output", output, name);
            var op = new PoolOp(id, EquatableArray.Create(index), description, _buffer, buffer, _shape, output, pool.Pool, k, stride);
            Advance(op, name, canFuseActivation: false);
            string arguments = pool.Pool == PoolKind.GlobalAverage ? "" : (stride == k ? $"{k}" : $"{k}, stride {stride}");
            AddLayer(name, id, pool.Kind, $"{pool.Kind}({arguments})", 0);
            return true;
        }

        private bool PlanDropout(int index, DropoutSpec dropout, string name, string id)
        {
            if (!(dropout.Rate >= 0f && dropout.Rate < 1f))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, dropout.Location, dropout.Kind, name, "the rate", "in [0, 1)", dropout.Rate);
                return false;
            }
            int buffer = AddBuffer(id + "Output", _shape, name);
            string rate = dropout.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            var op = new DropoutOp(id, EquatableArray.Create(index), $"{name}: dropout p = {rate}", _buffer, buffer, _shape, _shape, dropout.Rate, index);
            Advance(op, name, canFuseActivation: false);
            AddLayer(name, id, "Dropout", $"Dropout({rate})", 0);
            return true;
        }

        private bool PlanBatchNorm(int index, BatchNormSpec norm, string name, string id)
        {
            bool ok = true;
            if (!(norm.Momentum >= 0f && norm.Momentum <= 1f))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, norm.Location, norm.Kind, name, "Momentum", "in [0, 1]", norm.Momentum);
                ok = false;
            }
            if (!(norm.Epsilon > 0f && !float.IsInfinity(norm.Epsilon)))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, norm.Location, norm.Kind, name, "Epsilon", "a finite number > 0", norm.Epsilon);
                ok = false;
            }
            if (!ok) return false;
            bool fits = norm.Dimensions == 1 ? _shape.IsVector : _shape.IsImage;
            if (!fits)
            {
                string other = _shape.IsVector ? "[BatchNorm1D]" : _shape.IsImage ? "[BatchNorm2D]" : "[Flatten] first";
                Report(DiagnosticDescriptors.BatchNormDimensions, norm.Location, norm.Kind, name,
                    norm.Dimensions == 1 ? "1-D features" : "channels x height x width", _producer, _shape, other);
                return false;
            }

            int channels = _shape.Dims[0];
            int spatial = _shape.Size / channels;
            int weight = AddTensor(name, id, "weight", "Weight", index, new[] { channels }, TensorStorage.Parameter, InitKind.Default, "BatchNorm", false, channels, channels);
            int bias = AddTensor(name, id, "bias", "Bias", index, new[] { channels }, TensorStorage.Parameter, InitKind.Default, "BatchNorm", true, channels, channels);
            int mean = AddTensor(name, id, "running_mean", "RunningMean", index, new[] { channels }, TensorStorage.Buffer, InitKind.Zeros, "BatchNorm", false, channels, channels);
            int variance = AddTensor(name, id, "running_var", "RunningVar", index, new[] { channels }, TensorStorage.Buffer, InitKind.Ones, "BatchNorm", false, channels, channels);
            int tracked = AddTensor(name, id, "num_batches_tracked", "NumBatchesTracked", index, new int[0], TensorStorage.Counter, InitKind.Zeros, "BatchNorm", false, channels, channels);
            int buffer = AddBuffer(id + "Output", _shape, name);
            string momentum = norm.Momentum.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            var op = new BatchNormOp(id, EquatableArray.Create(index), $"{name}: {norm.Kind} over {channels} {(norm.Dimensions == 1 ? "features" : "channels")}, momentum {momentum}",
                _buffer, buffer, _shape, _shape, channels, spatial, norm.Momentum, norm.Epsilon, weight, bias, mean, variance, tracked,
                ActivationKind.None, 0f, index);
            Advance(op, name, canFuseActivation: true);
            AddLayer(name, id, norm.Kind, $"{norm.Kind}({channels})", 2 * channels);
            return true;
        }
    }
}
