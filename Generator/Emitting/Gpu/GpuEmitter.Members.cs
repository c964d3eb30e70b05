using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// The device network's fields, constructor and device memory, and its INetwork/ITrainableNetwork members.
internal static partial class GpuEmitter
{
    /// <summary>A device array an op keeps between its passes, sized per sample of capacity or fixed.</summary>
    private sealed record DeviceArray(string Field, string ElementType, string Length, string Comment);

    /// <summary>
    /// The ops' device arrays: the plan's arrays that a device op keeps (max-pool argmax, dropout mask, batch-norm x-hat,
    /// every work array of a recurrent layer; the im2col and product arrays of the CPU's convolution are not needed by an
    /// implicit GEMM), the batch-norm statistics, and the split-K partials of large convolutions.
    /// </summary>
    private static IEnumerable<DeviceArray> DeviceArrays(NetworkPlan plan)
    {
        var planned = plan.Arrays.ToDictionary(a => a.Field);
        foreach (var op in plan.Ops)
        {
            switch (op)
            {
                case PoolOp pool when planned.TryGetValue(N.ArgmaxField(pool.Identifier), out var argmax):
                    yield return new DeviceArray(argmax.Field, "int", $"(long)capacity * {argmax.SizeConstant}", argmax.Comment);
                    break;
                case DropoutOp dropout when planned.TryGetValue(N.MaskField(dropout.Identifier), out var mask):
                    yield return new DeviceArray(mask.Field, "float", $"(long)capacity * {mask.SizeConstant}", mask.Comment);
                    break;
                case BatchNormOp norm:
                    var normalized = planned[N.NormalizedField(norm.Identifier)];
                    yield return new DeviceArray(normalized.Field, "float", $"(long)capacity * {normalized.SizeConstant}", normalized.Comment);
                    yield return new DeviceArray(N.StatisticsField(norm.Identifier), "float", I(2 * norm.Channels), $"[2, {I(norm.Channels)}], mean and 1/sigma per channel of the last forward pass");
                    if (plan.HasBackward(norm))
                        yield return new DeviceArray(N.GradientSumsField(norm.Identifier), "float", I(2 * norm.Channels), $"[2, {I(norm.Channels)}], mean dz and mean dz x-hat per channel of the last backward pass");
                    break;
                case RecurrentOp recurrent:
                    // Its input copy, gates, states (and cells, GRU products), the backward's running gradients: as planned,
                    // but for the GRU's step products, which stay in the fused step kernel's shared memory.
                    foreach (var array in plan.Arrays.Where(a => a.Layer == recurrent.OwnerLayer && a.Field != N.RecurrentStepProductsField(recurrent.Identifier)))
                        yield return new DeviceArray(array.Field, "float", $"(long)capacity * {array.SizeConstant}", array.Comment);
                    break;
                case Conv2DOp conv when plan.HasBackward(conv):
                    if (SavesInput(conv))
                        yield return new DeviceArray(N.SavedInputField(conv.Identifier), "float", $"(long)capacity * {I(conv.InputShape.Size)}",
                            $"{BatchShape(conv.InputShape)}, a copy of {conv.Identifier}'s input for its backward pass");
                    if (!IsDirect(conv))
                        yield return new DeviceArray(N.PartialsField(conv.Identifier), "float",
                            $"(long){Slices($"capacity * {I(conv.Positions)}")} * {I(conv.OutputShape.Channels * conv.ColumnRows)}",
                            $"[slices, {I(conv.OutputShape.Channels)}, {I(conv.ColumnRows)}], the split-K partial weight gradients");
                    break;
            }
        }
    }

    private static string ViewType(string elementType) => elementType == "int" ? N.IntView : N.FloatView;

