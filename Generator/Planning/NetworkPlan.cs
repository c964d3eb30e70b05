using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

// The Planner's output: every shape, offset and fusion decision, so that emitters only print. Like the specs, these
// records are cache boundaries made of primitives, value records and EquatableArray.

/// <summary>Where a tensor of the parameter table lives.</summary>
internal enum TensorStorage
{
    /// <summary>In the trainable parameter buffer.</summary>
    Parameter = 0,

    /// <summary>In the non-trainable buffer (e.g. running statistics).</summary>
    Buffer = 1,

    /// <summary>An integer counter kept as a float in the non-trainable buffer.</summary>
    Counter = 2,
}

/// <summary>One layer as the summary shows it.</summary>
/// <param name="Identifier">The C# identifier stem derived from the name, e.g. <c>Dense1</c>.</param>
internal sealed record PlannedLayer(string Name, string Identifier, string Kind, string Description, Shape OutputShape, int ParameterCount);

/// <summary>One row of the parameter table.</summary>
/// <param name="Name">PyTorch's name, e.g. <c>dense1.weight</c>.</param>
/// <param name="Identifier">The generated span's name, e.g. <c>Dense1Weight</c>.</param>
/// <param name="Dims">PyTorch's shape; empty for a scalar counter.</param>
/// <param name="Offset">Offset into the parameter or the buffer array.</param>
/// <param name="LayerKind">The runtime's <c>LayerKind</c> member for initialisation: Dense, Conv2D or BatchNorm.</param>
/// <param name="IsBias">Whether the tensor plays the bias role for initialisation.</param>
internal sealed record PlannedTensor(
    string Name, string Identifier, int LayerIndex, EquatableArray<int> Dims, int Length, int Offset, TensorStorage Storage,
    InitKind Init, string LayerKind, bool IsBias, int FanIn, int FanOut);

/// <summary>A work buffer holding one op's output for a whole batch (and a twin for its gradient).</summary>
/// <param name="Identifier">The stem of the field names, e.g. <c>Dense1Output</c>.</param>
internal sealed record PlannedBuffer(string Identifier, Shape Shape, string Producer);

/// <summary>
/// One step of the execution plan: a fused group of layers computed by one forward and one backward method.
/// <see cref="Input"/> and <see cref="Output"/> index <see cref="NetworkPlan.Buffers"/>; -1 is the network input.
/// </summary>
internal abstract record PlannedOp(string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape)
{
    /// <summary>The layer owning this op's parameters, or -1.</summary>
    public virtual int ParameterLayer => -1;
}

/// <summary>A dense layer with its bias and an element-wise activation fused in.</summary>
internal sealed record DenseOp(
    string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape,
    int Weight, int Bias, ActivationKind Activation, float NegativeSlope, int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Input, Output, InputShape, OutputShape)
{
    public override int ParameterLayer => OwnerLayer;
}

/// <summary>
/// A stand-alone activation. When <see cref="AbsorbedByLoss"/> the loss differentiates through it directly
/// (softmax with cross-entropy, sigmoid with binary cross-entropy) and its own backward never runs.
/// </summary>
internal sealed record ActivationOp(
    string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape,
    ActivationKind Activation, float NegativeSlope, bool AbsorbedByLoss)
    : PlannedOp(Identifier, Layers, Description, Input, Output, InputShape, OutputShape);

/// <summary>A 2-D convolution with bias and an element-wise activation fused in.</summary>
internal sealed record Conv2DOp(
    string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape,
    int KernelSize, int Stride, int PadTop, int PadLeft, int Weight, int Bias, ActivationKind Activation, float NegativeSlope, int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Input, Output, InputShape, OutputShape)
{
    public override int ParameterLayer => OwnerLayer;
}

/// <summary>Max, average or global average pooling.</summary>
internal sealed record PoolOp(
    string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape,
    PoolKind Pool, int KernelSize, int Stride)
    : PlannedOp(Identifier, Layers, Description, Input, Output, InputShape, OutputShape);

/// <summary>Inverted dropout; identity in eval mode.</summary>
internal sealed record DropoutOp(
    string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape,
    float Rate, int LayerIndex)
    : PlannedOp(Identifier, Layers, Description, Input, Output, InputShape, OutputShape);

/// <summary>Batch normalisation over features (1-D) or channels (2-D), with an element-wise activation fused in.</summary>
internal sealed record BatchNormOp(
    string Identifier, EquatableArray<int> Layers, string Description, int Input, int Output, Shape InputShape, Shape OutputShape,
    int Channels, int Spatial, float Momentum, float Epsilon, int Weight, int Bias, int RunningMean, int RunningVar, int NumBatchesTracked,
    ActivationKind Activation, float NegativeSlope, int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Input, Output, InputShape, OutputShape)
{
    public override int ParameterLayer => OwnerLayer;
}

/// <summary>
/// How the loss attaches to the plan. <see cref="GradientBuffer"/> is the buffer whose gradient the loss writes:
/// the logits (the input of an absorbed output activation) or the network output. -1 means the network input, where
/// no gradient is needed.
/// </summary>
internal sealed record LossPlan(LossKind Kind, int GradientBuffer, ActivationKind AbsorbedActivation);

/// <summary>Everything the emitters need to write a network.</summary>
internal sealed record NetworkPlan(
    string? Namespace,
    string ClassName,
    string Keyword,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    Shape InputShape,
    Shape OutputShape,
    EquatableArray<PlannedLayer> Layers,
    EquatableArray<PlannedTensor> Tensors,
    int ParameterCount,
    int BufferCount,
    EquatableArray<PlannedBuffer> Buffers,
    EquatableArray<PlannedOp> Ops,
    int OutputBuffer,
    LossPlan Loss,
    EquatableArray<string> Notes)
{
    /// <summary>The fully qualified name, e.g. <c>Demo.Models.Classifier</c>.</summary>
    public string DisplayName => string.Join(".", new[] { Namespace }.Concat(ContainingTypes.Select(t => t.Name)).Concat(new[] { ClassName }).Where(n => n is not null));

    public bool IsTrainable => Loss.Kind != LossKind.None;

    public bool HasDropout
    {
        get
        {
            foreach (var op in Ops) if (op is DropoutOp) return true;
            return false;
        }
    }
}

/// <summary>The Planner's result: a plan when the network is valid, and the diagnostics found either way.</summary>
internal sealed record PlanResult(NetworkPlan? Plan, string ClassName, EquatableArray<DiagnosticInfo> Diagnostics);
