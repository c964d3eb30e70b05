using System.Runtime.Intrinsics;
using Myelin.Kernels;
using Myelin.Quantization;

namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// A plain int8 interpreter of a <see cref="RefNetwork"/>, written from the rules in docs/quantization.md rather than
/// from the generated code: integer sums in int64 (checked to fit int32), then <c>z = (float)acc · (s_x · s_w[o]) + bias[o]</c>
/// with two roundings, the activation by its operator's eight-lane form, and <c>Quantize(f(z) · (1 / s_y))</c>. It reads
/// the weights and scales from an int8 network's state by name, so it checks the printed code against the same
/// numbers. The decisions it makes itself: which layers fuse into one op, which values form the float tail, and which
/// ops keep their input's scale.
/// </summary>
internal static class Int8Reference
{
    /// <summary>One value of the reference run: int8 with a scale, or float; <c>[batch, size]</c>.</summary>
    private sealed class Value(int size)
    {
        public int Size { get; } = size;
        public int[]? Q { get; set; }
        public float[]? F { get; set; }
        public float Scale { get; set; }
        public bool IsFloat => F is not null;
    }

    /// <summary>An op: a layer with the element-wise activations fused into it, as the planner groups them.</summary>
    private sealed class Op(int layer, int[] inputs)
    {
        public int Layer { get; } = layer;
        public int[] Inputs { get; } = inputs;
        public string Name { get; set; } = "";
        public Activation Activation { get; set; }
        public float Slope { get; set; }
        public bool SplitSoftmax { get; set; }
        public bool FloatOutput { get; set; }
    }

    /// <summary>How many softmax ops other layers read: each is a reason (MYL0040) for the generator to refuse the network in int8.</summary>
    public static int InnerSoftmaxes(RefNetwork network) =>
        Plan(network, out _).Count(op => !op.FloatOutput && (op.SplitSoftmax || network.Layers[op.Layer] is RefActivation { Kind: Activation.Softmax }));

    /// <summary>Whether the generator must refuse this network in int8.</summary>
    public static bool HasInnerSoftmax(RefNetwork network) => InnerSoftmaxes(network) > 0;

