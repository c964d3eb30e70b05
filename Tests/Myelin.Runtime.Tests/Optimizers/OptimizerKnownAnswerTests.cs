using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

/// <summary>Updates worked out by hand, so that the formulas are checked without any reference code. Tolerance 1e-7 (float rounding).</summary>
public sealed class OptimizerKnownAnswerTests
{
    private const double Tolerance = 1e-7;

    [Fact]
    public void Sgd_momentum_copies_the_first_gradient_undampened_and_dampens_the_second()
    {
        // lr 0.1, momentum 0.9, dampening 0.5, p = 1.
        // Step 1, g = 0.5: b = g = 0.5 (no dampening on the first step); p = 1 - 0.1 * 0.5 = 0.95.
        // Step 2, g = 0.25: b = 0.9 * 0.5 + (1 - 0.5) * 0.25 = 0.575; p = 0.95 - 0.1 * 0.575 = 0.8925.
        var network = FakeNetwork.Single(1f);
        var sgd = new Sgd(lr: 0.1, momentum: 0.9, dampening: 0.5);

        network.GradientArray[0] = 0.5f;
        sgd.Step(network);
        Assert.Equal(0.95, network.ParameterArray[0], Tolerance);
        Assert.Equal(0.5, sgd.GetState().Tensors["w.momentum_buffer"][0], Tolerance);

        network.GradientArray[0] = 0.25f;
        sgd.Step(network);
        Assert.Equal(0.8925, network.ParameterArray[0], Tolerance);
        Assert.Equal(0.575, sgd.GetState().Tensors["w.momentum_buffer"][0], Tolerance);
    }

    [Fact]
    public void Sgd_nesterov_with_weight_decay_steps_along_the_gradient_plus_the_momentum_term()
    {
        // lr 0.1, momentum 0.9, weight decay 0.1, nesterov, p = 2, g = 0.3.
        // d = 0.3 + 0.1 * 2 = 0.5; b = d = 0.5; d = 0.5 + 0.9 * 0.5 = 0.95; p = 2 - 0.1 * 0.95 = 1.905.
        var network = FakeNetwork.Single(2f);
        network.GradientArray[0] = 0.3f;
        new Sgd(lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true).Step(network);
        Assert.Equal(1.905, network.ParameterArray[0], Tolerance);
    }

    [Fact]
    public void Adam_with_a_constant_gradient_moves_each_parameter_by_lr_per_step_thanks_to_bias_correction()
    {
        // With a constant gradient g, after t steps m = (1 - beta1^t) g and v = (1 - beta2^t) g^2, so the bias-corrected
        // moments are exactly g and g^2 and each step moves p by lr * g / (|g| + eps), i.e. by lr * sign(g) up to 2e-8.
        // lr 0.01, p = [1, -2, 0.5], g = [0.5, -3, 0]: after 1, 2, 3 steps p = [0.99, -1.99, 0.5], [0.98, -1.98, 0.5],
        // [0.97, -1.97, 0.5]; a zero gradient leaves its parameter alone (0 / (0 + eps)).
        var network = FakeNetwork.Single(1f, -2f, 0.5f);
        float[] gradient = [0.5f, -3f, 0f];
        var adam = new Adam(lr: 0.01);
        for (int step = 1; step <= 3; step++)
        {
            gradient.CopyTo(network.GradientArray, 0);
            adam.Step(network);
            Assert.Equal(1 - 0.01 * step, network.ParameterArray[0], Tolerance);
            Assert.Equal(-2 + 0.01 * step, network.ParameterArray[1], Tolerance);
            Assert.Equal(0.5, network.ParameterArray[2], 0.0);
        }

        // Step 1 alone: exp_avg = 0.1 g = [0.05, -0.3, 0], exp_avg_sq = 0.001 g^2 = [0.00025, 0.009, 0].
        var first = new Adam(lr: 0.01);
        var single = FakeNetwork.Single(1f, -2f, 0.5f);
        gradient.CopyTo(single.GradientArray, 0);
        first.Step(single);
        OptimizerState state = first.GetState();
        Assert.Equal([0.05, -0.3, 0], state.Tensors["w.exp_avg"].Select(v => Math.Round(v, 7)));
        Assert.Equal([0.00025, 0.009, 0], state.Tensors["w.exp_avg_sq"].Select(v => Math.Round(v, 9)));
        Assert.Equal(1.0, state.Scalars["w.step"]);
    }

    [Fact]
    public void AdamW_shrinks_the_parameter_before_the_adam_step()
    {
        // lr 0.1, weight decay 0.5, p = 1, g = 0.5: p = 1 * (1 - 0.1 * 0.5) = 0.95, then the first Adam step moves it by
        // lr * sign(g): p = 0.85. Adam's L2 decay instead changes only the gradient, whose sign stays, so p = 0.9.
        var network = FakeNetwork.Single(1f);
        network.GradientArray[0] = 0.5f;
        new AdamW(lr: 0.1, weightDecay: 0.5).Step(network);
        Assert.Equal(0.85, network.ParameterArray[0], Tolerance);

        var l2 = FakeNetwork.Single(1f);
        l2.GradientArray[0] = 0.5f;
        new Adam(lr: 0.1, weightDecay: 0.5).Step(l2);
        Assert.Equal(0.9, l2.ParameterArray[0], Tolerance);
    }

    [Fact]
    public void RmsProp_first_step_divides_by_the_root_of_the_first_square_average()
    {
        // lr 0.01, alpha 0.99, p = 1, g = 0.2: s = 0.01 * 0.04 = 0.0004, sqrt(s) = 0.02, p = 1 - 0.01 * 0.2 / 0.02 = 0.9.
        // Centered: a = 0.01 * 0.2 = 0.002, s - a^2 = 0.0004 - 0.000004 = 0.000396, p = 1 - 0.002 / sqrt(0.000396).
        var network = FakeNetwork.Single(1f);
        network.GradientArray[0] = 0.2f;
        new RmsProp().Step(network);
        Assert.Equal(0.9, network.ParameterArray[0], Tolerance);

        var centered = FakeNetwork.Single(1f);
        centered.GradientArray[0] = 0.2f;
        new RmsProp(centered: true).Step(centered);
        Assert.Equal(1 - 0.002 / Math.Sqrt(0.000396), centered.ParameterArray[0], Tolerance);
    }
}
