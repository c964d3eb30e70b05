using System.Globalization;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Cpu;

// Shape constants, the parameter table, fields, constructors, the views of the parameters and of the arena, and the
// INetwork/ITrainableNetwork members.
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
        w.Line("/// <summary>Floating-point operations of one sample's forward pass: each matrix product's multiply-adds, counted twice.</summary>");
        w.Line($"public const long {N.ForwardFlopsPerSample} = {plan.ForwardFlops.ToString(CultureInfo.InvariantCulture)};");
        w.Line();
        w.Line("/// <summary>Floating-point operations of one sample's training step: the forward products, and each weight- and input-gradient product.</summary>");
        w.Line($"public const long {N.TrainingFlopsPerSample} = {plan.TrainingFlops.ToString(CultureInfo.InvariantCulture)};");
        w.Line();
        w.Line($"private const string {N.NetworkName} = \"{plan.ClassName}\";");
        w.Line();

        w.Line("// Per-sample sizes of the values, and where each value (and gradient) starts in the arena, per sample of capacity.");
        foreach (var value in plan.Values)
        {
            string gradient = value.HasGradient ? $", {N.GradientOffsetConstant(value.Identifier)} = {I(value.GradientOffset)}" : "";
            w.Line($"private const int {N.SizeConstant(value.Identifier)} = {I(value.Shape.Size)}, {N.OffsetConstant(value.Identifier)} = {I(value.Offset)}{gradient};"
                + (value.Shape.Rank > 1 ? " // " + value.Shape : ""));
        }
        w.Line($"private const int {N.ArenaSize} = {I(plan.ArenaSize)}; // floats per sample of capacity, against {I(plan.UnsharedSize)} with one buffer per value");
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
            {
                string inputs = string.Join(", ", layer.Inputs.Select(name => $"\"{name}\""));
                string settings = SettingsInitializer(layer.Settings);
                w.Line($"new {N.LayerInfo}(\"{layer.Name}\", \"{layer.Kind}\", new[] {{ {string.Join(", ", layer.OutputShape.Dims.Select(I))} }}, {I(layer.ParameterCount)})"
                    + $" {{ Inputs = new[] {{ {inputs} }}{(settings.Length == 0 ? "" : $", Settings = new() {{ {settings} }}")} }},");
            }
        }
        w.Line();
        if (plan.Ops.Any(op => op is Conv2DOp or PoolOp { Pool: not PoolKind.GlobalAverage } or DropoutOp or RecurrentOp))
        {
            foreach (var op in plan.Ops) WriteOpStatics(w, op);
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
        }
        w.Line($"private readonly float[] {N.Buffers} = new float[{N.BufferCount}];");
        w.Line($"private int {N.Capacity};");
        w.Line($"private int {N.LastBatch};");
        w.Line($"private bool {N.IsTraining} = true;");
        w.Line($"private int {N.Seed};");
        w.Line($"private long {N.Step}; // training forward passes since initialisation: seeds the dropout masks");
        w.Line();
        w.Line($"// Work memory, allocated by EnsureBatchCapacity: the arena holding every value{(plan.IsTrainable ? " and gradient" : "")}, and the ops' own arrays.");
        w.Line($"private float[] {N.Arena} = {N.Array}.Empty<float>(); // [capacity * {N.ArenaSize}]");
        foreach (var array in plan.Arrays)
            w.Line($"private {array.ElementType}[] {array.Field} = {N.Array}.Empty<{array.ElementType}>(); // {array.Comment}");
        foreach (var op in plan.Ops) WriteOpState(w, plan, op);
        if (plan.IsTrainable)
        {
            w.Line();
            w.Line("// Which gradients the next backward pass needs: a value's, when a trained layer (or the input, when its gradient");
            w.Line($"// is asked for) lies upstream of it. Kept by {N.UpdateGradientNeeds}.");
            w.Line($"private bool {N.InputNeedsGradient};");
            foreach (var value in plan.Values)
                w.Line($"private bool {N.NeedsGradientField(value.Identifier)};");
        }
        w.Line();
    }

    private static void WriteConstructors(CodeWriter w, NetworkPlan plan)
    {
        string name = N.Escape(plan.ClassName);
        w.Line($"/// <summary>Creates the network with parameters initialised from seed 0 and room for batches of <see cref=\"{N.DefaultMaxBatchSize}\"/> samples.</summary>");
        w.Line($"public {name}() : this(0) {{ }}");
        w.Line();
        w.Line("/// <summary>Creates the network with parameters initialised from <paramref name=\"seed\"/>.</summary>");
        w.Line("/// <param name=\"seed\">The initialisation seed; the same seed gives the same weights on every machine.</param>");
        w.Line("/// <param name=\"maxBatchSize\">The largest batch the work buffers hold; <see cref=\"EnsureBatchCapacity\"/> can grow it later.</param>");
        using (w.Block($"public {name}(int seed, int maxBatchSize = {N.DefaultMaxBatchSize})"))
        {
            w.Line("EnsureBatchCapacity(maxBatchSize);");
            w.Line("InitializeParameters(seed);");
            if (plan.IsTrainable) w.Line($"{N.UpdateGradientNeeds}();");
        }
        w.Line();

        int largest = System.Math.Max(plan.ArenaSize, plan.Arrays.Count == 0 ? 0 : plan.Arrays.Max(a => a.PerSample));
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void EnsureBatchCapacity(int batchSize)"))
        {
            w.Line($"if (batchSize < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, {N.NetworkName} + \": the batch capacity must be at least 1.\");");
            w.Line($"if (batchSize <= {N.Capacity}) return;");
            w.Line($"{N.Guard}.Capacity({N.NetworkName}, batchSize, largestPerSample: {I(largest)});");
            w.Line($"{N.Capacity} = batchSize;");
            w.Line($"{N.Arena} = new float[batchSize * {N.ArenaSize}];");
            foreach (var array in plan.Arrays)
                w.Line($"{array.Field} = new {array.ElementType}[batchSize * {array.SizeConstant}];");
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
                    w.Line($"var {Camel(t.Identifier)}Random = new {N.SeededRandom}(seed, stream: {StreamLiteral(t.Stream)}); // stream: FNV-1a of \"{t.Name}\"");
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

    /// <summary>One private view per value and per gradient, each <c>capacity</c> samples long, at its offset in the arena.</summary>
    private static void WriteValueViews(CodeWriter w, NetworkPlan plan)
    {
        w.Line("// ---- Views of the arena: each value (and its gradient), sized for the batch capacity ----");
        w.Line();
        foreach (var value in plan.Values)
        {
            string size = N.SizeConstant(value.Identifier);
            w.Line($"/// <summary>{BatchShape(value.Shape)}, from {value.Producer}.</summary>");
            w.Line($"private {N.Span} {N.ValueView(value.Identifier)} => new {N.Span}({N.Arena}, {N.OffsetConstant(value.Identifier)} * {N.Capacity}, {size} * {N.Capacity});");
            if (value.HasGradient)
                w.Line($"private {N.Span} {N.GradientView(value.Identifier)} => new {N.Span}({N.Arena}, {N.GradientOffsetConstant(value.Identifier)} * {N.Capacity}, {size} * {N.Capacity}); // dLoss/d{value.Identifier}");
        }
        w.Line();
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
        w.Line($"public global::Myelin.Activation OutputActivation => global::Myelin.Activation.{plan.OutputActivation};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Span} Gradients => {N.Gradients};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlySpan} Outputs => {Activations(plan, plan.OutputValue)}.Slice(0, {N.LastBatch} * {N.OutputSize});");
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
            w.Line($"{N.UpdateGradientNeeds}();");
        }
        w.Line();
        WriteUpdateGradientNeeds(w, plan);
    }

    /// <summary>
    /// A value needs a gradient when the op writing it is trained, or when one of that op's inputs needs one: the flags
    /// follow the ops in order, each from the flags before it, so frozen layers and everything upstream of them cost no
    /// gradient work.
    /// </summary>
    private static void WriteUpdateGradientNeeds(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>Which values need a gradient: those downstream of a trained layer, or of the input when its gradient is asked for.</summary>");
        using (w.Block($"private void {N.UpdateGradientNeeds}()"))
        {
            foreach (var op in plan.Ops)
            {
                var terms = op.Inputs.Select(input => NeedsGradient(plan, input.Value)).Distinct().ToList();
                if (op.ParameterLayer >= 0) terms.Insert(0, $"{N.Trainable}[{I(op.ParameterLayer)}]");
                string owner = op.ParameterLayer >= 0 ? $" // {plan.Layers[op.ParameterLayer].Name}" : "";
                w.Line($"{NeedsGradient(plan, op.Output)} = {string.Join(" || ", terms)};{owner}");
            }
        }
        w.Line();
    }

    /// <summary>The non-default settings of a layer as object-initializer assignments, e.g. <c>KernelSize = 3, Stride = 1</c>.</summary>
    private static string SettingsInitializer(LayerSettings settings)
    {
        var parts = new System.Collections.Generic.List<string>();
        if (settings.Activation != ActivationKind.None) parts.Add($"Activation = global::Myelin.Activation.{settings.Activation}");
        if (settings.Activation == ActivationKind.LeakyReLU) parts.Add($"NegativeSlope = {CodeWriter.Float(settings.NegativeSlope)}");
        if (settings.KernelSize != 0) parts.Add($"KernelSize = {I(settings.KernelSize)}");
        if (settings.Stride != 0) parts.Add($"Stride = {I(settings.Stride)}");
        if (settings.PadTop != 0) parts.Add($"PadTop = {I(settings.PadTop)}");
        if (settings.PadLeft != 0) parts.Add($"PadLeft = {I(settings.PadLeft)}");
        if (settings.PadBottom != 0) parts.Add($"PadBottom = {I(settings.PadBottom)}");
        if (settings.PadRight != 0) parts.Add($"PadRight = {I(settings.PadRight)}");
        if (settings.Rate != 0f) parts.Add($"Rate = {CodeWriter.Float(settings.Rate)}");
        if (settings.Momentum != 0f) parts.Add($"Momentum = {CodeWriter.Float(settings.Momentum)}");
        if (settings.Epsilon != 0f) parts.Add($"Epsilon = {CodeWriter.Float(settings.Epsilon)}");
        return string.Join(", ", parts);
    }

    private static string SizeText(Shape shape) => shape.Rank == 1 ? I(shape.Size) : $"{shape} = {I(shape.Size)}";

    private static string DimsText(PlannedTensor t) => t.Dims.Count == 0 ? "a scalar" : "[" + string.Join(", ", t.Dims.Select(I)) + "]";

    private static string LayoutNote(PlannedTensor t) => t.LayerKind == "Recurrent" ? (t.Dims.Count == 2 ? " (gate blocks of hidden rows, in), row-major" : ", gate blocks of hidden") : t.Dims.Count switch
    {
        2 => " (out, in), row-major",
        4 => " (out channels, in channels, kernel height, kernel width)",
        _ => "",
    };

    private static string Camel(string identifier) => char.ToLowerInvariant(identifier[0]) + identifier.Substring(1);

    /// <summary>A random-stream hash as a C# <c>long</c> literal.</summary>
    private static string StreamLiteral(ulong stream) => "unchecked((long)0x" + stream.ToString("X16", CultureInfo.InvariantCulture) + "UL)";
}
