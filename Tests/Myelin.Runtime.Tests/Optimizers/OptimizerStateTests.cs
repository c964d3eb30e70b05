using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

public sealed class OptimizerStateTests
{
    private const int Steps = 10;
    private const int SaveAfter = 5;

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void Resuming_from_saved_state_gives_bit_identical_parameters(string name)
    {
        var uninterrupted = FakeNetwork.Create(seed: 3);
        Optimizer optimizer = OptimizerCases.Create(name);
        for (int step = 0; step < Steps; step++) TrainStep(uninterrupted, optimizer, step);

        var first = FakeNetwork.Create(seed: 3);
        Optimizer firstOptimizer = OptimizerCases.Create(name);
        for (int step = 0; step < SaveAfter; step++) TrainStep(first, firstOptimizer, step);
        OptimizerState saved = Copy(firstOptimizer.GetState());

        // A fresh optimizer gets the state before it has seen any network; it is checked when it binds.
        var resumed = first.Clone();
        Optimizer resumedOptimizer = OptimizerCases.Create(name);
        resumedOptimizer.SetState(saved);
        Assert.False(resumedOptimizer.IsAttached);
        for (int step = SaveAfter; step < Steps; step++) TrainStep(resumed, resumedOptimizer, step);

        Assert.Equal(Bits(uninterrupted.ParameterArray), Bits(resumed.ParameterArray));
        Assert.Equal(optimizer.LearningRate, resumedOptimizer.LearningRate);
        Assert.Equal(optimizer.GetState().Scalars, resumedOptimizer.GetState().Scalars);
    }

    [Fact]
    public void State_restored_into_an_attached_optimizer_also_resumes_bit_identically()
    {
        var uninterrupted = FakeNetwork.Create();
        var adam = new Adam(lr: 0.01, amsgrad: true);
        for (int step = 0; step < Steps; step++) TrainStep(uninterrupted, adam, step);

        var first = FakeNetwork.Create();
        var firstAdam = new Adam(lr: 0.01, amsgrad: true);
        for (int step = 0; step < SaveAfter; step++) TrainStep(first, firstAdam, step);

        var resumed = first.Clone();
        var resumedAdam = new Adam(lr: 0.01, amsgrad: true);
        resumedAdam.Attach(resumed);
        resumedAdam.SetState(Copy(firstAdam.GetState()));
        for (int step = SaveAfter; step < Steps; step++) TrainStep(resumed, resumedAdam, step);

        Assert.Equal(Bits(uninterrupted.ParameterArray), Bits(resumed.ParameterArray));
    }

    [Fact]
    public void State_uses_PyTorchs_names()
    {
        var network = FakeNetwork.Create();
        var rmsProp = new RmsProp(momentum: 0.5, centered: true);
        network.FillGradients(1);
        rmsProp.Step(network);
        OptimizerState state = rmsProp.GetState();

        Assert.Equal("RmsProp", state.Optimizer);
        Assert.Contains("dense1.weight.square_avg", state.Tensors.Keys);
        Assert.Contains("dense1.weight.grad_avg", state.Tensors.Keys);
        Assert.Contains("bn.bias.momentum_buffer", state.Tensors.Keys);
        Assert.Equal(7 * 3, state.Tensors.Count);
        Assert.Equal(15, state.Tensors["dense1.weight.square_avg"].Length);
        foreach (string key in new[] { "lr", "alpha", "eps", "weight_decay", "momentum", "centered", "dense2.bias.step" })
            Assert.Contains(key, state.Scalars.Keys);
        Assert.Equal(1.0, state.Scalars["centered"]);

        var adam = new Adam(amsgrad: true);
        adam.Step(network);
        Assert.Contains("dense2.weight.max_exp_avg_sq", adam.GetState().Tensors.Keys);
        Assert.Contains("beta2", adam.GetState().Scalars.Keys);

        var plainSgd = new Sgd(0.1);
        plainSgd.Step(network);
        Assert.Empty(plainSgd.GetState().Tensors);
        var momentumSgd = new Sgd(0.1, momentum: 0.9);
        momentumSgd.Step(network);
        Assert.Contains("dense1.bias.momentum_buffer", momentumSgd.GetState().Tensors.Keys);
    }

    [Fact]
    public void GetState_returns_a_copy()
    {
        var network = FakeNetwork.Create();
        network.FillGradients(1);
        var adam = new Adam();
        adam.Step(network);
        OptimizerState state = adam.GetState();
        float before = state.Tensors["dense1.weight.exp_avg"][0];
        state.Tensors["dense1.weight.exp_avg"][0] = 123f;
        Assert.Equal(before, adam.GetState().Tensors["dense1.weight.exp_avg"][0]);
    }

