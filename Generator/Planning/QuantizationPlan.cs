using Myelin.Generator.Model;

namespace Myelin.Generator.Planning;

// The int8 plan: the decisions the int8 printer needs beyond the float plan it extends. Like the float plan these are
// cache boundaries of primitives, value records and EquatableArray, with no locations.

/// <summary>How a value of the int8 network is stored.</summary>
internal enum ValuePrecision
{
    /// <summary>Symmetric int8 with a scale (<see cref="QuantizedValue.Scale"/>).</summary>
    Int8 = 0,

    /// <summary>Float: the network's last layers, from the last one that can write floats, so that the outputs keep full resolution.</summary>
    Float = 1,
}

/// <summary>The storage of one value of the float plan in the int8 network.</summary>
/// <param name="Value">The float plan's value index; -1 for the network's input.</param>
/// <param name="Precision">Int8 or float.</param>
/// <param name="Scale">For int8: the index of its activation scale in <see cref="QuantizationPlan.Scales"/> (several values can share one); -1 for float.</param>
internal sealed record QuantizedValue(int Value, ValuePrecision Precision, int Scale)
{
    public bool IsFloat => Precision == ValuePrecision.Float;
}

/// <summary>An activation scale that calibration measures: one per value whose scale is not its input's.</summary>
/// <param name="Name">The layer whose output it scales, as calibration reports it: <c>input</c>, <c>relu1</c>, <c>conv2</c>.</param>
/// <param name="Value">The value it was measured on (-1 for the input); values that share it are not listed.</param>
/// <param name="Tensor">Its row in <see cref="QuantizationPlan.Tensors"/>.</param>
internal sealed record CalibratedScale(string Name, int Value, int Tensor);

/// <summary>What a tensor of the int8 state holds; mirrors the runtime's <c>QuantizedTensorKind</c>.</summary>
internal enum QuantizedKind
{
    Int8Weight = 0,
    WeightScale = 1,
    ActivationScale = 2,
    Float = 3,
}

/// <summary>One row of the int8 state table: the names and layouts int8 checkpoints use (docs/quantization.md).</summary>
/// <param name="Name">The key, e.g. <c>conv1.weight</c>, <c>conv1.weight_scale</c>, <c>relu1.scale</c>.</param>
/// <param name="Identifier">The stem of its generated names, e.g. <c>Conv1WeightScale</c>.</param>
/// <param name="Dims">Its shape; empty for a scalar.</param>
/// <param name="Offset">Its offset in the int8 state (int8 weights) or the float state (everything else).</param>
/// <param name="Source">The float plan's tensor it is made from (a weight, bias or batch-norm tensor), or -1 for an activation scale.</param>
internal sealed record QuantizedTensor(string Name, string Identifier, QuantizedKind Kind, EquatableArray<int> Dims, int Length, int Offset, int Source)
{
    public bool IsInt8 => Kind == QuantizedKind.Int8Weight;
}

/// <summary>
/// One op of the float plan as the int8 network runs it: which state tensors it reads and whether it writes floats.
/// Its inputs' and output's storage are in <see cref="QuantizationPlan.Values"/>.
/// </summary>
/// <param name="Op">The float plan's op index.</param>
/// <param name="Weight">Dense and convolution: the int8 weight's row in the state table; -1 otherwise.</param>
/// <param name="WeightScale">Dense and convolution: the per-channel weight scales' row; -1 otherwise.</param>
/// <param name="Bias">The kept float bias (dense, convolution, batch norm), or -1.</param>
/// <param name="NormWeight">Batch norm: its kept weight, running mean and running variance; -1 otherwise.</param>
internal sealed record QuantizedOp(int Op, int Weight, int WeightScale, int Bias, int NormWeight, int RunningMean, int RunningVar);

/// <summary>Everything the int8 printer needs: the float plan it extends and the int8 decisions on top of it.</summary>
/// <param name="Network">The float plan: shapes, ops, values and their arena offsets (the int8 network keeps its int8 values at the same per-sample offsets, as bytes).</param>
/// <param name="Input">The network input's storage: always int8, with the first scale.</param>
/// <param name="Values">The storage of each value of the float plan, by index.</param>
/// <param name="Scales">The calibrated scales, in the order calibration reports them.</param>
/// <param name="Tensors">The state table, in the order checkpoints list it.</param>
/// <param name="Ops">Each op of the float plan, in order.</param>
/// <param name="Int8Length">Values in the int8 state.</param>
/// <param name="FloatLength">Values in the float state.</param>
internal sealed record QuantizationPlan(
    NetworkPlan Network,
    QuantizedValue Input,
    EquatableArray<QuantizedValue> Values,
    EquatableArray<CalibratedScale> Scales,
    EquatableArray<QuantizedTensor> Tensors,
    EquatableArray<QuantizedOp> Ops,
    int Int8Length,
    int FloatLength)
{
    /// <summary>The storage of value <paramref name="value"/>; -1 is the network input.</summary>
    public QuantizedValue Storage(int value) => value < 0 ? Input : Values[value];

    /// <summary>Whether the network's output value is float (else it is dequantised on the way out).</summary>
    public bool FloatOutput => Storage(Network.OutputValue).IsFloat;
}

/// <summary>The int8 planner's result: a plan when the network can run in int8, and the diagnostics found either way.</summary>
internal sealed record QuantizationResult(QuantizationPlan? Plan, string ClassName, EquatableArray<DiagnosticInfo> Diagnostics);
