namespace Myelin.Generator.Tests.Reference;

/// <summary>The targets of a batch: class-index labels (cross-entropy) or float targets (BCE, MSE).</summary>
internal sealed record RefTargets(int[]? Labels, double[]? Values)
{
    public static RefTargets FromLabels(int[] labels) => new(labels, null);

    public static RefTargets FromValues(float[] values) => new(null, values.Select(v => (double)v).ToArray());
}

/// <summary>Everything one reference pass computes.</summary>
/// <param name="Outputs">[batch, output size], what the network's Forward returns (probabilities when a loss absorbs a softmax).</param>
/// <param name="Loss">The batch-mean loss, or NaN without targets.</param>
/// <param name="Gradients">dLoss/dparameter by name, all zero-filled tensors present; empty without a backward pass.</param>
/// <param name="InputGradient">dLoss/dinputs [batch, input size], or null without a backward pass.</param>
/// <param name="TensorsAfter">The parameters and buffers after the pass (running statistics updated in training mode).</param>
/// <param name="LayerOutputs">The output of every layer, [batch, that layer's output size]; null for a layer that is not run (nothing reads it).</param>
/// <param name="KinkSignature">A hash of every ReLU sign and max-pool choice: equal signatures mean the same linear piece.</param>
/// <param name="GradientScales">
/// For each parameter, the largest sum of absolute terms that one of its gradient elements adds up (e.g. a bias's
/// <c>sum_b |dz[b, o]|</c>, a weight's bound <c>max_o sum_b |dz[b, o]| * max |x|</c>): the scale of the rounding error of
/// any float evaluation of that sum, which matters where the terms cancel (a bias under a training-mode batch norm has a
/// gradient of exactly zero). Empty without a backward pass.
/// </param>
internal sealed record RefPass(
    double[] Outputs, double Loss, IReadOnlyDictionary<string, double[]> Gradients, double[]? InputGradient,
    RefTensors TensorsAfter, IReadOnlyList<double[]?> LayerOutputs, long KinkSignature, IReadOnlyDictionary<string, double> GradientScales);

/// <summary>
/// Runs a <see cref="RefNetwork"/> in double: forward, loss and a hand-written backward pass, in training mode (dropout
/// with given masks, batch norm with batch statistics and running-stat updates) or eval mode. The network is a graph:
/// each layer reads the layers its <see cref="RefNetwork.LayerInputs"/> name, and layers are evaluated in source order
/// (a topological order) with every layer's output kept by name. Each layer becomes one or two steps (an affine part or
/// a merge, and its activation); each step calls one function of <see cref="ReferenceLayers"/> per pass. Backward runs
/// the steps in reverse and ADDS each step's input gradient into that value's gradient, so a value read by several layers
/// receives the sum of their gradients, as autograd does. Layers whose output does not reach the network's output are
/// not run (their batch-norm statistics stay put), as in the generator. A loss absorbs a trailing softmax
/// (cross-entropy) or sigmoid (binary cross-entropy): the outputs are probabilities, but the loss is taken on the
/// logits, as PyTorch's <c>CrossEntropyLoss</c> and <c>BCEWithLogitsLoss</c> do.
/// </summary>
internal static class ReferenceInterpreter
{
    /// <summary>Runs one pass.</summary>
    /// <param name="network">The network.</param>
    /// <param name="tensors">Its parameters and buffers; not modified (see <see cref="RefPass.TensorsAfter"/>).</param>
    /// <param name="inputs">[batch, input size].</param>
    /// <param name="batch">The batch size.</param>
    /// <param name="targets">The targets, or null for a forward pass only.</param>
    /// <param name="training">Training mode (dropout masks, batch statistics) or eval mode.</param>
    /// <param name="backward">Whether to compute gradients (needs targets).</param>
    /// <param name="dropoutMasks">In training mode, each dropout layer's mask by layer name: 0 or 1/(1 - p) per element.</param>
    public static RefPass Run(RefNetwork network, RefTensors tensors, double[] inputs, int batch, RefTargets? targets = null,
        bool training = false, bool backward = false, IReadOnlyDictionary<string, double[]>? dropoutMasks = null)
    {
        if (inputs.Length != batch * network.InputSize)
            throw new ArgumentException($"{network.ClassName}: the reference got {inputs.Length} inputs for a batch of {batch} x {network.InputSize}.");
        if (backward && targets is null) throw new ArgumentException("A backward pass needs targets.");
        var state = tensors.Clone();
        var (steps, slotCount, layerSlots) = BuildSteps(network, training, dropoutMasks);

        // values[s] is slot s: slot 0 the network's input, then one per step output. A step reads the slots of the
        // layers it reads (a Flatten is a view: it shares its input's slot).
        var values = new double[slotCount][];
        values[0] = (double[])inputs.Clone();
        var caches = new object?[steps.Count];
        long signature = 17;
        for (int k = 0; k < steps.Count; k++)
        {
            var step = steps[k];
            var xs = step.InputSlots.Select(slot => values[slot]).ToArray();
            values[step.OutputSlot] = new double[batch * step.OutputSize];
            caches[k] = Forward(step, state, xs, values[step.OutputSlot], batch, training);
            signature = Fold(signature, step, xs[0], caches[k], batch);
        }
        var layerOutputs = layerSlots.Select(slot => slot < 0 ? null : values[slot]).ToList();
        int outputSlot = network.Layers.Count == 0 ? 0 : layerSlots[^1];

        // The loss reads the logits below an absorbed softmax or sigmoid, and backward starts below it. The last step
        // computes the output: every step that runs reaches the output, so none comes after the one producing it.
        bool absorbed = steps.Count > 0 && steps[^1] is ActivationStep last
            && ((network.Loss == Loss.SoftmaxCrossEntropy && last.Kind == Activation.Softmax)
                || (network.Loss == Loss.BinaryCrossEntropy && last.Kind == Activation.Sigmoid));
        int lossSlot = absorbed ? steps[^1].InputSlots[0] : outputSlot;
        int firstBackward = absorbed ? steps.Count - 2 : steps.Count - 1;
        var output = values[outputSlot];
        double loss = double.NaN;
        double[]? gradient = backward ? new double[values[lossSlot].Length] : null;
        if (targets is not null) loss = ComputeLoss(network, values[lossSlot], targets, batch, gradient);

        var gradients = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var scales = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!backward) return new RefPass(output, loss, gradients, null, state, layerOutputs, signature, scales);

