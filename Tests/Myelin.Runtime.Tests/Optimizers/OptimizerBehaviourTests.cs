using System.Numerics;
using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

[Collection(AllocationCounting.Name)]
public sealed class OptimizerBehaviourTests
{
    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void Frozen_tensors_keep_their_values_state_and_step_count(string name)
    {
        var network = FakeNetwork.Create();
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        TensorInfo frozen = network.Tensors.Single(t => t.LayerIndex == FakeNetwork.FrozenLayer);
        float[] before = network.ParameterArray.AsSpan(frozen.Offset, frozen.Length).ToArray();
        Optimizer optimizer = OptimizerCases.Create(name);

        for (int step = 0; step < 4; step++)
        {
            network.FillGradients(step);
            optimizer.Step(network);
        }

        Assert.Equal(before, network.ParameterArray.AsSpan(frozen.Offset, frozen.Length).ToArray());
        OptimizerState state = optimizer.GetState();
        Assert.Equal(0.0, state.Scalars[$"{frozen.Name}.step"]);
        Assert.All(state.Tensors.Where(e => e.Key.StartsWith(frozen.Name + ".", StringComparison.Ordinal)),
            entry => Assert.All(entry.Value, v => Assert.Equal(0f, v)));
        Assert.Equal(0.5f, network.BufferArray[0]); // buffers are never touched
    }

