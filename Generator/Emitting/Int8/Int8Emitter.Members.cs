using System.Linq;
using Myelin.Generator.Emitting.Cpu;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;
using Q = Myelin.Generator.Model.Int8Names;

namespace Myelin.Generator.Emitting.Int8;

// The nested int8 class: its documentation, state table, fields, constructors, state setter, the views of its state and
// work memory, the INetwork members and the forward pass.
internal static partial class Int8Emitter
{
    private static void WriteInt8Class(CodeWriter w, QuantizationPlan q)
    {
        var plan = q.Network;
        string outer = N.Escape(plan.ClassName);
        WriteClassDocumentation(w, q);
        w.Line($"[{N.GeneratedCode}(\"{CpuEmitter.GeneratorName}\", \"{CpuEmitter.GeneratorVersion}\")]");
        using (w.Block($"public sealed class {Q.Class} : {Q.IInt8Network}"))
        {
            WriteStateTable(w, q);
            WriteFields(w, q);
            WriteConstructors(w, q, outer);
            WriteState(w, q);
            WriteViews(w, q);
            WriteNetworkMembers(w, q);
            WriteForward(w, q);
            // A max pool in a convolution's epilogue has no method of its own: the convolution writes its output.
            foreach (var op in q.Ops.Where(op => !IsPoolEpilogue(plan.Ops[op.Op]))) WriteOp(w, q, op);
        }
    }

    private static void WriteClassDocumentation(CodeWriter w, QuantizationPlan q)
    {
        var plan = q.Network;
        long floatBytes = 4L * (plan.ParameterCount + plan.BufferCount);
        long int8Bytes = q.Int8Length + 4L * q.FloatLength;
        w.Line("/// <summary>");
        w.Line($"/// <see cref=\"{N.Escape(plan.ClassName)}\"/> in int8, for inference: per-output-channel symmetric int8 weights, int8 activations with");
        w.Line("/// calibrated scales, int32 sums. Made by <c>Quantize.ToInt8(network, calibrationData)</c>, saved and loaded by <c>Int8Checkpoint</c>.");
        w.Line("/// </summary>");
        w.Line("/// <remarks>");
        w.Line("/// <para>Execution plan (a value <c>q</c> with scale <c>s</c> stands for <c>q · s</c>):</para>");
        w.Line("/// <list type=\"number\">");
        w.Line($"/// <item><description>input: quantised with scale {q.Tensors[q.Scales[0].Tensor].Name}</description></item>");
        foreach (var op in q.Ops)
        {
            var planned = plan.Ops[op.Op];
            var output = q.Storage(planned.Output);
            string storage = output.IsFloat ? "float" : $"int8, scale {q.Tensors[q.Scales[output.Scale].Tensor].Name}";
            w.Line($"/// <item><description>{CodeWriter.Xml(planned.Description)} -&gt; {CodeWriter.Xml(storage)}</description></item>");
        }
        w.Line("/// </list>");
        w.Line($"/// <para>State: {Count(q.Int8Length)} int8 weights and {Count(q.FloatLength)} floats (scales, biases), {Count(int8Bytes)} bytes against "
            + $"{Count(floatBytes)} for the float network.</para>");
        w.Line("/// </remarks>");
    }

    private static void WriteStateTable(CodeWriter w, QuantizationPlan q)
    {
        w.Line("// ---- State: what Int8Checkpoint saves, by name; int8 weights in one array, scales and kept floats in another ----");
        w.Line();
        w.Line($"private const int Int8StateLength = {I(q.Int8Length)}, FloatStateLength = {I(q.FloatLength)};");
        foreach (var t in q.Tensors)
        {
            string dtype = t.IsInt8 ? "I8" : "F32";
            w.Line($"private const int {Q.At(t.Identifier)} = {I(t.Offset)}, {Q.Length(t.Identifier)} = {I(t.Length)}; // {t.Name}, {dtype} [{string.Join(", ", t.Dims.Select(I))}]");
        }
        w.Line();
        using (w.Block($"private static readonly {Q.QuantizedTensorInfo}[] s_quantizedTensors =", closing: "};"))
        {
            foreach (var t in q.Tensors)
            {
                string dims = t.Dims.Count == 0 ? $"{N.Array}.Empty<int>()" : $"new[] {{ {string.Join(", ", t.Dims.Select(I))} }}";
                w.Line($"new {Q.QuantizedTensorInfo}(\"{t.Name}\", {Q.QuantizedTensorKind}.{t.Kind}, {dims}, {Q.At(t.Identifier)}),");
            }
        }
        w.Line();
    }