        foreach (var (name, parameters) in state.Parameters) gradients[name] = new double[parameters.Length];
        // slotGradients[s] = dLoss/d(slot s): the sum of what every reader of the slot passed back.
        var slotGradients = new double[]?[slotCount];
        slotGradients[lossSlot] = gradient;
        for (int k = firstBackward; k >= 0; k--)
        {
            var step = steps[k];
            var dy = slotGradients[step.OutputSlot];
            if (dy is null) continue; // nothing below the loss reads this step's output
            var xs = step.InputSlots.Select(slot => values[slot]).ToArray();
            var dxs = xs.Select(x => new double[x.Length]).ToArray();
            Backward(step, state, xs, values[step.OutputSlot], dy, dxs, caches[k], gradients, batch);
            Scale(step, xs[0], dy, caches[k], scales, batch);
            for (int i = 0; i < dxs.Length; i++) Accumulate(ref slotGradients[step.InputSlots[i]], dxs[i]);
        }
        var inputGradient = slotGradients[0] ?? new double[inputs.Length];
        return new RefPass(output, loss, gradients, inputGradient, state, layerOutputs, signature, scales);
    }

    /// <summary>
    /// Records the scales of a step's parameter gradients (see <see cref="RefPass.GradientScales"/>): per output channel
    /// the sum of <c>|dy|</c> over the batch and positions, times the largest <c>|x|</c> (or <c>|x-hat|</c>) for weights.
    /// </summary>
    private static void Scale(Step step, double[] x, double[] dy, object? cache, Dictionary<string, double> scales, int batch)
    {
        (string Name, int Channels, double[] Input)? owner = step switch
        {
            DenseStep d => (d.Name, d.Outputs, x),
            ConvStep c => (c.Name, c.Geometry.Filters, x),
            BatchNormStep n => (n.Name, n.Channels, (((double[], double[], bool))cache!).Item1),
            _ => null,
        };
        if (owner is not { } o) return;
        int positions = dy.Length / (batch * o.Channels);
        double largest = 0;
        for (int c = 0; c < o.Channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
            for (int p = 0; p < positions; p++)
                sum += Math.Abs(dy[(b * o.Channels + c) * positions + p]);
            largest = Math.Max(largest, sum);
        }
        scales[o.Name + ".weight"] = largest * o.Input.Max(Math.Abs);
        scales[o.Name + ".bias"] = largest;
    }

    /// <summary>target += contribution, where a missing target is zero.</summary>
    private static void Accumulate(ref double[]? target, double[] contribution)
    {
        if (target is null)
        {
            target = (double[])contribution.Clone();
            return;
        }
        for (int i = 0; i < target.Length; i++) target[i] += contribution[i];
    }

    private static double ComputeLoss(RefNetwork network, double[] values, RefTargets targets, int batch, double[]? gradient)
    {
        int count = values.Length;
        switch (network.Loss)
        {
            case Loss.SoftmaxCrossEntropy:
                var labels = targets.Labels ?? throw new ArgumentException("Cross-entropy needs labels.");
                return ReferenceLosses.SoftmaxCrossEntropy(values, labels, batch, count / batch, gradient);
            case Loss.BinaryCrossEntropy:
                return ReferenceLosses.BinaryCrossEntropyWithLogits(values, targets.Values ?? throw new ArgumentException("BCE needs float targets."), count, gradient);
            case Loss.MeanSquaredError:
                return ReferenceLosses.MeanSquaredError(values, targets.Values ?? throw new ArgumentException("MSE needs float targets."), count, gradient);
            default:
                throw new InvalidOperationException($"{network.ClassName} has no loss.");
        }
    }

    // ---- Steps: the layers, with each fused activation split into a step of its own ----

    /// <summary>One computation: reads the value slots <see cref="InputSlots"/>, writes the slot <see cref="OutputSlot"/>.</summary>
    private abstract record Step(int Layer, int InputSize, int OutputSize)
    {
        public int[] InputSlots { get; init; } = Array.Empty<int>();
        public int OutputSlot { get; init; }
    }

    private sealed record DenseStep(int Layer, string Name, int Inputs, int Outputs, bool Bias) : Step(Layer, Inputs, Outputs);

    private sealed record ActivationStep(int Layer, Activation Kind, double Slope, int Size) : Step(Layer, Size, Size);

    private sealed record ConvStep(int Layer, string Name, ConvGeometry Geometry, bool Bias)
        : Step(Layer, Geometry.Channels * Geometry.Height * Geometry.Width, Geometry.Filters * Geometry.OutHeight * Geometry.OutWidth);

    private sealed record PoolStep(int Layer, bool Max, PoolGeometry Geometry)
        : Step(Layer, Geometry.Channels * Geometry.Height * Geometry.Width, Geometry.Channels * Geometry.OutHeight * Geometry.OutWidth);

    private sealed record GlobalPoolStep(int Layer, int Channels, int Spatial) : Step(Layer, Channels * Spatial, Channels);

    private sealed record DropoutStep(int Layer, double[]? Mask, int Size) : Step(Layer, Size, Size);

    private sealed record BatchNormStep(int Layer, string Name, int Channels, int Spatial, double Momentum, double Epsilon)
        : Step(Layer, Channels * Spatial, Channels * Spatial);

    /// <summary>The element-wise sum of its inputs, each <paramref name="Size"/> floats per sample.</summary>
    private sealed record AddStep(int Layer, int Size) : Step(Layer, Size, Size);

    /// <summary>Its inputs' samples side by side: <paramref name="Parts"/> floats per sample from each.</summary>
    private sealed record ConcatStep(int Layer, int[] Parts) : Step(Layer, Parts[0], Parts.Sum());

    /// <summary>
    /// The steps of the layers that reach the output, wired to value slots; the number of slots; and for each layer the
    /// slot holding its output (-1 for a layer that is not run).
    /// </summary>
    private static (List<Step> Steps, int SlotCount, int[] LayerSlots) BuildSteps(RefNetwork network, bool training, IReadOnlyDictionary<string, double[]>? masks)
    {
        var steps = new List<Step>();
        var names = network.LayerNames;
        var reads = network.LayerInputs;
        var shapes = network.LayerShapes;
        var live = network.LiveLayers;
        var layerSlots = new int[network.Layers.Count];
        int slots = 1;
        int SlotOf(int layer) => layer < 0 ? 0 : layerSlots[layer];
        int[] ShapeOf(int layer) => layer < 0 ? network.InputShape : shapes[layer];

        for (int i = 0; i < network.Layers.Count; i++)
        {
            layerSlots[i] = -1;
            if (!live[i]) continue;
            var layer = network.Layers[i];
            int[] shape = ShapeOf(reads[i][0]);
            int size = shape.Aggregate(1, (a, b) => a * b);
            int[] next = shapes[i];
            int outputSize = next.Aggregate(1, (a, b) => a * b);
            // The layer's main step reads the layers it names; a split activation reads the main step's output.
            int slot = SlotOf(reads[i][0]);
            void Add(Step step, int[] inputs)
            {
                steps.Add(step with { InputSlots = inputs, OutputSlot = slots });
                slot = slots++;
            }
            void Then(Activation activation, float slope)
            {
                if (activation != Activation.None) Add(new ActivationStep(i, activation, slope, outputSize), new[] { slot });
            }

            switch (layer)
            {
                case RefDense dense:
                    Add(new DenseStep(i, names[i], size, dense.Units, dense.Bias), new[] { slot });
                    Then(dense.Activation, dense.NegativeSlope);
                    break;
                case RefConv2D conv:
                    var geometry = new ConvGeometry(shape[0], shape[1], shape[2], conv.Filters, conv.Kernel, conv.Stride, conv.PadBefore, conv.PadBefore, next[1], next[2]);
                    Add(new ConvStep(i, names[i], geometry, conv.Bias), new[] { slot });
                    Then(conv.Activation, conv.NegativeSlope);
                    break;
                case RefActivation activation:
                    Add(new ActivationStep(i, activation.Kind, activation.NegativeSlope, size), new[] { slot });
                    break;
                case RefPool2D pool:
                    Add(new PoolStep(i, pool.Max, new PoolGeometry(shape[0], shape[1], shape[2], pool.Kernel, pool.EffectiveStride, next[1], next[2])), new[] { slot });
                    break;
                case RefGlobalAvgPool2D:
                    Add(new GlobalPoolStep(i, shape[0], shape[1] * shape[2]), new[] { slot });
                    break;
                case RefDropout dropout:
                    double[]? mask = null;
                    if (training && dropout.Rate > 0f && (masks is null || !masks.TryGetValue(names[i], out mask)))
                        throw new ArgumentException($"The reference needs a dropout mask for '{names[i]}' in training mode.");
                    Add(new DropoutStep(i, mask, size), new[] { slot });
                    break;
                case RefBatchNorm norm:
                    Add(new BatchNormStep(i, names[i], shape[0], size / shape[0], norm.Momentum, norm.Epsilon), new[] { slot });
                    break;
                case RefAdd add:
                    Add(new AddStep(i, size), reads[i].Select(SlotOf).ToArray());
                    Then(add.Activation, add.NegativeSlope);
                    break;
                case RefConcat:
                    Add(new ConcatStep(i, reads[i].Select(j => ShapeOf(j).Aggregate(1, (a, b) => a * b)).ToArray()), reads[i].Select(SlotOf).ToArray());
                    break;
                case RefFlatten:
                    break;
                default:
                    throw new InvalidOperationException("The reference has no rule for " + layer.GetType().Name);
            }
            layerSlots[i] = slot;
        }
        return (steps, slots, layerSlots);
    }

    /// <summary>Runs one step forward; returns what its backward pass needs besides x and y.</summary>
    private static object? Forward(Step step, RefTensors state, double[][] xs, double[] y, int batch, bool training)
    {
        var x = xs[0];
        switch (step)
        {
            case AddStep a:
                ReferenceLayers.AddForward(xs, y, batch * a.Size);
                return null;
            case ConcatStep c:
                ReferenceLayers.ConcatForward(xs, c.Parts, y, batch);
                return null;
            case DenseStep d:
                ReferenceLayers.DenseForward(x, state[d.Name + ".weight"], d.Bias ? state[d.Name + ".bias"] : null, y, batch, d.Inputs, d.Outputs);
                return null;
            case ActivationStep { Kind: Activation.Softmax } a:
                ReferenceLayers.SoftmaxForward(x, y, batch, a.Size);
                return null;
            case ActivationStep a:
                ReferenceLayers.ActivationForward(a.Kind, a.Slope, x, y, batch * a.Size);
                return null;
            case ConvStep c:
                ReferenceLayers.Conv2DForward(x, state[c.Name + ".weight"], c.Bias ? state[c.Name + ".bias"] : null, y, batch, c.Geometry);
                return null;
            case PoolStep { Max: true } p:
                var argmax = new int[y.Length];
                ReferenceLayers.MaxPoolForward(x, y, argmax, batch, p.Geometry);
                return argmax;
            case PoolStep p:
                ReferenceLayers.AvgPoolForward(x, y, batch, p.Geometry);
                return null;
            case GlobalPoolStep g:
                ReferenceLayers.GlobalAvgPoolForward(x, y, batch, g.Channels, g.Spatial);
                return null;
            case DropoutStep d:
                ReferenceLayers.DropoutForward(x, d.Mask, y, batch * d.Size);
                return null;
            case BatchNormStep n:
                var saved = ReferenceLayers.BatchNormForward(x, state[n.Name + ".weight"], state[n.Name + ".bias"],
                    state[n.Name + ".running_mean"], state[n.Name + ".running_var"], y, batch, n.Channels, n.Spatial,
                    n.Momentum, n.Epsilon, training);
                if (training) state[n.Name + ".num_batches_tracked"][0] += 1;
                return (saved.Normalized, saved.InverseStd, training);
            default:
                throw new InvalidOperationException("No forward rule for " + step);
        }
    }

    /// <summary>Runs one step backward: writes each input's gradient into <paramref name="dxs"/>, accumulates parameter gradients.</summary>
    private static void Backward(Step step, RefTensors state, double[][] xs, double[] y, double[] dy, double[][] dxs, object? cache,
        Dictionary<string, double[]> gradients, int batch)
    {
        var (x, dx) = (xs[0], dxs[0]);
        switch (step)
        {
            case AddStep a:
                foreach (var d in dxs) Array.Copy(dy, d, batch * a.Size);
                break;
            case ConcatStep c:
                ReferenceLayers.ConcatBackward(dy, c.Parts, dxs, batch);
                break;
            case DenseStep d:
                ReferenceLayers.DenseBackward(x, state[d.Name + ".weight"], dy, dx, gradients[d.Name + ".weight"],
                    d.Bias ? gradients[d.Name + ".bias"] : null, batch, d.Inputs, d.Outputs);
                break;
            case ActivationStep { Kind: Activation.Softmax } a:
                ReferenceLayers.SoftmaxBackward(y, dy, dx, batch, a.Size);
                break;
            case ActivationStep a:
                ReferenceLayers.ActivationBackward(a.Kind, a.Slope, x, dy, dx, batch * a.Size);
                break;
            case ConvStep c:
                ReferenceLayers.Conv2DBackward(x, state[c.Name + ".weight"], dy, dx, gradients[c.Name + ".weight"],
                    c.Bias ? gradients[c.Name + ".bias"] : null, batch, c.Geometry);
                break;
            case PoolStep { Max: true } p:
                ReferenceLayers.MaxPoolBackward((int[])cache!, dy, dx, batch, p.Geometry);
                break;
            case PoolStep p:
                ReferenceLayers.AvgPoolBackward(dy, dx, batch, p.Geometry);
                break;
            case GlobalPoolStep g:
                ReferenceLayers.GlobalAvgPoolBackward(dy, dx, batch, g.Channels, g.Spatial);
                break;
            case DropoutStep d:
                ReferenceLayers.DropoutBackward(d.Mask, dy, dx, batch * d.Size);
                break;
            case BatchNormStep n:
                var (normalized, inverseStd, batchStatistics) = ((double[], double[], bool))cache!;
                ReferenceLayers.BatchNormBackward(dy, normalized, inverseStd, state[n.Name + ".weight"], dx,
                    gradients[n.Name + ".weight"], gradients[n.Name + ".bias"], batch, n.Channels, n.Spatial, batchStatistics);
                break;
            default:
                throw new InvalidOperationException("No backward rule for " + step);
        }
    }

    /// <summary>Folds the piecewise-linear choices of a step (ReLU signs, max-pool winners) into the signature.</summary>
    private static long Fold(long signature, Step step, double[] x, object? cache, int batch)
    {
        unchecked
        {
            if (step is ActivationStep { Kind: Activation.ReLU or Activation.LeakyReLU } a)
                for (int i = 0; i < batch * a.Size; i++) signature = signature * 31 + (x[i] > 0 ? 1 : 2);
            if (cache is int[] argmax)
                foreach (int at in argmax) signature = signature * 31 + at;
            return signature;
        }
    }
}