    /// <summary>Runs <paramref name="batch"/> samples of <paramref name="inputs"/> through <paramref name="network"/> in int8, with <paramref name="state"/>'s weights and scales.</summary>
    public static float[] Run(RefNetwork network, IInt8Network state, float[] inputs, int batch)
    {
        var tensors = state.QuantizedTensors.ToDictionary(t => t.Name);
        var int8 = state.Int8State.ToArray();
        var floats = state.FloatState.ToArray();
        float[] Floats(string name) => floats.AsSpan(tensors[name].Offset, tensors[name].Length).ToArray();
        float Scale(string name) => Floats(name + ".scale")[0];

        var names = network.LayerNames;
        var shapes = network.LayerShapes;
        var ops = Plan(network, out var valueOf);
        var values = new Dictionary<int, Value>();
        var input = new Value(network.InputSize) { Scale = Scale("input") };
        float inverse = 1f / input.Scale;
        input.Q = inputs.Take(batch * network.InputSize).Select(x => (int)Int8Kernels.Quantize(x * inverse)).ToArray();
        Value Read(int layer) => layer < 0 ? input : values[valueOf[layer]];

        foreach (var op in ops)
        {
            var layer = network.Layers[op.Layer];
            var x = Read(op.Inputs[0]);
            int size = shapes[op.Layer].Aggregate(1, (a, b) => a * b);
            var y = new Value(size);
            string name = names[op.Layer];
            // The output's scale: its own from calibration, or its input's for the ops that keep it.
            bool keeps = layer is RefPool2D or RefGlobalAvgPool2D or RefDropout
                || layer is RefActivation { Kind: Activation.ReLU } || layer is RefActivation { Kind: Activation.LeakyReLU, NegativeSlope: <= 1f };
            if (!op.FloatOutput) y.Scale = keeps ? x.Scale : Scale(op.Name);
            float outInverse = 1f / y.Scale;
            var z = new float[batch * size];
            switch (layer)
            {
                case RefDense dense:
                {
                    int inSize = x.Size;
                    var w = Weights(name, int8, tensors);
                    var ws = Floats(name + ".weight_scale");
                    var bias = dense.Bias ? Floats(name + ".bias") : new float[dense.Units];
                    for (int b = 0; b < batch; b++)
                    for (int o = 0; o < dense.Units; o++)
                    {
                        long acc = 0;
                        for (int i = 0; i < inSize; i++) acc += x.Q![b * inSize + i] * w[o * inSize + i];
                        z[b * size + o] = (float)checked((int)acc) * (x.Scale * ws[o]) + bias[o];
                    }
                    break;
                }
                case RefConv2D conv:
                {
                    var inShape = network.LayerInputShapes[op.Layer];
                    var outShape = shapes[op.Layer];
                    var w = Weights(name, int8, tensors);
                    var ws = Floats(name + ".weight_scale");
                    var bias = conv.Bias ? Floats(name + ".bias") : new float[conv.Filters];
                    int c = inShape[0], h = inShape[1], wd = inShape[2], k = conv.Kernel;
                    for (int b = 0; b < batch; b++)
                    for (int f = 0; f < conv.Filters; f++)
                    for (int oy = 0; oy < outShape[1]; oy++)
                    for (int ox = 0; ox < outShape[2]; ox++)
                    {
                        long acc = 0;
                        for (int ch = 0; ch < c; ch++)
                        for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                        {
                            int iy = oy * conv.Stride + ky - conv.PadBefore, ix = ox * conv.Stride + kx - conv.PadBefore;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                            acc += x.Q![b * x.Size + (ch * h + iy) * wd + ix] * w[((f * c + ch) * k + ky) * k + kx];
                        }
                        z[b * size + (f * outShape[1] + oy) * outShape[2] + ox] = (float)checked((int)acc) * (x.Scale * ws[f]) + bias[f];
                    }
                    break;
                }
                case RefBatchNorm norm:
                {
                    int channels = network.LayerInputShapes[op.Layer][0], spatial = size / channels;
                    var gamma = Floats(name + ".weight");
                    var beta = Floats(name + ".bias");
                    var mean = Floats(name + ".running_mean");
                    var variance = Floats(name + ".running_var");
                    for (int ch = 0; ch < channels; ch++)
                    {
                        double gain = gamma[ch] / Math.Sqrt(variance[ch] + (double)norm.Epsilon);
                        float a = (float)(x.Scale * gain), t = (float)(beta[ch] - mean[ch] * gain);
                        for (int b = 0; b < batch; b++)
                        for (int p = 0; p < spatial; p++)
                        {
                            int i = b * size + ch * spatial + p;
                            z[i] = x.Q![i] * a + t;
                        }
                    }
                    break;
                }
                case RefPool2D pool:
                {
                    var inShape = network.LayerInputShapes[op.Layer];
                    var outShape = shapes[op.Layer];
                    int k = pool.Kernel, s = pool.EffectiveStride;
                    var q = new int[batch * size];
                    for (int b = 0; b < batch; b++)
                    for (int ch = 0; ch < inShape[0]; ch++)
                    for (int oy = 0; oy < outShape[1]; oy++)
                    for (int ox = 0; ox < outShape[2]; ox++)
                    {
                        var window = new List<int>();
                        for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                            window.Add(x.Q![b * x.Size + (ch * inShape[1] + oy * s + ky) * inShape[2] + ox * s + kx]);
                        q[b * size + (ch * outShape[1] + oy) * outShape[2] + ox] = pool.Max ? window.Max() : Int8Kernels.Quantize(window.Sum() * (1f / (k * k)));
                    }
                    y.Q = q;
                    break;
                }
                case RefGlobalAvgPool2D:
                {
                    int planeSize = x.Size / size;
                    y.Q = Enumerable.Range(0, batch * size)
                        .Select(i => (int)Int8Kernels.Quantize(Enumerable.Range(0, planeSize).Sum(p => x.Q![i * planeSize + p]) * (1f / planeSize))).ToArray();
                    break;
                }
                case RefDropout:
                    if (op.FloatOutput) y.F = x.IsFloat ? x.F!.ToArray() : x.Q!.Select(q => q * x.Scale).ToArray();
                    else y.Q = x.Q!.ToArray();
                    break;
                case RefActivation act:
                    if (x.IsFloat || act.Kind == Activation.Softmax)
                    {
                        // The float tail: the float kernels, whose own tests hold them to double precision.
                        z = x.IsFloat ? x.F!.ToArray() : x.Q!.Select(q => q * x.Scale).ToArray();
                        if (act.Kind == Activation.Softmax) ActivationKernels.SoftmaxRows(z, z, batch, size);
                        else for (int i = 0; i < z.Length; i++) z[i] = Lane(act.Kind, act.NegativeSlope, z[i]);
                        y.F = z;
                    }
                    else
                    {
                        // A table built from f(q · s_x), one entry per int8 value.
                        var f = x.Q!.Select(q => Lane(act.Kind, act.NegativeSlope, q * x.Scale)).ToArray();
                        if (op.FloatOutput) y.F = f;
                        else y.Q = f.Select(v => (int)Int8Kernels.Quantize(v * outInverse)).ToArray();
                    }
                    break;
                case RefAdd:
                    // The sum in real units, input by input in the layer's order: z = q0 s0 + q1 s1 + ...
                    for (int k = 0; k < op.Inputs.Length; k++)
                    {
                        var term = Read(op.Inputs[k]);
                        for (int i = 0; i < z.Length; i++) z[i] = k == 0 ? term.Q![i] * term.Scale : z[i] + term.Q![i] * term.Scale;
                    }
                    break;
                case RefConcat:
                {
                    // Each sample is its inputs' samples one after another, each moved to the output's scale.
                    var q = new int[batch * size];
                    int offset = 0;
                    foreach (int source in op.Inputs)
                    {
                        var part = Read(source);
                        float ratio = part.Scale / y.Scale;
                        for (int b = 0; b < batch; b++)
                        for (int i = 0; i < part.Size; i++)
                            q[b * size + offset + i] = ratio == 1f ? part.Q![b * part.Size + i] : Int8Kernels.Quantize(part.Q![b * part.Size + i] * ratio);
                        offset += part.Size;
                    }
                    y.Q = q;
                    break;
                }
                default:
                    throw new InvalidOperationException($"The int8 reference has no {layer.GetType().Name}.");
            }
            if (layer is RefDense or RefConv2D or RefBatchNorm or RefAdd)
            {
                // The epilogue: the op's activation (its own, or one fused in), then float or requantised.
                var activated = z.Select(v => Lane(op.Activation, op.Slope, v)).ToArray();
                if (op.SplitSoftmax)
                {
                    ActivationKernels.SoftmaxRows(activated, activated, batch, size);
                    y.F = activated;
                }
                else if (op.FloatOutput) y.F = activated;
                else y.Q = activated.Select(v => (int)Int8Kernels.Quantize(v * outInverse)).ToArray();
            }
            values[valueOf[op.Layer]] = y;
        }

        var output = Read(network.Layers.Count - 1);
        return output.IsFloat ? output.F! : output.Q!.Select(q => q * output.Scale).ToArray();
    }