    private static void WriteFields(CodeWriter w, QuantizationPlan q)
    {
        var plan = q.Network;
        w.Line($"private readonly sbyte[] {Q.Int8State} = new sbyte[Int8StateLength];");
        w.Line($"private readonly float[] {Q.FloatState} = new float[FloatStateLength];");
        w.Line($"private bool {Q.HasState};");
        w.Line($"private int {N.Capacity};");
        w.Line($"private global::Myelin.NetworkRandomState _randomState;");
        w.Line();
        w.Line("// What the kernels run on, derived from the state by Prepare: packed weights and their sums, each channel's");
        w.Line("// input-times-weight scale, the inverse of each output scale, activation tables.");
        w.Line("private float _inputInverseScale;");
        foreach (var op in q.Ops) WriteDerivedFields(w, q, op);
        w.Line();
        w.Line("// Work memory, allocated by EnsureBatchCapacity: the quantised input, the int8 values at the float plan's arena");
        w.Line("// offsets (as bytes), and the float values of the network's last layers.");
        w.Line($"private sbyte[] {Q.Input} = {N.Array}.Empty<sbyte>(); // [capacity * {N.InputSize}]");
        w.Line($"private sbyte[] {N.Arena} = {N.Array}.Empty<sbyte>(); // [capacity * {N.ArenaSize}]");
        foreach (var value in FloatValues(q))
            w.Line($"private float[] {Q.FloatValue(value.Identifier)} = {N.Array}.Empty<float>(); // [capacity * {N.SizeConstant(value.Identifier)}]");
        foreach (var op in q.Ops.Where(o => NeedsSum(q, o)))
            w.Line($"private float[] {Q.Sum(plan.Ops[op.Op].Identifier)} = {N.Array}.Empty<float>(); // [capacity * {N.SizeConstant(plan.Values[plan.Ops[op.Op].Output].Identifier)}], the sum in real units");
        w.Line();
    }

    /// <summary>The values the plan keeps in float: the network's last layers.</summary>
    private static System.Collections.Generic.IEnumerable<PlannedValue> FloatValues(QuantizationPlan q) =>
        Enumerable.Range(0, q.Network.Values.Count).Where(i => q.Values[i].IsFloat).Select(i => q.Network.Values[i]);

