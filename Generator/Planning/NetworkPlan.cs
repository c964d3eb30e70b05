using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

// The Planner's output: a graph of ops over values, with every shape, offset, fusion, gradient and memory decision made,
// so that every backend only prints it. Like the specs, these records are cache boundaries made of primitives, value
// records and EquatableArray; they hold no locations, so moving a declaration leaves the plan (and the emitted code) equal.

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

/// <summary>One layer as the summary and the runtime's layer table show it.</summary>
/// <param name="Identifier">The C# identifier stem derived from the name, e.g. <c>Dense1</c>.</param>
/// <param name="Inputs">The names of the layers it reads (<c>input</c> for the network's input), as the summary's "reads" column.</param>
/// <param name="Settings">Its hyperparameters as declared, for exporters that rebuild the graph layer by layer.</param>
internal sealed record PlannedLayer(string Name, string Identifier, string Kind, string Description, Shape OutputShape, int ParameterCount,
    EquatableArray<string> Inputs, LayerSettings Settings);

/// <summary>
/// A layer's declared hyperparameters, the ones that are not shapes: its own activation (not one fused in from a later
/// layer), the window of a convolution or pooling with its padding on each side, the dropout rate, the batch-norm
/// momentum and epsilon. Zero where the layer has no such setting.
/// </summary>
internal sealed record LayerSettings(
    ActivationKind Activation = ActivationKind.None, float NegativeSlope = 0f, int KernelSize = 0, int Stride = 0,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0, float Rate = 0f, float Momentum = 0f, float Epsilon = 0f)
{
    public static readonly LayerSettings None = new();
}

/// <summary>One row of the parameter table.</summary>
/// <param name="Name">PyTorch's name, e.g. <c>dense1.weight</c>.</param>
/// <param name="Identifier">The generated span's name, e.g. <c>Dense1Weight</c>.</param>
/// <param name="Dims">PyTorch's shape; empty for a scalar counter.</param>
/// <param name="Offset">Offset into the parameter or the buffer array.</param>
/// <param name="LayerKind">The runtime's <c>LayerKind</c> member for initialisation: Dense, Conv2D or BatchNorm.</param>
/// <param name="IsBias">Whether the tensor plays the bias role for initialisation.</param>
/// <param name="Stream">The tensor's own random stream for initialisation: FNV-1a (64-bit) of its name, so that adding or removing a layer leaves the others' initial values unchanged.</param>
internal sealed record PlannedTensor(
    string Name, string Identifier, int LayerIndex, EquatableArray<int> Dims, int Length, int Offset, TensorStorage Storage,
    InitKind Init, string LayerKind, bool IsBias, int FanIn, int FanOut, ulong Stream);

/// <summary>
/// A value of the graph: one op's output for a whole batch, and (in a trainable network) its gradient. Both live in
/// the network's arena, at per-sample offsets chosen by liveness: the floats of a value start at
/// <c><see cref="Offset"/> * capacity</c> and span <c>Shape.Size * capacity</c>.
/// </summary>
/// <param name="Identifier">The stem of its generated names, e.g. <c>Conv1Output</c>.</param>
/// <param name="Producer">The name of the layer it is the output of, for comments.</param>
/// <param name="ProducerOp">The index of the op that writes it.</param>
/// <param name="Consumers">The ops that read it in the forward pass, in order.</param>
/// <param name="Offset">Its per-sample offset in the arena.</param>
/// <param name="GradientOffset">Its gradient's per-sample offset in the arena, or -1 when nothing writes its gradient.</param>
internal sealed record PlannedValue(string Identifier, Shape Shape, string Producer, int ProducerOp, EquatableArray<int> Consumers, int Offset, int GradientOffset)
{
    public bool HasGradient => GradientOffset >= 0;
}

/// <summary>
/// An array an op keeps for itself (im2col columns, max-pool argmax, dropout mask, batch-norm x-hat), whose length
/// scales with the batch capacity. Outside the arena because it lives from an op's forward pass to its backward pass.
/// </summary>
/// <param name="Field">The field name, e.g. <c>_conv1Columns</c>.</param>
/// <param name="ElementType"><c>float</c> or <c>int</c>.</param>
/// <param name="SizeConstant">The constant naming its per-sample length.</param>
/// <param name="PerSample">Its per-sample length.</param>
/// <param name="Comment">Its shape and purpose, for the declaration.</param>
/// <param name="Layer">The layer it belongs to, for name-collision messages.</param>
internal sealed record PlannedArray(string Field, string ElementType, string SizeConstant, int PerSample, string Comment, int Layer);