    /// <summary>f(z) by the operator's eight-lane form, as the int8 kernels evaluate every activation.</summary>
    private static float Lane(Activation activation, float slope, float z) => activation switch
    {
        Activation.ReLU => Vector256.ToScalar(new ReLUOperator().Apply(Vector256.Create(z))),
        Activation.LeakyReLU => Vector256.ToScalar(new LeakyReLUOperator(slope).Apply(Vector256.Create(z))),
        Activation.Sigmoid => Vector256.ToScalar(new SigmoidOperator().Apply(Vector256.Create(z))),
        Activation.Tanh => Vector256.ToScalar(new TanhOperator().Apply(Vector256.Create(z))),
        _ => z,
    };

    private static sbyte[] Weights(string layer, sbyte[] int8, Dictionary<string, QuantizedTensorInfo> tensors)
    {
        var t = tensors[layer + ".weight"];
        Assert.Equal(QuantizedTensorKind.Int8Weight, t.Kind);
        return int8.AsSpan(t.Offset, t.Length).ToArray();
    }

    /// <summary>
    /// Groups the layers into ops as the planner does for a chain or graph, and marks the float tail. <paramref name="valueOf"/>
    /// maps each layer to the op (by its first layer) whose value it reads as: a Flatten or a fused activation reads as
    /// the op before it.
    /// </summary>
    private static List<Op> Plan(RefNetwork network, out Dictionary<int, int> valueOf)
    {
        var layerValues = new Dictionary<int, int>();
        valueOf = layerValues;
        var inputs = network.LayerInputs;
        var live = network.LiveLayers;
        var readers = new int[network.Layers.Count];
        for (int i = 0; i < network.Layers.Count; i++)
            foreach (int j in inputs[i]) if (j >= 0) readers[j]++;
        var ops = new List<Op>();
        var opOf = new Dictionary<int, Op>();
        var names = network.LayerNames;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (!live[i]) continue;
            var layer = network.Layers[i];
            int read = inputs[i][0];
            if (layer is RefFlatten)
            {
                valueOf[i] = read < 0 ? -1 : valueOf[read];
                continue;
            }
            if (layer is RefActivation { Kind: not Activation.Softmax } act && read >= 0 && valueOf[read] >= 0)
            {
                // Fuses into the op that made its input if that op takes an activation, has none, and only this layer
                // reads its output (through any Flatten views).
                var producer = opOf[valueOf[read]];
                bool takes = network.Layers[producer.Layer] is RefDense or RefConv2D or RefBatchNorm or RefAdd;
                bool alone = true;
                for (int j = read; j >= 0 && j != producer.Layer; j = inputs[j][0]) alone &= readers[j] == 1;
                alone &= readers[producer.Layer] == 1;
                if (takes && producer.Activation == Activation.None && !producer.SplitSoftmax && alone)
                {
                    producer.Activation = act.Kind;
                    producer.Slope = act.NegativeSlope;
                    producer.Name = names[i];
                    valueOf[i] = valueOf[read];
                    continue;
                }
            }
            var op = new Op(i, inputs[i]) { Name = names[i] };
            (op.Activation, op.Slope) = layer switch
            {
                RefDense d when d.Activation != Activation.Softmax => (d.Activation, d.NegativeSlope),
                RefConv2D c => (c.Activation, c.NegativeSlope),
                RefAdd a => (a.Activation, a.NegativeSlope),
                _ => (Activation.None, 0f),
            };
            op.SplitSoftmax = layer is RefDense { Activation: Activation.Softmax };
            ops.Add(op);
            opOf[i] = op;
            valueOf[i] = i;
        }

        // The float tail: back from the output through stand-alone activations and dropouts that only one layer reads.
        var last = opOf[valueOf[network.Layers.Count - 1]];
        while (true)
        {
            var kind = network.Layers[last.Layer];
            if (kind is not (RefDense or RefConv2D or RefBatchNorm or RefAdd or RefActivation or RefDropout)) break;
            last.FloatOutput = true;
            if (kind is not (RefActivation or RefDropout) || last.Inputs[0] < 0) break;
            int source = last.Inputs[0];
            int sourceValue = layerValues[source];
            if (sourceValue < 0 || ops.Count(o => o.Inputs.Any(j => j >= 0 && layerValues[j] == sourceValue)) != 1) break;
            last = opOf[sourceValue];
        }
        return ops;
    }
}