    private static void WriteConstructors(CodeWriter w, QuantizationPlan q, string outer)
    {
        var plan = q.Network;
        w.Line("/// <summary>Creates the int8 network with no state yet, to load a checkpoint into (<c>Int8Checkpoint.Load</c>).</summary>");
        w.Line("/// <param name=\"maxBatchSize\">The largest batch the work buffers hold; <see cref=\"EnsureBatchCapacity\"/> can grow it later.</param>");
        w.Line($"public {Q.Class}(int maxBatchSize = {N.DefaultMaxBatchSize}) => EnsureBatchCapacity(maxBatchSize);");
        w.Line();
        w.Line($"/// <summary>Quantises <paramref name=\"network\"/>'s current weights per output channel, with the given activation scales.</summary>");
        w.Line("/// <param name=\"network\">The trained float network.</param>");
        w.Line($"/// <param name=\"activationScales\">One scale per calibrated value, in the order of its <c>CalibratedValues</c>: {CodeWriter.Xml(string.Join(", ", q.Scales.Select(s => s.Name)))}.</param>");
        w.Line("/// <param name=\"maxBatchSize\">The largest batch the work buffers hold.</param>");
        using (w.Block($"public {Q.Class}({outer} network, {N.ReadOnlySpan} activationScales, int maxBatchSize = {N.DefaultMaxBatchSize}) : this(maxBatchSize)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(network);");
            w.Line($"if (activationScales.Length != {I(q.Scales.Count)}) throw new global::System.ArgumentException({N.NetworkName} + \" has {I(q.Scales.Count)} activation scales, but \" + activationScales.Length + \" were given.\", nameof(activationScales));");
            w.Line("var int8 = new sbyte[Int8StateLength];");
            w.Line("var floats = new float[FloatStateLength];");
            for (int i = 0; i < q.Scales.Count; i++)
                w.Line($"floats[{Q.At(q.Tensors[q.Scales[i].Tensor].Identifier)}] = activationScales[{I(i)}]; // {q.Tensors[q.Scales[i].Tensor].Name}");
            foreach (var t in q.Tensors.Where(t => t.Source >= 0))
            {
                var source = plan.Tensors[t.Source];
                switch (t.Kind)
                {
                    case QuantizedKind.Int8Weight:
                        var scale = q.Tensors.First(s => s.Kind == QuantizedKind.WeightScale && s.Source == t.Source);
                        w.Line($"{Q.QuantizedState}.QuantizeWeights(network.{source.Identifier}, {I(source.Dims[0])}, new {Q.ByteSpan}(int8, {Q.At(t.Identifier)}, {Q.Length(t.Identifier)}), new {N.Span}(floats, {Q.At(scale.Identifier)}, {Q.Length(scale.Identifier)}));");
                        break;
                    case QuantizedKind.Float:
                        w.Line($"network.{source.Identifier}.CopyTo(new {N.Span}(floats, {Q.At(t.Identifier)}, {Q.Length(t.Identifier)}));");
                        break;
                }
            }
            w.Line("SetState(int8, floats);");
        }
        w.Line();
    }