/// <summary>
/// One input of an op: the value it reads (-1 for the network's input) and, for the backward pass, whether its
/// contribution to that value's gradient is written (the first writer, in backward order) or added (every later one),
/// so that a value read by several ops receives the sum of their gradients without extra copies.
/// </summary>
internal sealed record PlannedInput(int Value, Shape Shape, bool Accumulate);

/// <summary>
/// One op of the plan: a fused group of layers computed by one forward and one backward method. Ops are in
/// topological order (source order); backward runs them in reverse.
/// </summary>
/// <param name="Identifier">The stem of its methods, e.g. <c>Conv1</c> for <c>Conv1Forward</c>/<c>Conv1Backward</c>.</param>
/// <param name="Layers">The layers it computes (a layer plus the activations fused into it).</param>
/// <param name="Inputs">What it reads.</param>
/// <param name="Output">The value it writes.</param>
internal abstract record PlannedOp(string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape)
{
    /// <summary>The element-wise activation the op ends in (fused into its epilogue, or the op itself for an activation op).</summary>
    public ActivationKind Activation { get; init; }

    /// <summary>The LeakyReLU slope of <see cref="Activation"/>.</summary>
    public float NegativeSlope { get; init; }

    /// <summary>The first (for most ops the only) input.</summary>
    public PlannedInput Input => Inputs[0];

    /// <summary>The shape of the first input.</summary>
    public Shape InputShape => Inputs[0].Shape;

    /// <summary>The layer owning this op's parameters, or -1.</summary>
    public virtual int ParameterLayer => -1;

    /// <summary>Whether an element-wise activation written after it can join its epilogue.</summary>
    public virtual bool CanFuseActivation => false;

    /// <summary>Whether its backward pass reads its input values (e.g. a dense layer's <c>x</c> for <c>dW</c>).</summary>
    public virtual bool BackwardReadsInputs => false;

    /// <summary>Whether its backward pass reads its output value (to differentiate the activation from its output).</summary>
    public virtual bool BackwardReadsOutput => Activation != ActivationKind.None;

    /// <summary>Multiply-adds times two for one sample in the forward pass (matrix products only).</summary>
    public virtual long ForwardFlops => 0;
}

/// <summary>
/// A dense layer with its bias and an element-wise activation fused in. On a sequence it applies to every step
/// (<see cref="Steps"/> rows per sample, Keras's <c>TimeDistributed</c>): the product runs over <c>batch * Steps</c> rows.
/// </summary>
internal sealed record DenseOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    int Weight, int Bias, int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape)
{
    /// <summary>Rows per sample: the steps of a sequence input, else 1.</summary>
    public int Steps { get; init; } = 1;

    public override int ParameterLayer => OwnerLayer;
    public override bool CanFuseActivation => true;
    public override bool BackwardReadsInputs => true;
    public override long ForwardFlops => 2L * InputShape.Size * OutputShape.Size / Steps;
}

/// <summary>
/// One direction of a recurrent layer: its tensors (indices into the parameter table) and whether it reads the
/// sequence backwards. <see cref="Suffix"/> is PyTorch's, as an identifier stem: <c>L0</c> or <c>L0Reverse</c>.
/// </summary>
internal sealed record RecurrentDirection(bool Reverse, string Suffix, int WeightIh, int WeightHh, int BiasIh, int BiasHh);

/// <summary>
/// A recurrent layer (PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c>, <c>nn.GRU</c> with <c>batch_first</c>) over a sequence
/// input <c>[batch, Steps, Features]</c>. The plan fixes the algorithm every backend follows:
/// <list type="bullet">
/// <item><description>the input is copied time-major, <c>[Steps, batch, Features]</c>, so that each step's rows are one
/// matrix; the input projection of all steps is one product per direction, <c>[Steps * batch, Features] x [Features,
/// Gates * Hidden]</c>, with <c>b_ih</c> (and <c>b_hh</c>, except the GRU's n block) added in its epilogue;</description></item>
/// <item><description>each step adds <c>h_prev · W_hhᵀ</c> (the GRU into a scratch of its own) and applies the gates and
/// the state update in one pass;</description></item>
/// <item><description>the hidden states live in <c>[Steps + 1, batch, Hidden]</c>: the forward direction's zero state in
/// slot 0 and step t's state in slot t + 1; the reverse direction's zero state in slot Steps and step t's state in slot t,
/// so that the states each direction's steps read are one contiguous matrix (slots 0..Steps-1 or 1..Steps);</description></item>
/// <item><description>backward runs the steps in reverse order once, writing each step's gate gradients over its gate
/// activations; then every weight gradient is one product over all steps and the input gradient one product per
/// direction, summed time-major into the input copy and scattered back to <c>[batch, Steps, Features]</c>.</description></item>
/// </list>
/// <see cref="PlannedOp.Activation"/> is the SimpleRNN's nonlinearity (tanh or ReLU), None for the gated cells.
/// </summary>
internal sealed record RecurrentOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    RecurrentKind Cell, int Steps, int Features, int Hidden, bool ReturnSequences, EquatableArray<RecurrentDirection> Directions, int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape)
{
    /// <summary>Gate blocks of <see cref="Hidden"/> rows stacked in the weights: 1 (SimpleRNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).</summary>
    public int Gates => Cell switch
    {
        RecurrentKind.LSTM => 4,
        RecurrentKind.GRU => 3,
        _ => 1,
    };

