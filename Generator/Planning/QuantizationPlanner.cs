using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

/// <summary>
/// The int8 decisions for a network that asks for them (<c>[Network(Int8 = true)]</c>), made on top of its float plan:
/// which values are int8 and which float, which values share a scale and which get one from calibration, and the state
/// table int8 checkpoints use. Pure, like the float planner, and it never changes the float plan.
/// </summary>
/// <remarks>
/// <para>
/// <b>Precision.</b> The input is quantised on entry and every value is int8, except the float tail: the network's
/// output and, walking back, every value that only a stand-alone activation or dropout of the tail reads, as long as its
/// producer can write floats (dense, convolution, batch norm, sum, activation, dropout). So <c>Dense(10) → Softmax</c>
/// computes the logits and the softmax in float, and the outputs keep their full resolution.
/// </para>
/// <para>
/// <b>Scales.</b> Max and average pooling, dropout, ReLU, LeakyReLU and the identity keep their input's scale (the same
/// scale represents their output exactly, or within rounding for averages). Every other int8 value, and the input, gets
/// a scale of its own from calibration.
/// </para>
/// <para>
/// <b>What cannot run in int8</b> (MYL0040): a softmax whose output other layers read (a probability vector in int8
/// loses most of its resolution), a product whose int32 sums could overflow (more than 133,144 products of
/// 127 · 127 each), and any op kind this printer does not know, so that a new layer kind is refused rather than printed wrong.
/// </para>
/// </remarks>
internal static class QuantizationPlanner
{
    /// <summary>The most products an int32 sum holds at worst: 127 · 127 · 133,144 &lt; 2^31.</summary>
    public const int MaxDepth = int.MaxValue / (127 * 127);

    /// <summary>The name calibration reports the network's input under.</summary>
    public const string InputScaleName = "input";