    [Fact]
    public void Step_counts_are_kept_per_tensor()
    {
        var network = FakeNetwork.Create();
        var adam = new Adam();
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        for (int step = 0; step < 5; step++)
        {
            network.SetTrainable(FakeNetwork.SometimesFrozenLayer, step >= 3); // dense2 trains in steps 3 and 4 only
            network.SetTrainable(0, step != 1);                                 // dense1 misses step 1
            network.FillGradients(step);
            adam.Step(network);
        }

        var scalars = adam.GetState().Scalars;
        Assert.Equal(4.0, scalars["dense1.weight.step"]);
        Assert.Equal(4.0, scalars["dense1.bias.step"]);
        Assert.Equal(0.0, scalars["frozen.weight.step"]);
        Assert.Equal(2.0, scalars["dense2.weight.step"]);
        Assert.Equal(2.0, scalars["dense2.bias.step"]);
        Assert.Equal(5.0, scalars["bn.weight.step"]);
        Assert.False(scalars.ContainsKey("bn.running_mean.step")); // a buffer is not a parameter
    }

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void Step_allocates_nothing_after_the_first_call(string name)
    {
        var network = FakeNetwork.Create();
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        network.FillGradients(3);
        Optimizer optimizer = OptimizerCases.Create(name);
        for (int i = 0; i < 3; i++) optimizer.Step(network);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            optimizer.Step(network);
            network.GradientArray.AsSpan().Reverse(); // keep the updates varied without allocating
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void The_SIMD_body_and_the_scalar_tail_give_bit_identical_updates(string name)
    {
        // Inputs repeat with period 5 over a tensor that is 4 vectors plus 3 elements long, so every element in the
        // scalar tail has twins in the vector body that must end bit-identical.
        int length = 4 * Vector<float>.Count + 3;
        float[] pattern = [0.7f, -1.3f, 0.02f, 2.5f, -0.4f];
        var network = FakeNetwork.Single(Enumerable.Range(0, length).Select(i => pattern[i % 5]).ToArray());
        Optimizer optimizer = OptimizerCases.Create(name);
        for (int step = 0; step < 4; step++)
        {
            for (int i = 0; i < length; i++) network.GradientArray[i] = pattern[(i + step) % 5] * (step + 1) * 0.3f;
            optimizer.Step(network);
        }

        for (int i = 5; i < length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(network.ParameterArray[i % 5]), BitConverter.SingleToInt32Bits(network.ParameterArray[i]));
        Assert.NotEqual(pattern[0], network.ParameterArray[0]);
    }

    [Fact]
    public void Using_an_optimizer_with_a_network_of_another_size_throws()
    {
        var adam = new Adam();
        var network = FakeNetwork.Create();
        adam.Step(network);

        var other = FakeNetwork.Single(1f, 2f, 3f);
        var error = Assert.Throws<InvalidOperationException>(() => adam.Step(other));
        Assert.Contains("101 parameters", error.Message);
        Assert.Contains("3 parameters", error.Message);
    }

    [Fact]
    public void A_clone_of_the_network_can_share_the_optimizer()
    {
        var adam = new Adam();
        var network = FakeNetwork.Create();
        network.FillGradients(1);
        adam.Step(network);
        adam.Step(network.Clone());
        Assert.Equal(2.0, adam.GetState().Scalars["dense1.weight.step"]);
    }

    [Fact]
    public void A_parameter_tensor_outside_the_parameter_buffer_is_reported_by_name()
    {
        var network = new OutOfRangeNetwork();
        var error = Assert.Throws<InvalidOperationException>(() => new Sgd(0.1).Step(network));
        Assert.Contains("'w'", error.Message);
        Assert.Contains("offset 2", error.Message);
        Assert.Contains("4 floats", error.Message);
    }

    [Fact]
    public void Learning_rate_changes_between_steps_take_effect()
    {
        var network = FakeNetwork.Single(1f);
        var sgd = new Sgd(lr: 0.5);
        network.GradientArray[0] = 1f;
        sgd.Step(network);
        sgd.LearningRate = 0.25;
        sgd.Step(network);
        Assert.Equal(0.25, network.ParameterArray[0], 1e-7);
    }

    public static TheoryData<string, Func<object>, string, double> InvalidHyperparameters => new()
    {
        { "negative SGD lr", () => new Sgd(lr: -0.1), "lr", -0.1 },
        { "NaN SGD lr", () => new Sgd(lr: double.NaN), "lr", double.NaN },
        { "negative momentum", () => new Sgd(0.1, momentum: -0.5), "momentum", -0.5 },
        { "dampening above 1", () => new Sgd(0.1, momentum: 0.9, dampening: 1.5), "dampening", 1.5 },
        { "negative SGD weight decay", () => new Sgd(0.1, weightDecay: -1), "weightDecay", -1 },
        { "Adam beta1 of 1", () => new Adam(beta1: 1), "beta1", 1 },
        { "Adam negative beta2", () => new Adam(beta2: -0.1), "beta2", -0.1 },
        { "Adam negative eps", () => new Adam(eps: -1e-8), "eps", -1e-8 },
        { "Adam infinite lr", () => new Adam(lr: double.PositiveInfinity), "lr", double.PositiveInfinity },
        { "AdamW beta2 above 1", () => new AdamW(beta2: 1.2), "beta2", 1.2 },
        { "AdamW negative weight decay", () => new AdamW(weightDecay: -0.01), "weightDecay", -0.01 },
        { "RMSprop alpha above 1", () => new RmsProp(alpha: 1.1), "alpha", 1.1 },
        { "RMSprop negative momentum", () => new RmsProp(momentum: -0.9), "momentum", -0.9 },
        { "RMSprop negative lr", () => new RmsProp(lr: -1), "lr", -1 },
    };

    [Theory]
    [MemberData(nameof(InvalidHyperparameters))]
    public void Out_of_range_hyperparameters_throw_naming_the_parameter_and_value(string what, Func<object> create, string parameter, double value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Equal(parameter, error.ParamName);
        Assert.Equal(value, (double)error.ActualValue!);
        Assert.True(error.Message.Contains(Hyperparameter(value), StringComparison.Ordinal), $"{what}: '{error.Message}' does not name the value.");
    }

    [Fact]
    public void Setting_a_negative_learning_rate_throws()
    {
        var adam = new Adam();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = -1);
        Assert.Equal("LearningRate", error.ParamName);
        Assert.Equal(1e-3, adam.LearningRate);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.9, 0.1)]
    public void Nesterov_without_momentum_or_with_dampening_throws_as_in_PyTorch(double momentum, double dampening)
    {
        var error = Assert.Throws<ArgumentException>(() => new Sgd(0.1, momentum, dampening, nesterov: true));
        Assert.Equal("nesterov", error.ParamName);
        Assert.Contains("Nesterov momentum requires", error.Message);
    }

    [Fact]
    public void Defaults_are_PyTorchs()
    {
        var sgd = new Sgd();
        Assert.Equal((1e-3, 0.0, 0.0, 0.0, false), (sgd.LearningRate, sgd.Momentum, sgd.Dampening, sgd.WeightDecay, sgd.Nesterov));
        var adam = new Adam();
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 0.0, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.AmsGrad));
        var adamW = new AdamW();
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 1e-2, false), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, adamW.AmsGrad));
        var rmsProp = new RmsProp();
        Assert.Equal((1e-2, 0.99, 1e-8, 0.0, 0.0, false), (rmsProp.LearningRate, rmsProp.Alpha, rmsProp.Epsilon, rmsProp.WeightDecay, rmsProp.Momentum, rmsProp.Centered));
    }

    private static string Hyperparameter(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A network whose only parameter tensor claims offset 2 and length 3 in a buffer of 4.</summary>
    private sealed class OutOfRangeNetwork : ITrainableNetwork
    {
        private readonly float[] _parameters = new float[4];
        private readonly float[] _gradients = new float[4];
        public IReadOnlyList<TensorInfo> Tensors { get; } = [new TensorInfo("w", 0, [3], 2, TensorKind.Parameter)];
        public IReadOnlyList<LayerInfo> Layers { get; } = [new LayerInfo("layer", "Dense", [3], 3)];
        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public Span<float> Buffers => Span<float>.Empty;
        public bool IsTrainable(int layerIndex) => true;
        public void SetTrainable(int layerIndex, bool trainable) { }
        public Loss Loss => Loss.MeanSquaredError;
        public ReadOnlySpan<float> Outputs => ReadOnlySpan<float>.Empty;
        public IReadOnlyList<int> InputShape => [1];
        public IReadOnlyList<int> OutputShape => [1];
        public int InputSize => 1;
        public int OutputSize => 1;
        public int MaxBatchSize => 1;
        public bool IsTraining { get; set; }
        public NetworkRandomState RandomState { get; set; }
        public void EnsureBatchCapacity(int batchSize) => throw new NotSupportedException();
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw new NotSupportedException();
        public void InitializeParameters(int seed) => throw new NotSupportedException();
        public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => throw new NotSupportedException();
        public float ForwardBackward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();
        public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize) => throw new NotSupportedException();
        public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();
    }
}