    /// <summary>The width of one output step: <c>Hidden</c> per direction, the forward direction's first.</summary>
    public int OutputWidth => Directions.Count * Hidden;

    public override int ParameterLayer => OwnerLayer;

    // The backward pass reads the op's own arrays (time-major input copy, states, gates), not its input or output values.
    public override bool BackwardReadsOutput => false;

    public override long ForwardFlops => 2L * Directions.Count * Steps * Gates * Hidden * (Features + Hidden);
}

/// <summary>
/// A stand-alone activation (<see cref="PlannedOp.Activation"/>, or a copy for <see cref="ActivationKind.None"/>).
/// When <see cref="AbsorbedByLoss"/> the loss differentiates through it directly (softmax with cross-entropy, sigmoid
/// with binary cross-entropy) and its own backward never runs.
/// </summary>
internal sealed record ActivationOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    bool AbsorbedByLoss)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape);

/// <summary>How the CPU computes a convolution.</summary>
internal enum ConvolutionAlgorithm
{
    /// <summary>im2col and a matrix product, a few samples at a time so that the columns stay in cache.</summary>
    Chunked = 0,

    /// <summary>Directly, for few taps per output (<c>C·k·k</c> small), where im2col and packing cost more than the multiply-adds.</summary>
    Direct = 1,

    /// <summary>
    /// Strides 1 and 2 with many taps: from zero-padded flat (phase) planes, a register tile of filters by consecutive
    /// positions loading each tap's inputs straight from the image (no im2col). The backward passes take it as
    /// <see cref="Conv2DOp.PlaneInputGradient"/> and <see cref="Conv2DOp.PlaneWeightGradient"/> say.
    /// </summary>
    Plane = 2,
}

/// <summary>
/// A 2-D convolution with bias and an element-wise activation fused in. Its backward pass reads its input (the weight
/// gradient redoes im2col chunk by chunk rather than keeping the whole batch's columns).
/// </summary>
internal sealed record Conv2DOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    int KernelSize, int Stride, int PadTop, int PadLeft, int Weight, int Bias, int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape)
{
    public override int ParameterLayer => OwnerLayer;
    public override bool CanFuseActivation => true;
    public override bool BackwardReadsInputs => true;

    /// <summary>
    /// The CPU algorithm (<see cref="ChooseAlgorithm"/>): direct for up to <see cref="DirectTaps"/> taps per output, the
    /// plane kernels for strides 1 and 2, chunked im2col otherwise. Each has a max pool epilogue (<see cref="PoolEpilogue"/>). A 1x1 convolution always takes the product: its im2col is a copy (or a strided gather),
    /// and the direct kernel, built for sliding windows, ran a 16-to-32-channel 1x1 stride-2 projection six times slower.
    /// </summary>
    public ConvolutionAlgorithm Algorithm { get; init; }

    /// <summary>
    /// Whether the max pool that alone reads this convolution's output runs in its epilogue on the CPU (see
    /// <see cref="PoolOp.ConvolutionEpilogue"/>); a backend without that fusion runs the two ops one after the other.
    /// The plane kernel's pooled form took the MNIST CNN's conv2 (32 to 64 channels, 13x13, 2x2 pool) from 2.05 to
    /// 1.52 ms against the chunked product's, and LeNet-5's conv2 (6 to 16 channels, 13x13) from 0.22 to 0.13 ms, whose
    /// plane weight and input gradients then took 0.40 ms against the product's 0.48; batch 64, one thread.
    /// </summary>
    public bool PoolEpilogue { get; init; }