    public static QuantizationResult Plan(NetworkSpec spec, NetworkPlan plan)
    {
        var diagnostics = new List<DiagnosticInfo>();
        CheckMembers(spec, plan, diagnostics);
        bool[] isFloat = FloatTail(plan);
        for (int i = 0; i < plan.Ops.Count; i++)
        {
            string? reason = WhyNotInt8(plan, plan.Ops[i], isFloat[plan.Ops[i].Output]);
            if (reason is null) continue;
            var layer = plan.Layers[plan.Ops[i].Layers[0]];
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotInt8, spec.Layers[plan.Ops[i].Layers[0]].Location, layer.Kind, layer.Name, reason));
        }
        if (diagnostics.Count > 0) return new QuantizationResult(null, plan.ClassName, diagnostics.ToEquatableArray());
        return new QuantizationResult(Build(plan, isFloat), plan.ClassName, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>A user member named like the nested int8 class would not compile: report it as the float planner reports clashes (MYL0033).</summary>
    private static void CheckMembers(NetworkSpec spec, NetworkPlan plan, List<DiagnosticInfo> diagnostics)
    {
        foreach (var member in spec.UserMembers)
        {
            if (member.Name != Int8Names.Class) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberCollision, member.Location ?? spec.ClassLocation,
                $"{member.Kind} '{member.Name}'", $"nested class '{Int8Names.Class}' (its int8 network, asked for by Int8 = true)", plan.ClassName));
        }
    }

    /// <summary>Which values are float: the output, and back through the stand-alone activations and dropouts that end the network.</summary>
    private static bool[] FloatTail(NetworkPlan plan)
    {
        var isFloat = new bool[plan.Values.Count];
        int value = plan.OutputValue;
        while (true)
        {
            var producer = plan.Ops[plan.Values[value].ProducerOp];
            if (!WritesFloats(producer)) break;
            isFloat[value] = true;
            if (producer is not (ActivationOp or DropoutOp)) break;
            int read = producer.Input.Value;
            if (read < 0 || plan.Values[read].Consumers.Count != 1) break;
            value = read;
        }
        return isFloat;
    }

    /// <summary>Whether an op's int8 form can write floats instead of requantising.</summary>
    private static bool WritesFloats(PlannedOp op) => op is DenseOp or Conv2DOp or BatchNormOp or AddOp or ActivationOp or DropoutOp;

    /// <summary>Why <paramref name="op"/> cannot run in int8, or null when it can.</summary>
    private static string? WhyNotInt8(NetworkPlan plan, PlannedOp op, bool floatOutput)
    {
        switch (op)
        {
            case DenseOp { Steps: > 1 }:
                return "int8 has no dense layer applied to every step of a sequence (its int8 kernels read one row per sample); leave this network in float";
            case DenseOp when op.InputShape.Size > MaxDepth:
                return Overflow(op.InputShape.Size, "inputs");
            case Conv2DOp conv when conv.ColumnRows > MaxDepth:
                return Overflow(conv.ColumnRows, "input channels times kernel positions");
            case ActivationOp { Activation: ActivationKind.Softmax } when !floatOutput:
                return "int8 runs a softmax only at the end of the network, in float, and here other layers read its probabilities; "
                    + "move the softmax to the end or leave this network in float";
            case DenseOp or Conv2DOp or PoolOp or DropoutOp or BatchNormOp or AddOp or ConcatOp or ActivationOp:
                return null;
            default:
                return $"int8 has no {op.GetType().Name.Replace("Op", "")} layers (it runs dense, convolution, pooling, flatten, dropout, batch norm, add, "
                    + "concat and activation layers); leave this network in float";
        }
    }

    private static string Overflow(int depth, string what) =>
        string.Format(CultureInfo.InvariantCulture,
            "its int32 sums of {0:N0} products ({1}) could overflow, since at most {2:N0} products of 127 x 127 fit; leave this network in float",
            depth, what, MaxDepth);

    private static QuantizationPlan Build(NetworkPlan plan, bool[] isFloat)
    {
        var tensors = new List<QuantizedTensor>();
        var scales = new List<CalibratedScale>();
        var values = new QuantizedValue[plan.Values.Count];
        var ops = new List<QuantizedOp>();
        int int8Length = 0, floatLength = 0;

        int AddTensor(string name, string identifier, QuantizedKind kind, EquatableArray<int> dims, int source)
        {
            int length = dims.Aggregate(1, (a, b) => a * b);
            int offset = kind == QuantizedKind.Int8Weight ? int8Length : floatLength;
            if (kind == QuantizedKind.Int8Weight) int8Length += length;
            else floatLength += length;
            tensors.Add(new QuantizedTensor(name, identifier, kind, dims, length, offset, source));
            return tensors.Count - 1;
        }

        int AddScale(string name, string identifier, int value)
        {
            scales.Add(new CalibratedScale(name, value, AddTensor(name + ".scale", identifier + "Scale", QuantizedKind.ActivationScale, EquatableArray<int>.Empty, -1)));
            return scales.Count - 1;
        }

        int Copy(int source, QuantizedKind kind = QuantizedKind.Float)
        {
            var t = plan.Tensors[source];
            return AddTensor(t.Name, t.Identifier, kind, t.Dims, source);
        }

        var input = new QuantizedValue(-1, ValuePrecision.Int8, AddScale(InputScaleName, "Input", -1));
        for (int i = 0; i < plan.Ops.Count; i++)
        {
            var op = plan.Ops[i];
            int weight = -1, weightScale = -1, bias = -1, normWeight = -1, mean = -1, variance = -1;
            switch (op)
            {
                case DenseOp dense:
                    (weight, weightScale, bias) = WeightTensors(dense.Weight, dense.Bias);
                    break;
                case Conv2DOp conv:
                    (weight, weightScale, bias) = WeightTensors(conv.Weight, conv.Bias);
                    break;
                case BatchNormOp norm:
                    normWeight = Copy(norm.Weight);
                    bias = Copy(norm.Bias);
                    mean = Copy(norm.RunningMean);
                    variance = Copy(norm.RunningVar);
                    break;
            }
            ops.Add(new QuantizedOp(i, weight, weightScale, bias, normWeight, mean, variance));

            var output = plan.Values[op.Output];
            values[op.Output] = isFloat[op.Output]
                ? new QuantizedValue(op.Output, ValuePrecision.Float, -1)
                : new QuantizedValue(op.Output, ValuePrecision.Int8,
                    KeepsInputScale(op) ? (op.Input.Value < 0 ? input : values[op.Input.Value]).Scale : AddScale(output.Producer, output.Identifier, op.Output));
        }
        return new QuantizationPlan(plan, input, values.ToEquatableArray(), scales.ToEquatableArray(), tensors.ToEquatableArray(), ops.ToEquatableArray(),
            int8Length, floatLength);

        (int Weight, int Scale, int Bias) WeightTensors(int weightTensor, int biasTensor)
        {
            var w = plan.Tensors[weightTensor];
            string layer = w.Name.Substring(0, w.Name.Length - ".weight".Length);
            int q = Copy(weightTensor, QuantizedKind.Int8Weight);
            int s = AddTensor(layer + ".weight_scale", w.Identifier + "Scale", QuantizedKind.WeightScale, EquatableArray.Create(w.Dims[0]), weightTensor);
            return (q, s, biasTensor >= 0 ? Copy(biasTensor) : -1);
        }
    }

    /// <summary>Whether an op's int8 output keeps its input's scale: pooling, dropout, and the activations that scale with their input.</summary>
    private static bool KeepsInputScale(PlannedOp op) => op switch
    {
        PoolOp or DropoutOp => true,
        ActivationOp { Activation: ActivationKind.ReLU or ActivationKind.None } => true,
        // A slope of at most 1 keeps every output within the input's range.
        ActivationOp { Activation: ActivationKind.LeakyReLU } leaky => leaky.NegativeSlope <= 1f,
        _ => false,
    };
}