    private static void WriteState(CodeWriter w, QuantizationPlan q)
    {
        w.Line("// ---- IInt8Network ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlyList}<{Q.QuantizedTensorInfo}> QuantizedTensors => s_quantizedTensors;");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Q.ReadOnlyByteSpan} Int8State => {Q.Int8State};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlySpan} FloatState => {Q.FloatState};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public bool HasState => {Q.HasState};");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void SetState({Q.ReadOnlyByteSpan} int8State, {N.ReadOnlySpan} floatState)"))
        {
            w.Line($"{Q.QuantizedState}.Check({N.NetworkName} + \".{Q.Class}\", s_quantizedTensors, int8State, floatState, Int8StateLength, FloatStateLength);");
            w.Line($"int8State.CopyTo({Q.Int8State});");
            w.Line($"floatState.CopyTo({Q.FloatState});");
            w.Line($"{Q.Prepare}();");
            w.Line($"{Q.HasState} = true;");
        }
        w.Line();
        w.Line("/// <summary>Derives what the kernels run on from the state.</summary>");
        using (w.Block($"private void {Q.Prepare}()"))
        {
            w.Line($"_inputInverseScale = 1f / {ScaleOf(q, -1)};");
            foreach (var op in q.Ops) WritePrepare(w, q, op);
        }
        w.Line();
        using (w.Block($"private void {Q.RequireState}()"))
        {
            w.Line($"if (!{Q.HasState}) throw new global::System.InvalidOperationException({N.NetworkName} + \".{Q.Class} has no weights yet: make it with Quantize.ToInt8 or load an int8 checkpoint (Int8Checkpoint.Load).\");");
        }
        w.Line();
    }

    /// <summary>Named views of the state tensors and of the work memory.</summary>
    private static void WriteViews(CodeWriter w, QuantizationPlan q)
    {
        var plan = q.Network;
        w.Line("// ---- Views of the state ----");
        w.Line();
        foreach (var t in q.Tensors)
        {
            if (t.Kind == QuantizedKind.ActivationScale)
                w.Line($"private float {t.Identifier} => {Q.FloatState}[{Q.At(t.Identifier)}]; // {t.Name}");
            else if (t.IsInt8)
                w.Line($"private {Q.ReadOnlyByteSpan} {t.Identifier} => new {Q.ReadOnlyByteSpan}({Q.Int8State}, {Q.At(t.Identifier)}, {Q.Length(t.Identifier)}); // {t.Name}");
            else
                w.Line($"private {N.ReadOnlySpan} {t.Identifier} => new {N.ReadOnlySpan}({Q.FloatState}, {Q.At(t.Identifier)}, {Q.Length(t.Identifier)}); // {t.Name}");
        }
        w.Line();
        w.Line("// ---- Views of the work memory, sized for the batch capacity ----");
        w.Line();
        w.Line($"private {Q.ByteSpan} {QuantizedInputView} => new {Q.ByteSpan}({Q.Input}, 0, {N.InputSize} * {N.Capacity});");
        for (int i = 0; i < plan.Values.Count; i++)
        {
            var value = plan.Values[i];
            string size = N.SizeConstant(value.Identifier);
            w.Line(q.Values[i].IsFloat
                ? $"private {N.Span} {N.ValueView(value.Identifier)} => new {N.Span}({Q.FloatValue(value.Identifier)}, 0, {size} * {N.Capacity}); // {BatchShape(value.Shape)}, from {value.Producer}, float"
                : $"private {Q.ByteSpan} {N.ValueView(value.Identifier)} => new {Q.ByteSpan}({N.Arena}, {N.OffsetConstant(value.Identifier)} * {N.Capacity}, {size} * {N.Capacity}); // {BatchShape(value.Shape)}, from {value.Producer}");
        }
        w.Line();
    }

    private static void WriteNetworkMembers(CodeWriter w, QuantizationPlan q)
    {
        var plan = q.Network;
        int largest = new[] { plan.ArenaSize, plan.InputShape.Size }.Concat(plan.Values.Select(v => v.Shape.Size)).Max();
        w.Line("// ---- INetwork: an inference network with no float parameters, always in eval mode ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlyList}<int> InputShape => {N.InputShape};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlyList}<int> OutputShape => {N.OutputShape};");
        w.Line($"int {N.INetwork}.InputSize => {N.InputSize};");
        w.Line($"int {N.INetwork}.OutputSize => {N.OutputSize};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public int MaxBatchSize => {N.Capacity};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlyList}<{N.LayerInfo}> Layers => {N.LayerTable};");
        w.Line("/// <summary>Empty: the state is in <see cref=\"QuantizedTensors\"/>.</summary>");
        w.Line($"public {N.ReadOnlyList}<{N.TensorInfo}> Tensors => {N.Array}.Empty<{N.TensorInfo}>();");
        w.Line("/// <summary>Empty: the weights are int8, in <see cref=\"Int8State\"/>.</summary>");
        w.Line($"public {N.Span} Parameters => default;");
        w.Line("/// <summary>Empty: batch-norm statistics are kept in <see cref=\"FloatState\"/>.</summary>");
        w.Line($"public {N.Span} Buffers => default;");
        w.Line("/// <summary>Always false: the int8 network only runs inference. Setting it to true is refused.</summary>");
        using (w.Block("public bool IsTraining"))
        {
            w.Line("get => false;");
            w.Line($"set {{ if (value) throw new global::System.InvalidOperationException({N.NetworkName} + \".{Q.Class} runs inference only; train the float network and quantise it again.\"); }}");
        }
        w.Line("/// <summary>Kept as set; nothing in an int8 forward pass is random.</summary>");
        w.Line("public global::Myelin.NetworkRandomState RandomState { get => _randomState; set => _randomState = value; }");
        w.Line();
        w.Line("/// <summary>Refused: the int8 weights come from a trained float network or a checkpoint, not from a seed.</summary>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">Always.</exception>");
        w.Line($"public void InitializeParameters(int seed) => throw new global::System.NotSupportedException({N.NetworkName} + \".{Q.Class} holds int8 weights quantised from a trained float network (Quantize.ToInt8) or loaded from a checkpoint (Int8Checkpoint.Load); it cannot be initialised from a seed.\");");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void EnsureBatchCapacity(int batchSize)"))
        {
            w.Line($"if (batchSize < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, {N.NetworkName} + \": the batch capacity must be at least 1.\");");
            w.Line($"if (batchSize <= {N.Capacity}) return;");
            w.Line($"{N.Guard}.Capacity({N.NetworkName}, batchSize, largestPerSample: {I(largest)});");
            w.Line($"{N.Capacity} = batchSize;");
            w.Line($"{Q.Input} = new sbyte[batchSize * {N.InputSize}];");
            w.Line($"{N.Arena} = new sbyte[batchSize * {N.ArenaSize}];");
            foreach (var value in FloatValues(q))
                w.Line($"{Q.FloatValue(value.Identifier)} = new float[batchSize * {N.SizeConstant(value.Identifier)}];");
            foreach (var op in q.Ops.Where(o => NeedsSum(q, o)))
                w.Line($"{Q.Sum(plan.Ops[op.Op].Identifier)} = new float[batchSize * {N.SizeConstant(plan.Values[plan.Ops[op.Op].Output].Identifier)}];");
        }
        w.Line();
    }

    private static void WriteForward(CodeWriter w, QuantizationPlan q)
    {
        var plan = q.Network;
        string output = Int8Activations(q, plan.OutputValue);
        string copyOut(string count, string target) => q.FloatOutput
            ? $"{output}.Slice(0, {count}).CopyTo({target});"
            : $"{Q.Int8Kernels}.Dequantize({output}.Slice(0, {count}), {target}.Slice(0, {count}), {ScaleOf(q, plan.OutputValue)});";

        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} input, {N.Span} output)"))
        {
            w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(input), input.Length, 1, {N.InputSize});");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(output), output.Length, 1, {N.OutputSize});");
            w.Line($"{N.RunForward}(input, 1);");
            w.Line(copyOut(N.OutputSize, "output"));
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({N.ReadOnlySpan} inputs, {N.Span} outputs, int batchSize)"))
        {
            w.Line($"{N.Guard}.BatchSize({N.NetworkName}, batchSize, {N.Capacity});");
            w.Line($"{N.Guard}.Inputs({N.NetworkName}, nameof(inputs), inputs.Length, batchSize, {N.InputSize});");
            w.Line($"{N.Guard}.Outputs({N.NetworkName}, nameof(outputs), outputs.Length, batchSize, {N.OutputSize});");
            w.Line($"{N.RunForward}(inputs, batchSize);");
            w.Line(copyOut($"batchSize * {N.OutputSize}", "outputs"));
        }
        w.Line();
        w.Line("/// <summary>Quantises the inputs and runs every op of the plan in order; the result is in the output value.</summary>");
        using (w.Block($"private void {N.RunForward}({N.ReadOnlySpan} inputs, int batch)"))
        {
            w.Line($"{Q.RequireState}();");
            w.Line($"// The input: q = Quantize(x / {q.Tensors[q.Scales[0].Tensor].Name})");
            w.Line($"{Q.Int8Kernels}.Quantize(inputs.Slice(0, batch * {N.InputSize}), {QuantizedInputView}.Slice(0, batch * {N.InputSize}), _inputInverseScale);");
            for (int i = 0; i < plan.Ops.Count; i++)
            {
                var op = plan.Ops[i];
                w.Line($"// {I(i + 1)}. {op.Description}");
                if (IsPoolEpilogue(op))
                {
                    w.Line("//    (computed by the convolution before it, in its epilogue)");
                    continue;
                }
                var arguments = op.Inputs.Select(input => Int8Activations(q, input.Value)).Append(Int8Activations(q, Written(plan, op))).Append("batch");
                w.Line($"{N.ForwardMethod(op.Identifier)}({string.Join(", ", arguments)});");
            }
        }
        w.Line();
    }

    /// <summary>Whether an op sums its inputs in real units into a float work array before requantising (an int8 sum).</summary>
    private static bool NeedsSum(QuantizationPlan q, QuantizedOp op) =>
        q.Network.Ops[op.Op] is AddOp add && !q.Storage(add.Output).IsFloat;
}