    /// <summary>
    /// Whether the batch norm that alone reads this convolution's output (see <see cref="BatchNormOp.ConvolutionEpilogue"/>)
    /// runs in its epilogue on the CPU when nothing will run backward: in an inference-only forward pass in eval mode the
    /// batch norm is a per-channel scale and shift, <c>s = γ / √(var + ε)</c> and <c>t = β - mean · s</c>, which the plane
    /// or direct kernel applies with the batch norm's activation while it writes the output. Training, and a forward pass
    /// that a backward pass follows, run the two ops apart. Set for plane and direct convolutions without an activation of
    /// their own (the chunked product's epilogue has no scale).
    /// </summary>
    public bool BatchNormEpilogue { get; init; }

    /// <summary>
    /// With <see cref="ConvolutionAlgorithm.Plane"/> and stride 1: whether the input gradient is the plane kernel on dz
    /// (filters transposed and flipped) rather than the product <c>Wᵀ · dz</c> and col2im. The plane kernel wins while the
    /// product's depth (the filters) is small: 1.7 against 3.5 ms for a 16-to-16 3x3 layer at 28x28, batch 64, one
    /// thread; with 64 filters the product was faster (1.7 against 2.0 ms at 7x7).
    /// </summary>
    public bool PlaneInputGradient { get; init; }

    /// <summary>
    /// With <see cref="ConvolutionAlgorithm.Plane"/>: whether the weight gradient is the plane kernel rather than the
    /// product <c>dz · im2col(x)ᵀ</c>. It wins with up to 32 filters, where the product has few rows (16 filters at 28x28:
    /// 2.2 against 3.5 ms; 32 at 14x14: 1.8 against 2.4 ms; 16 to 32 with stride 2 at 28x28: 1.6 against 2.2 ms); with 64
    /// it tied or lost (2.5 against 1.9 ms at 7x7).
    /// </summary>
    public bool PlaneWeightGradient { get; init; }

    /// <summary>The most taps per output (<c>C·k·k</c>) for which the direct convolution beats im2col and a product.</summary>
    public const int DirectTaps = 32;

    /// <summary>The most filters for which <see cref="PlaneInputGradient"/> is chosen.</summary>
    public const int PlaneInputGradientFilters = 32;

    /// <summary>The most filters for which <see cref="PlaneWeightGradient"/> is chosen.</summary>
    public const int PlaneWeightGradientFilters = 32;

    /// <summary>
    /// The CPU algorithm for a convolution of <paramref name="channels"/> input channels with a
    /// <paramref name="kernel"/>-wide window: direct for few taps, the plane kernels for strides 1 and 2, im2col and a
    /// product otherwise (and for 1x1). The plane forward pass measured faster than the product on every 3x3 layer
    /// tried at stride 1 (1.5 against 2.5 ms for 16 to 16 channels at 28x28, batch 64, one thread; 1.5 against 2.2 at
    /// 64 to 64 channels at 7x7), and as fast or faster at stride 2.
    /// </summary>
    public static ConvolutionAlgorithm ChooseAlgorithm(int channels, int kernel, int stride) =>
        kernel <= 1 ? ConvolutionAlgorithm.Chunked
        : (long)channels * kernel * kernel <= DirectTaps ? ConvolutionAlgorithm.Direct
        : stride <= 2 ? ConvolutionAlgorithm.Plane
        : ConvolutionAlgorithm.Chunked;

    /// <summary>Rows of the im2col matrix per sample: input channels times the kernel's area.</summary>
    public int ColumnRows => InputShape.Channels * KernelSize * KernelSize;

    /// <summary>Output positions per sample, the im2col matrix's columns.</summary>
    public int Positions => OutputShape.Height * OutputShape.Width;

    public override long ForwardFlops => 2L * ColumnRows * Positions * OutputShape.Channels;
}

/// <summary>Max, average or global average pooling.</summary>
internal sealed record PoolOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    PoolKind Pool, int KernelSize, int Stride)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape)
{
    /// <summary>
    /// A max pool over non-overlapping windows that alone reads a convolution's output: the CPU computes it in the
    /// convolution's epilogue (the convolution writes this op's output and argmax), and this op's backward applies the
    /// convolution's activation derivative (<see cref="ProducerActivation"/>) while it scatters, writing dLoss/dz.
    /// </summary>
    public bool ConvolutionEpilogue { get; init; }

    /// <summary>The activation of the convolution this pool is fused with, or None.</summary>
    public ActivationKind ProducerActivation { get; init; }

