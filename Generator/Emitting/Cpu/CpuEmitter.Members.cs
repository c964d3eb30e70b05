using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Emitting.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Shape constants, the parameter table, fields, constructors and the INetwork/ITrainableNetwork members.
internal static partial class CpuEmitter
{
    private static void WriteConstants(CodeWriter w, NetworkPlan plan)
    {
        w.Line("// ---- Shapes (per sample, without the batch dimension) ----");
        w.Line();
        w.Line($"/// <summary>Floats in one input sample: {SizeText(plan.InputShape)}.</summary>");
        w.Line($"public const int {N.InputSize} = {I(plan.InputShape.Size)};");
        w.Line();
        w.Line($"/// <summary>Floats in one output sample: {SizeText(plan.OutputShape)}.</summary>");
        w.Line($"public const int {N.OutputSize} = {I(plan.OutputShape.Size)};");
        w.Line();
        w.Line("/// <summary>Trainable parameters, the length of <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public const int {N.ParameterCount} = {I(plan.ParameterCount)};");
        w.Line();
        w.Line("/// <summary>Non-trainable buffer values (e.g. batch-norm running statistics), the length of <see cref=\"Buffers\"/>.</summary>");
        w.Line($"public const int {N.BufferCount} = {I(plan.BufferCount)};");
        w.Line();
        w.Line("/// <summary>Layers, as listed in <see cref=\"Layers\"/>.</summary>");
        w.Line($"public const int {N.LayerCount} = {I(plan.Layers.Count)};");
        w.Line();
        w.Line("/// <summary>The batch capacity of the parameterless constructor.</summary>");
        w.Line($"public const int {N.DefaultMaxBatchSize} = {I(N.DefaultMaxBatchSizeValue)};");
        w.Line();
        w.Line($"private const string {N.NetworkName} = \"{plan.ClassName}\";");
        w.Line();

        w.Line("// Per-sample sizes of the work buffers.");
        foreach (var buffer in plan.Buffers)
            w.Line($"private const int {N.SizeConstant(buffer.Identifier)} = {I(buffer.Shape.Size)};{(buffer.Shape.Rank > 1 ? " // " + buffer.Shape : "")}");
        w.Line();

        w.Line("// ---- Parameter table: PyTorch names and layouts, offsets into Parameters (or Buffers) ----");
        w.Line();
        foreach (var tensor in plan.Tensors)
        {
            string where = tensor.Storage == TensorStorage.Parameter ? "Parameters" : "Buffers";
            w.Line($"/// <summary>Offset of <c>{tensor.Name}</c> ({DimsText(tensor)}) in <see cref=\"{where}\"/>.</summary>");
            w.Line($"public const int {tensor.Identifier}Offset = {I(tensor.Offset)};");
            w.Line($"/// <summary>Elements of <c>{tensor.Name}</c>.</summary>");
            w.Line($"public const int {tensor.Identifier}Length = {I(tensor.Length)};");
        }
        w.Line();
    }

    private static void WriteTables(CodeWriter w, NetworkPlan plan)
    {
        w.Line($"private static readonly int[] {N.InputShape} = {{ {string.Join(", ", plan.InputShape.Dims.Select(I))} }};");
        w.Line($"private static readonly int[] {N.OutputShape} = {{ {string.Join(", ", plan.OutputShape.Dims.Select(I))} }};");
        w.Line();
        using (w.Block($"private static readonly {N.TensorInfo}[] {N.TensorTable} =", closing: "};"))
        {
            foreach (var t in plan.Tensors)
            {
                string kind = t.Storage switch
                {
                    TensorStorage.Parameter => "Parameter",
                    TensorStorage.Buffer => "Buffer",
                    _ => "Counter",
                };
                string dims = t.Dims.Count == 0 ? "global::System.Array.Empty<int>()" : $"new[] {{ {string.Join(", ", t.Dims.Select(I))} }}";
                w.Line($"new {N.TensorInfo}(\"{t.Name}\", {I(t.LayerIndex)}, {dims}, {t.Identifier}Offset, {N.TensorKind}.{kind}),");
            }
        }
        w.Line();
        using (w.Block($"private static readonly {N.LayerInfo}[] {N.LayerTable} =", closing: "};"))
        {
            foreach (var layer in plan.Layers)
                w.Line($"new {N.LayerInfo}(\"{layer.Name}\", \"{layer.Kind}\", new[] {{ {string.Join(", ", layer.OutputShape.Dims.Select(I))} }}, {I(layer.ParameterCount)}),");
        }
        w.Line();
        if (plan.Ops.Any(op => op is Conv2DOp or PoolOp { Pool: not PoolKind.GlobalAverage } or DropoutOp))
        {
            foreach (var op in plan.Ops) WriteOpStatics(w, plan, op);
            w.Line();
        }
    }

    private static void WriteFields(CodeWriter w, NetworkPlan plan)
    {
        w.Line($"private readonly float[] {N.Parameters} = new float[{N.ParameterCount}];");
        if (plan.IsTrainable)
        {
            w.Line($"private readonly float[] {N.Gradients} = new float[{N.ParameterCount}];");
            w.Line($"private readonly bool[] {N.Trainable} = {{ {string.Join(", ", plan.Layers.Select(_ => "true"))} }};");
            w.Line($"private int {N.LowestTrainableOp}; // ops below this index need no gradient");
        }
        w.Line($"private readonly float[] {N.Buffers} = new float[{N.BufferCount}];");
        w.Line($"private int {N.Capacity};");
        w.Line($"private int {N.LastBatch};");
        w.Line($"private bool {N.IsTraining} = true;");
        w.Line($"private int {N.Seed};");
        w.Line($"private long {N.Step}; // training forward passes since initialisation: seeds the dropout masks");
        w.Line();
        w.Line("// Work arrays: one row per sample of the batch, allocated by EnsureBatchCapacity.");
        foreach (var array in BatchArrays(plan))
            w.Line($"private {array.ElementType}[] {array.Field} = {N.Array}.Empty<{array.ElementType}>(); // {array.Comment}");
        foreach (var op in plan.Ops) WriteOpState(w, plan, op);
        w.Line();
    }

    /// <summary>An array whose length scales with the batch capacity: declared once, allocated by EnsureBatchCapacity.</summary>
    /// <param name="Field">The field name.</param>
    /// <param name="ElementType">float or int.</param>
    /// <param name="PerSample">The constant giving its length per sample.</param>
    /// <param name="Comment">Its shape and purpose, for the declaration.</param>
    /// <param name="Layer">The layer it belongs to, for name-collision messages; set by <see cref="BatchArrays"/>.</param>
    internal sealed record BatchArray(string Field, string ElementType, string PerSample, string Comment, int Layer = -1);

    /// <summary>
    /// Every batch-scaled array of the network, in one list so that the declarations, the allocations in
    /// EnsureBatchCapacity and the member-name check cannot drift apart: each op's output buffer and its gradient twin,
    /// in the order the ops write them, then each op's own work arrays.
    /// </summary>
    internal static IEnumerable<BatchArray> BatchArrays(NetworkPlan plan)
    {
        foreach (int i in BuffersInOrder(plan))
        {
            var buffer = plan.Buffers[i];
            string size = N.SizeConstant(buffer.Identifier);
            int layer = plan.Ops.First(op => op.Output == i).Layers[0];
            yield return new BatchArray(N.Field(buffer.Identifier), "float", size, $"{BatchShape(buffer.Shape)}, from {buffer.Producer}", layer);
            if (NeedsGradient(plan, i))
                yield return new BatchArray(N.GradientField(buffer.Identifier), "float", size, $"{BatchShape(buffer.Shape)}, dLoss/d{buffer.Identifier}", layer);
        }
        for (int i = 0; i < plan.Ops.Count; i++)
        {
            var arrays = plan.Ops[i] switch
            {
                Conv2DOp conv => Conv2DArrays(plan, conv, i),
                PoolOp pool => PoolArrays(plan, pool),
                DropoutOp dropout => new[] { DropoutMask(plan, dropout) },
                BatchNormOp norm => new[] { BatchNormNormalized(plan, norm) },
                _ => System.Array.Empty<BatchArray>(),
            };
            foreach (var array in arrays) yield return array with { Layer = plan.Ops[i].Layers[0] };
        }
    }

    /// <summary>Buffer indices in the order the ops write them, so that declarations read like the forward pass.</summary>
    private static int[] BuffersInOrder(NetworkPlan plan) =>
        Enumerable.Range(0, plan.Buffers.Count).OrderBy(b => plan.Ops.Select((op, i) => (op, i)).First(p => p.op.Output == b).i).ToArray();

    /// <summary>Whether a work buffer needs a gradient twin: not when untrained, nor for an output the loss differentiates past.</summary>
    private static bool NeedsGradient(NetworkPlan plan, int buffer) =>
        plan.IsTrainable && !plan.Ops.Any(op => op is ActivationOp { AbsorbedByLoss: true } a && a.Output == buffer);

    private static void WriteConstructors(CodeWriter w, NetworkPlan plan)
    {
        w.Line($"/// <summary>Creates the network with parameters initialised from seed 0 and room for batches of <see cref=\"{N.DefaultMaxBatchSize}\"/> samples.</summary>");
        w.Line($"public {Escape(plan.ClassName)}() : this(0) {{ }}");
        w.Line();
        w.Line("/// <summary>Creates the network with parameters initialised from <paramref name=\"seed\"/>.</summary>");
        w.Line("/// <param name=\"seed\">The initialisation seed; the same seed gives the same weights on every machine.</param>");
        w.Line("/// <param name=\"maxBatchSize\">The largest batch the work buffers hold; <see cref=\"EnsureBatchCapacity\"/> can grow it later.</param>");
        using (w.Block($"public {Escape(plan.ClassName)}(int seed, int maxBatchSize = {N.DefaultMaxBatchSize})"))
        {
            w.Line("EnsureBatchCapacity(maxBatchSize);");
            w.Line("InitializeParameters(seed);");
            if (plan.IsTrainable) w.Line($"{N.UpdateLowestTrainableOp}();");
        }
        w.Line();

        w.Line("/// <inheritdoc/>");
        using (w.Block("public void EnsureBatchCapacity(int batchSize)"))
        {
            w.Line($"if (batchSize < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, {N.NetworkName} + \": the batch capacity must be at least 1.\");");
            w.Line($"if (batchSize <= {N.Capacity}) return;");
            w.Line($"{N.Guard}.Capacity({N.NetworkName}, batchSize, largestPerSample: {I(LargestPerSample(plan))});");
            w.Line($"{N.Capacity} = batchSize;");
            foreach (var array in BatchArrays(plan))
                w.Line($"{array.Field} = new {array.ElementType}[batchSize * {array.PerSample}];");
        }
        w.Line();

        w.Line("/// <inheritdoc/>");
        using (w.Block("public void InitializeParameters(int seed)"))
        {
            w.Line($"{N.Seed} = seed;");
            w.Line($"{N.Step} = 0;");
            w.Line("// Each tensor draws from its own stream, keyed by a hash of its name, so adding or removing a layer");
            w.Line("// leaves the initial weights of the others unchanged.");
            foreach (var t in plan.Tensors)
            {
                if (t.Storage == TensorStorage.Parameter)
                {
                    string role = t.IsBias ? "Bias" : "Weight";
                    w.Line($"var {Camel(t.Identifier)}Random = new {N.SeededRandom}(seed, stream: {StreamOf(t.Name)}); // stream: FNV-1a of \"{t.Name}\"");
                    w.Line($"{N.ParameterInit}.Apply({N.Init}.{t.Init}, {N.LayerKind}.{t.LayerKind}, {N.TensorRole}.{role}, {t.Identifier}, fanIn: {I(t.FanIn)}, fanOut: {I(t.FanOut)}, ref {Camel(t.Identifier)}Random);");
                }
                else
                {
                    string value = t.Init == InitKind.Ones ? "1f" : "0f";
                    w.Line($"{t.Identifier}.Fill({value}); // {t.Name}");
                }
            }
        }
        w.Line();
    }

    private static void WriteTensorViews(CodeWriter w, NetworkPlan plan)
    {
        w.Line("// ---- Named views of the parameter, gradient and buffer arrays ----");
        w.Line();
        foreach (var t in plan.Tensors)
        {
            string array = t.Storage == TensorStorage.Parameter ? N.Parameters : N.Buffers;
            w.Line($"/// <summary><c>{t.Name}</c>, {DimsText(t)}{LayoutNote(t)}.</summary>");
            w.Line($"public {N.Span} {t.Identifier} => new {N.Span}({array}, {t.Identifier}Offset, {t.Identifier}Length);");
            if (t.Storage == TensorStorage.Parameter && plan.IsTrainable)
            {
                w.Line($"/// <summary>The gradient of <c>{t.Name}</c> from the last ForwardBackward.</summary>");
                w.Line($"public {N.Span} {t.Identifier}Gradient => new {N.Span}({N.Gradients}, {t.Identifier}Offset, {t.Identifier}Length);");
            }
            w.Line();
        }
    }

    private static void WriteNetworkMembers(CodeWriter w, NetworkPlan plan)
    {
        w.Line("// ---- INetwork ----");
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
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlyList}<{N.TensorInfo}> Tensors => {N.TensorTable};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Span} Parameters => {N.Parameters};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Span} Buffers => {N.Buffers};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public bool IsTraining {{ get => {N.IsTraining}; set => {N.IsTraining} = value; }}");
        w.Line("/// <inheritdoc/>");
        w.Line($"public global::Myelin.NetworkRandomState RandomState {{ get => new({N.Seed}, {N.Step}); set => ({N.Seed}, {N.Step}) = (value.Seed, value.Step); }}");
        w.Line();
        if (!plan.IsTrainable) return;

        w.Line("// ---- ITrainableNetwork ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Loss} Loss => {N.Loss}.{plan.Loss.Kind};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public global::Myelin.Activation OutputActivation => global::Myelin.Activation.{FinalActivation(plan)};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Span} Gradients => {N.Gradients};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlySpan} Outputs => new {N.ReadOnlySpan}({Activations(plan, plan.OutputBuffer)}, 0, {N.LastBatch} * {N.OutputSize});");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public bool IsTrainable(int layerIndex)"))
        {
            w.Line($"{N.Guard}.LayerIndex({N.NetworkName}, layerIndex, {N.LayerCount});");
            w.Line($"return {N.Trainable}[layerIndex];");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void SetTrainable(int layerIndex, bool trainable)"))
        {
            w.Line($"{N.Guard}.LayerIndex({N.NetworkName}, layerIndex, {N.LayerCount});");
            w.Line($"{N.Trainable}[layerIndex] = trainable;");
            w.Line("// A frozen layer's gradient stays zero: backward no longer writes it.");
            using (w.Block($"foreach (var tensor in {N.TensorTable})"))
            {
                w.Line($"if (tensor.LayerIndex == layerIndex && tensor.Kind == {N.TensorKind}.Parameter)");
                w.Line($"    new {N.Span}({N.Gradients}, tensor.Offset, tensor.Length).Clear();");
            }
            w.Line($"{N.UpdateLowestTrainableOp}();");
        }
        w.Line();
        w.Line("/// <summary>Backward stops at the first op, from the input side, whose parameters are trained: nothing below it needs a gradient.</summary>");
        using (w.Block($"private void {N.UpdateLowestTrainableOp}()"))
        {
            for (int i = 0; i < plan.Ops.Count; i++)
            {
                var op = plan.Ops[i];
                if (op.ParameterLayer < 0) continue;
                w.Line($"if ({N.Trainable}[{I(op.ParameterLayer)}]) {{ {N.LowestTrainableOp} = {I(i)}; return; }} // {plan.Layers[op.ParameterLayer].Name}");
            }
            w.Line($"{N.LowestTrainableOp} = {I(plan.Ops.Count)};");
        }
        w.Line();
    }

    /// <summary>The most floats any per-sample work buffer needs: batch capacity times this must fit an array.</summary>
    private static int LargestPerSample(NetworkPlan plan)
    {
        int largest = plan.Buffers.Max(b => b.Shape.Size);
        foreach (var op in plan.Ops)
        {
            if (op is Conv2DOp conv) largest = System.Math.Max(largest, ProductSizes(conv).K * ProductSizes(conv).P);
        }
        return largest;
    }

    /// <summary>The activation the network's outputs have been through (the last op's, fused or not).</summary>
    private static ActivationKind FinalActivation(NetworkPlan plan) => plan.Ops[plan.Ops.Count - 1] switch
    {
        ActivationOp a => a.Activation,
        DenseOp d => d.Activation,
        Conv2DOp c => c.Activation,
        BatchNormOp b => b.Activation,
        _ => ActivationKind.None,
    };

    private static string SizeText(Shape shape) => shape.Rank == 1 ? I(shape.Size) : $"{shape} = {I(shape.Size)}";

    private static string DimsText(PlannedTensor t) => t.Dims.Count == 0 ? "a scalar" : "[" + string.Join(", ", t.Dims.Select(I)) + "]";

    private static string LayoutNote(PlannedTensor t) => t.Dims.Count switch
    {
        2 => " (out, in), row-major",
        4 => " (out channels, in channels, kernel height, kernel width)",
        _ => "",
    };

    private static string Camel(string identifier) => char.ToLowerInvariant(identifier[0]) + identifier.Substring(1);

    /// <summary>FNV-1a (64-bit) of a tensor name, as a literal: a stable random stream per tensor.</summary>
    private static string StreamOf(string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in name)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return "unchecked((long)0x" + hash.ToString("X16", CultureInfo.InvariantCulture) + "UL)";
    }
}
