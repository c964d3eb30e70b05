using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

/// <summary>
/// Each optimizer, in each option combination, against <see cref="ReferenceOptimizer"/>: PyTorch's formulas in double,
/// element by element. Tolerances: a parameter may differ by 1e-6 relative to max(1, |expected|); a state tensor
/// element by 1e-5 relative to its expected value plus 1e-6 of the tensor's largest magnitude (the float optimizer
/// rounds every operation to float, the reference to double).
/// </summary>
public sealed class OptimizerPyTorchFormulaTests
{
    private const int Steps = 8;

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void Every_optimizer_matches_the_double_precision_PyTorch_formula_over_eight_steps_with_layers_frozen(string name)
    {
        var network = FakeNetwork.Create(seed: 7);
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        var initial = network.ParameterArray.ToArray();
        Optimizer optimizer = OptimizerCases.Create(name);
        ReferenceOptimizer reference = ReferenceOptimizer.For(optimizer, network);

        for (int step = 0; step < Steps; step++)
        {
            // dense2 is frozen for steps 2 and 3, so its step count (and Adam's bias correction) lags the others'.
            network.SetTrainable(FakeNetwork.SometimesFrozenLayer, step is not (2 or 3));
            // Halving the rate midway checks that each step reads the current learning rate.
            if (step == 5)
            {
                optimizer.LearningRate /= 2;
                reference.LearningRate /= 2;
            }
            network.FillGradients(seed: 100 + step);
            optimizer.Step(network);
            reference.Step(network);
        }

        for (int i = 0; i < network.ParameterArray.Length; i++)
        {
            double expected = reference.Parameters[i];
            double error = Math.Abs(network.ParameterArray[i] - expected);
            Assert.True(error <= 1e-6 * Math.Max(1, Math.Abs(expected)),
                $"{name}: parameter {i} is {network.ParameterArray[i]:R}, the PyTorch formula gives {expected:R} (error {error:E2}).");
        }
        TensorInfo frozen = network.Tensors.Single(t => t.LayerIndex == FakeNetwork.FrozenLayer);
        Assert.Equal(initial.AsSpan(frozen.Offset, frozen.Length), network.ParameterArray.AsSpan(frozen.Offset, frozen.Length));

        OptimizerState state = optimizer.GetState();
        foreach (TensorInfo tensor in network.Tensors.Where(t => t.Kind == TensorKind.Parameter))
        {
            Assert.Equal(reference.StepCount(network, tensor.Name), state.Scalars[tensor.Name + ".step"]);
            foreach (var (key, buffer) in reference.State)
            {
                float[] actual = state.Tensors[tensor.Name + "." + key];
                double[] expected = buffer.AsSpan(tensor.Offset, tensor.Length).ToArray();
                double scale = expected.Max(Math.Abs);
                for (int i = 0; i < actual.Length; i++)
                {
                    double error = Math.Abs(actual[i] - expected[i]);
                    Assert.True(error <= 1e-5 * Math.Abs(expected[i]) + 1e-6 * scale,
                        $"{name}: {tensor.Name}.{key}[{i}] is {actual[i]:R}, the PyTorch formula gives {expected[i]:R} (error {error:E2}).");
                }
            }
        }
        Assert.Equal(reference.State.Count * network.Tensors.Count(t => t.Kind == TensorKind.Parameter), state.Tensors.Count);
    }
}
