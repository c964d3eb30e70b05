using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

/// <summary>
/// Clipping against a double reference over the trainable tensors. Tolerances: the norm 1e-12 relative (both sum in
/// double, in different orders); clipped gradients 1e-6 relative (the scale is applied in float).
/// </summary>
[Collection(AllocationCounting.Name)]
public sealed class GradientClippingTests
{
    [Fact]
    public void The_global_norm_covers_trainable_tensors_only()
    {
        var network = FakeNetwork.Create();
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        network.FillGradients(4); // the frozen layer's gradients are ~1e6 garbage
        double expected = ReferenceNorm(network);

        double norm = GradientClipping.GlobalNorm(network);

        Assert.True(Math.Abs(norm - expected) <= 1e-12 * expected, $"norm {norm:R}, reference {expected:R}");
        Assert.InRange(expected, 1, 100); // the garbage (~1e6) was left out
    }

    [Fact]
    public void Clipping_scales_every_trainable_gradient_by_max_norm_over_norm_plus_1e_minus_6()
    {
        var network = FakeNetwork.Create();
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        network.FillGradients(5);
        float[] before = network.GradientArray.ToArray();
        double expectedNorm = ReferenceNorm(network);
        const double maxNorm = 0.5;
        double scale = maxNorm / (expectedNorm + 1e-6);

        double norm = GradientClipping.ClipByGlobalNorm(network, maxNorm);

        Assert.True(Math.Abs(norm - expectedNorm) <= 1e-12 * expectedNorm);
        foreach (TensorInfo tensor in network.Tensors.Where(t => t.Kind == TensorKind.Parameter))
        {
            bool trainable = network.IsTrainable(tensor.LayerIndex);
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                double expected = trainable ? before[i] * scale : before[i];
                Assert.True(Math.Abs(network.GradientArray[i] - expected) <= 1e-6 * Math.Abs(expected),
                    $"{tensor.Name} gradient {i - tensor.Offset}: {network.GradientArray[i]:R}, expected {expected:R}");
            }
        }
        Assert.True(Math.Abs(GradientClipping.GlobalNorm(network) - maxNorm) <= 1e-5, "the clipped norm is max_norm");
    }

    [Fact]
    public void Gradients_within_the_norm_are_left_bit_for_bit()
    {
        var network = FakeNetwork.Create();
        network.FillGradients(6);
        float[] before = network.GradientArray.ToArray();
        double norm = GradientClipping.ClipByGlobalNorm(network, maxNorm: 1000);
        Assert.Equal(before, network.GradientArray);
        Assert.True(Math.Abs(norm - ReferenceNorm(network)) <= 1e-12 * norm);
    }

    [Theory]
    [InlineData(0, float.NaN)]              // the first element of dense1.weight: in a SIMD body
    [InlineData(17, float.PositiveInfinity)] // the last element of dense1.bias: in a scalar tail
    [InlineData(78, float.NegativeInfinity)] // the last element of dense2.weight: in a scalar tail
    public void A_non_finite_gradient_is_reported_and_clipping_leaves_the_gradients_alone(int index, float value)
    {
        var network = FakeNetwork.Create();
        network.FillGradients(7);
        Assert.True(GradientClipping.AreGradientsFinite(network));
        network.GradientArray[index] = value;
        float[] before = network.GradientArray.ToArray();

        Assert.False(GradientClipping.AreGradientsFinite(network));
        double norm = GradientClipping.ClipByGlobalNorm(network, 0.1);

        Assert.False(double.IsFinite(norm));
        Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), network.GradientArray.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void A_non_finite_gradient_in_a_frozen_layer_is_ignored()
    {
        var network = FakeNetwork.Create();
        network.FillGradients(8);
        network.SetTrainable(FakeNetwork.FrozenLayer, false);
        TensorInfo frozen = network.Tensors.Single(t => t.LayerIndex == FakeNetwork.FrozenLayer);
        network.GradientArray[frozen.Offset] = float.NaN;
        Assert.True(GradientClipping.AreGradientsFinite(network));
        Assert.True(double.IsFinite(GradientClipping.GlobalNorm(network)));
    }

    [Fact]
    public void Clipping_and_the_finiteness_check_allocate_nothing()
    {
        var network = FakeNetwork.Create();
        network.FillGradients(9);
        GradientClipping.ClipByGlobalNorm(network, 0.5);
        GradientClipping.AreGradientsFinite(network);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            GradientClipping.ClipByGlobalNorm(network, 0.5);
            GradientClipping.AreGradientsFinite(network);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_max_norm_that_is_not_positive_throws(double maxNorm)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(FakeNetwork.Create(), maxNorm));
        Assert.Equal("maxNorm", error.ParamName);
    }

    private static double ReferenceNorm(FakeNetwork network)
    {
        double sum = 0;
        foreach (TensorInfo tensor in network.Tensors.Where(t => t.Kind == TensorKind.Parameter && network.IsTrainable(t.LayerIndex)))
        {
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
                sum += (double)network.GradientArray[i] * network.GradientArray[i];
        }
        return Math.Sqrt(sum);
    }
}