    private static void WriteFields(CodeWriter w, NetworkPlan plan, IReadOnlyList<Kernel> kernels)
    {
        w.Line("// ---- Kernels, compiled once by the constructor ----");
        w.Line();
        foreach (var kernel in kernels.Where(k => !k.IsHelper))
            w.Line($"private readonly {kernel.DelegateType} {N.KernelField(kernel.Name)};");
        w.Line();

        w.Line("// ---- Device memory ----");
        w.Line();
        string loss = plan.IsTrainable ? plan.Loss.Kind.ToString() : "None";
        w.Line($"private static readonly {N.DeviceNetworkLayout} {N.DeviceLayoutField} = new({N.NetworkName}, {N.InputShape}, {N.OutputShape}, {N.ParameterCount}, {N.BufferCount}, {N.ArenaSize},");
        w.Line($"    {N.TensorTable}, {N.LayerTable}, {N.Loss}.{loss});");
        w.Line();
        w.Line("// Views of the parameter, gradient and buffer memory, one per tensor.");
        foreach (var t in plan.Tensors)
        {
            w.Line($"private readonly {N.FloatView} {Tensor(t)}; // {t.Name}");
            if (t.Storage == TensorStorage.Parameter && plan.IsTrainable) w.Line($"private readonly {N.FloatView} {TensorGradient(t)};");
        }
        w.Line();
        w.Line($"// Views of the arena, each value{(plan.IsTrainable ? " and gradient" : "")} capacity samples long, and the ops' own arrays; set by AllocateWork.");
        for (int v = 0; v < plan.Values.Count; v++)
        {
            var value = plan.Values[v];
            w.Line($"private {N.FloatView} {Value(plan, v)}; // {BatchShape(value.Shape)}, from {value.Producer}");
            if (value.HasGradient) w.Line($"private {N.FloatView} {Gradient(plan, v)};");
        }
        foreach (var array in DeviceArrays(plan))
            w.Line($"private {ViewType(array.ElementType)} {array.Field}; // {array.Comment}");
        w.Line();

        foreach (var op in plan.Ops)
        {
            if (op is DropoutOp dropout) w.Line($"private bool {N.ActiveField(dropout.Identifier)}; // whether the last forward pass dropped anything");
            if (op is BatchNormOp norm) w.Line($"private bool {N.UsedBatchStatisticsField(norm.Identifier)}; // the last pass normalised with batch statistics");
        }
        if (plan.IsTrainable)
        {
            w.Line($"private readonly bool[] {N.Trainable} = {{ {string.Join(", ", plan.Layers.Select(_ => "true"))} }};");
            w.Line("// Which gradients the next backward pass needs, as on the CPU network.");
            w.Line($"private bool {N.InputNeedsGradient};");
            foreach (var value in plan.Values) w.Line($"private bool {N.NeedsGradientField(value.Identifier)};");
        }
        w.Line();
    }