    /// <summary>The LeakyReLU slope of <see cref="ProducerActivation"/>.</summary>
    public float ProducerSlope { get; init; }

    /// <summary>The fused backward differentiates the convolution's activation from the pooled outputs.</summary>
    public override bool BackwardReadsOutput => ConvolutionEpilogue;
}

/// <summary>Inverted dropout; identity in eval mode.</summary>
/// <param name="Stream">The layer's own random stream: FNV-1a of its name.</param>
internal sealed record DropoutOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    float Rate, int LayerIndex, ulong Stream)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape);

/// <summary>Batch normalisation over features (1-D) or channels (2-D), with an element-wise activation fused in.</summary>
internal sealed record BatchNormOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape,
    int Channels, int Spatial, float Momentum, float Epsilon, int Weight, int Bias, int RunningMean, int RunningVar, int NumBatchesTracked,
    int OwnerLayer)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape)
{
    public override int ParameterLayer => OwnerLayer;
    public override bool CanFuseActivation => true;

    /// <summary>
    /// Whether the convolution before it computes this op in its epilogue in inference-only eval-mode forward passes on
    /// the CPU (see <see cref="Conv2DOp.BatchNormEpilogue"/>); the op itself then runs only when training or when a
    /// backward pass follows.
    /// </summary>
    public bool ConvolutionEpilogue { get; init; }
}

/// <summary>The element-wise sum of two or more values of one shape, with an element-wise activation fused in.</summary>
internal sealed record AddOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape)
{
    public override bool CanFuseActivation => true;
}

/// <summary>
/// Values joined along the feature axis: each sample of the output is the inputs' samples one after another (channel
/// blocks of equal height and width, or feature vectors), as <c>torch.cat(dim=1)</c> on NCHW or [batch, features].
/// </summary>
internal sealed record ConcatOp(
    string Identifier, EquatableArray<int> Layers, string Description, EquatableArray<PlannedInput> Inputs, int Output, Shape OutputShape)
    : PlannedOp(Identifier, Layers, Description, Inputs, Output, OutputShape);

/// <summary>
/// How the loss attaches to the plan. <see cref="GradientValue"/> is the value whose gradient the loss writes: the
/// logits (the input of an absorbed output activation) or the network output; -1 means the network input itself (an
/// absorbed activation straight on the input), whose gradient is the caller's input gradient when one is asked for.
/// </summary>
internal sealed record LossPlan(LossKind Kind, int GradientValue, ActivationKind AbsorbedActivation);

/// <summary>Everything a backend needs to print a network.</summary>
/// <param name="Values">The live values: every op output that reaches the network's output.</param>
/// <param name="Ops">The live ops in topological order; layers whose output is never used have none.</param>
/// <param name="OutputValue">The value holding the network's output.</param>
/// <param name="Arrays">The ops' own batch-scaled arrays.</param>
/// <param name="ArenaSize">Floats per sample of batch capacity in the arena that holds every value and gradient.</param>
/// <param name="UnsharedSize">What one buffer per value and per gradient would take instead, for the remarks.</param>
/// <param name="TrainingFlops">FLOPs of a training step per sample: forward plus the weight- and input-gradient products.</param>
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
    EquatableArray<PlannedValue> Values,
    EquatableArray<PlannedOp> Ops,
    int OutputValue,
    LossPlan Loss,
    EquatableArray<PlannedArray> Arrays,
    int ArenaSize,
    int UnsharedSize,
    long ForwardFlops,
    long TrainingFlops,
    EquatableArray<string> Notes)
{
    /// <summary>The fully qualified name, e.g. <c>Demo.Models.Classifier</c>.</summary>
    public string DisplayName => string.Join(".", new[] { Namespace }.Concat(ContainingTypes.Select(t => t.Name)).Concat(new[] { ClassName }).Where(n => n is not null));

    public bool IsTrainable => Loss.Kind != LossKind.None;

    /// <summary>The activation the network's outputs have been through (the last op's, fused or not).</summary>
    public ActivationKind OutputActivation => Ops[Ops.Count - 1].Activation;

    /// <summary>Whether backward runs an op: trainable networks run every op's backward except an absorbed output activation.</summary>
    public bool HasBackward(PlannedOp op) => IsTrainable && op is not ActivationOp { AbsorbedByLoss: true };
}

/// <summary>The Planner's result: a plan when the network is valid, and the diagnostics found either way.</summary>
internal sealed record PlanResult(NetworkPlan? Plan, string ClassName, EquatableArray<DiagnosticInfo> Diagnostics);