    [Fact]
    public void State_for_another_optimizer_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Sgd(0.1).SetState(new Adam().GetState()));
        Assert.Contains("Adam", error.Message);
        Assert.Contains("Sgd", error.Message);
    }

    [Fact]
    public void A_hyperparameter_that_differs_is_named_with_both_values()
    {
        var error = Assert.Throws<ArgumentException>(() => new Adam().SetState(new Adam(beta2: 0.99).GetState()));
        Assert.Contains("beta2 = 0.99", error.Message);
        Assert.Contains("beta2 = 0.999", error.Message);
    }

    [Fact]
    public void The_learning_rate_is_restored_from_state()
    {
        var adam = new Adam();
        adam.SetState(new Adam(lr: 0.05).GetState());
        Assert.Equal(0.05, adam.LearningRate);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var (network, saved) = SavedAdamState();
        var tensors = new Dictionary<string, float[]>(saved.Tensors);
        tensors.Remove("dense2.bias.exp_avg_sq");
        var error = Assert.Throws<ArgumentException>(() => Attached(network).SetState(saved with { Tensors = tensors }));
        Assert.Contains("'dense2.bias.exp_avg_sq'", error.Message);
        Assert.Contains("'dense2.bias'", error.Message);
    }

    [Fact]
    public void A_tensor_of_the_wrong_length_is_named_with_both_lengths()
    {
        var (network, saved) = SavedAdamState();
        var tensors = new Dictionary<string, float[]>(saved.Tensors) { ["dense1.weight.exp_avg"] = new float[14] };
        var error = Assert.Throws<ArgumentException>(() => Attached(network).SetState(saved with { Tensors = tensors }));
        Assert.Contains("'dense1.weight.exp_avg' has 14 floats", error.Message);
        Assert.Contains("'dense1.weight' has 15", error.Message);
    }

    [Fact]
    public void An_unexpected_entry_is_named()
    {
        var (network, saved) = SavedAdamState();
        var tensors = new Dictionary<string, float[]>(saved.Tensors) { ["conv9.weight.exp_avg"] = new float[3] };
        var error = Assert.Throws<ArgumentException>(() => Attached(network).SetState(saved with { Tensors = tensors }));
        Assert.Contains("'conv9.weight.exp_avg'", error.Message);

        var scalars = new Dictionary<string, double>(saved.Scalars) { ["conv9.weight.step"] = 1 };
        error = Assert.Throws<ArgumentException>(() => Attached(network).SetState(saved with { Scalars = scalars }));
        Assert.Contains("'conv9.weight.step'", error.Message);
    }

    [Theory]
    [InlineData(2.5)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_step_count_that_is_not_a_whole_number_is_rejected(double step)
    {
        var (network, saved) = SavedAdamState();
        var scalars = new Dictionary<string, double>(saved.Scalars) { ["bn.weight.step"] = step };
        var error = Assert.Throws<ArgumentException>(() => Attached(network).SetState(saved with { Scalars = scalars }));
        Assert.Contains("bn.weight.step", error.Message);
    }

    [Fact]
    public void A_rejected_state_changes_nothing()
    {
        var (network, saved) = SavedAdamState();
        var adam = Attached(network);
        OptimizerState before = adam.GetState();
        var tensors = new Dictionary<string, float[]>(saved.Tensors);
        tensors.Remove("bn.bias.exp_avg");
        Assert.Throws<ArgumentException>(() => adam.SetState(saved with { Tensors = tensors, Scalars = new Dictionary<string, double>(saved.Scalars) { ["lr"] = 0.5 } }));
        Assert.Equal(before.Scalars, adam.GetState().Scalars);
    }

    [Fact]
    public void State_set_before_binding_that_does_not_fit_the_network_throws_when_it_binds()
    {
        var (_, saved) = SavedAdamState();
        var adam = new Adam(lr: 0.01);
        adam.SetState(saved);
        var error = Assert.Throws<InvalidOperationException>(() => adam.Step(FakeNetwork.Single(1f, 2f)));
        Assert.Contains("does not fit", error.Message);
        Assert.Contains("'w.step'", error.Message);
        Assert.False(adam.IsAttached);
    }

    private static (FakeNetwork Network, OptimizerState State) SavedAdamState()
    {
        var network = FakeNetwork.Create();
        var adam = new Adam(lr: 0.01);
        for (int step = 0; step < 3; step++) TrainStep(network, adam, step);
        return (network, adam.GetState());
    }

    private static Adam Attached(FakeNetwork network)
    {
        var adam = new Adam(lr: 0.01);
        adam.Attach(network);
        return adam;
    }

    private static void TrainStep(FakeNetwork network, Optimizer optimizer, int step)
    {
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        network.SetTrainable(FakeNetwork.SometimesFrozenLayer, step is not (2 or 6));
        if (step == 7) optimizer.LearningRate *= 0.3;
        network.FillGradients(seed: 50 + step);
        optimizer.Step(network);
    }

    /// <summary>A deep copy, as a checkpoint round trip would give, so nothing is shared with the optimizer.</summary>
    private static OptimizerState Copy(OptimizerState state) => new(
        state.Optimizer,
        state.Tensors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        state.Scalars.ToDictionary(e => e.Key, e => e.Value));

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