    private static void WriteConstructor(CodeWriter w, NetworkPlan plan, IReadOnlyList<Kernel> kernels)
    {
        string name = N.Escape(plan.ClassName);
        string kernelsClass = N.KernelsClass(plan.ClassName);
        w.Line($"/// <summary>Creates the network on <paramref name=\"device\"/> with the parameters a CPU <see cref=\"{name}\"/> of the same seed gets.</summary>");
        w.Line("/// <param name=\"device\">The accelerator; see <see cref=\"global::Myelin.Gpu.GpuDevice.Create\"/>.</param>");
        w.Line("/// <param name=\"seed\">The initialisation seed; the same seed gives the same weights as on the CPU.</param>");
        w.Line("/// <param name=\"maxBatchSize\">The largest batch the device memory holds; <c>EnsureBatchCapacity</c> can grow it later.</param>");
        using (w.Block($"public {N.GpuClass}({N.GpuDevice} device, int seed = 0, int maxBatchSize = {N.DefaultMaxBatchSize}) : base(device, {N.DeviceLayoutField})"))
        {
            w.Line("// Every kernel is compiled here, once: a pass only launches them.");
            foreach (var kernel in kernels.Where(k => !k.IsHelper))
            {
                string types = string.Join(", ", kernel.Parameters.Select(p => p.Type));
                string loader = kernel.Grouped ? $"LoadStreamKernel<{types}>" : $"LoadAutoGroupedStreamKernel<{N.Index1D}, {types}>";
                w.Line($"{N.KernelField(kernel.Name)} = {N.KernelLoaders}.{loader}(");
                w.Line($"    Accelerator, {kernelsClass}.{kernel.Name});");
            }
            foreach (var t in plan.Tensors)
            {
                string memory = t.Storage == TensorStorage.Parameter ? "ParameterMemory" : "BufferMemory";
                w.Line($"{Tensor(t)} = {memory}.SubView({t.Identifier}Offset, {t.Identifier}Length);");
                if (t.Storage == TensorStorage.Parameter && plan.IsTrainable)
                    w.Line($"{TensorGradient(t)} = GradientMemory.SubView({t.Identifier}Offset, {t.Identifier}Length);");
            }
            w.Line("EnsureBatchCapacity(maxBatchSize);");
            w.Line("InitializeParameters(seed);");
            if (plan.IsTrainable) w.Line($"{N.UpdateGradientNeeds}();");
        }
        w.Line();
        w.Line($"/// <summary>Creates the network on <paramref name=\"device\"/> with the weights of <paramref name=\"network\"/>, for example a trained CPU network.</summary>");
        w.Line("/// <param name=\"device\">The accelerator.</param>");
        w.Line("/// <param name=\"network\">The network whose parameters and buffers are copied.</param>");
        using (w.Block($"public {N.GpuClass}({N.GpuDevice} device, {name} network) : this(device, 0, network.MaxBatchSize)"))
        {
            w.Line("CopyWeightsFrom(network);");
        }
        w.Line();
        w.Line($"/// <summary>A CPU <see cref=\"{name}\"/> with this network's weights (for checkpoints, inference without a GPU, or Native AOT apps).</summary>");
        using (w.Block($"public {name} ToCpu()"))
        {
            w.Line($"var network = new {name}(0, MaxBatchSize);");
            w.Line("CopyWeightsTo(network);");
            w.Line("return network;");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void InitializeParameters(int seed)"))
        {
            w.Line("// The CPU network's initialisation, tensor by tensor from its own stream, then one upload.");
            w.Line("Seed = seed;");
            w.Line("Step = 0;");
            w.Line($"LoadFrom(new {name}(seed, maxBatchSize: 1));");
        }
        w.Line();
    }

    private static void WriteAllocateWork(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("protected override void AllocateWork(int capacity)"))
        {
            for (int v = 0; v < plan.Values.Count; v++)
            {
                var value = plan.Values[v];
                string size = N.SizeConstant(value.Identifier);
                w.Line($"{Value(plan, v)} = Arena.SubView((long){N.OffsetConstant(value.Identifier)} * capacity, (long){size} * capacity);");
                if (value.HasGradient)
                    w.Line($"{Gradient(plan, v)} = Arena.SubView((long){N.GradientOffsetConstant(value.Identifier)} * capacity, (long){size} * capacity);");
            }
            foreach (var array in DeviceArrays(plan))
                w.Line($"{array.Field} = Allocate<{array.ElementType}>({array.Length});");
        }
        w.Line();
    }

    private static void WriteMembers(CodeWriter w, NetworkPlan plan)
    {
        if (!plan.IsTrainable) return;
        w.Line("// ---- ITrainableNetwork ----");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Loss} Loss => {N.Loss}.{plan.Loss.Kind};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public global::Myelin.Activation OutputActivation => global::Myelin.Activation.{plan.OutputActivation};");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.Span} Gradients => GradientsHostView();");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {N.ReadOnlySpan} Outputs => OutputsOf({Value(plan, plan.OutputValue)});");
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
                w.Line($"if (tensor.LayerIndex == layerIndex && tensor.Kind == {N.TensorKind}.Parameter) ClearGradient(tensor.Offset, tensor.Length);");
            }
            w.Line($"{N.UpdateGradientNeeds}();");
        }
        w.Line();
        w.Line($"{N.IDeviceOptimizerState} {N.IDeviceTrainableNetwork}.CreateOptimizerState(int streams) => CreateOptimizerStateCore(streams);");
        w.Line();
        w.Line($"void {N.IDeviceTrainableNetwork}.ApplyOptimizerStep(in {N.DeviceOptimizerStep} step, {N.IDeviceOptimizerState} state, int offset, int length) =>");
        w.Line("    ApplyOptimizerStepCore(step, state, offset, length);");
        w.Line();
        w.Line("/// <summary>Which values need a gradient: those downstream of a trained layer, or of the input when its gradient is asked for.</summary>");
        using (w.Block($"private void {N.UpdateGradientNeeds}()"))
        {
            foreach (var op in plan.Ops)
            {
                var terms = op.Inputs.Select(input => NeedsGradient(plan, input.Value)).Distinct().ToList();
                if (op.ParameterLayer >= 0) terms.Insert(0, $"{N.Trainable}[{I(op.ParameterLayer)}]");
                w.Line($"{NeedsGradient(plan, op.Output)} = {string.Join(" || ", terms)};");
            }
        }
        w.Line();
    }
}
