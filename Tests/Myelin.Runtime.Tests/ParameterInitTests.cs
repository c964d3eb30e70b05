namespace Myelin.Tests;

public sealed class ParameterInitTests
{
    [Theory]
    [InlineData(Init.Default, 784, 128, 1.0 / 28.0)]              // 1 / sqrt(784)
    [InlineData(Init.KaimingUniform, 600, 50, 0.1)]               // sqrt(6 / 600)
    [InlineData(Init.XavierUniform, 100, 200, 0.14142135623730953)] // sqrt(6 / 300)
    public void Uniform_schemes_fill_the_PyTorch_bound_and_nothing_beyond_it(Init scheme, int fanIn, int fanOut, double bound)
    {
        var tensor = new float[20_000];
        var random = new SeededRandom(5);
        ParameterInit.Apply(scheme, LayerKind.Dense, TensorRole.Weight, tensor, fanIn, fanOut, ref random);
        Assert.All(tensor, v => Assert.InRange(v, -bound * (1 + 1e-6), bound * (1 + 1e-6)));
        // A uniform on [-b, b] has max close to b and variance b^2 / 3.
        Assert.True(tensor.Max() > bound * 0.99);
        double variance = tensor.Select(v => (double)v * v).Average();
        Assert.InRange(variance, bound * bound / 3 * 0.97, bound * bound / 3 * 1.03);
    }

    [Theory]
    [InlineData(Init.KaimingNormal, 200, 10, 0.1)]   // sqrt(2 / 200)
    [InlineData(Init.XavierNormal, 150, 50, 0.1)]    // sqrt(2 / 200)
    public void Normal_schemes_have_the_PyTorch_standard_deviation(Init scheme, int fanIn, int fanOut, double std)
    {
        var tensor = new float[50_000];
        var random = new SeededRandom(9);
        ParameterInit.Apply(scheme, LayerKind.Conv2D, TensorRole.Weight, tensor, fanIn, fanOut, ref random);
        double variance = tensor.Select(v => (double)v * v).Average();
        Assert.InRange(Math.Sqrt(variance), std * 0.98, std * 1.02);
    }

    [Fact]
    public void BatchNorm_defaults_to_ones_for_the_weight_and_zeros_for_the_bias()
    {
        var weight = new float[8];
        var bias = new float[8];
        bias.AsSpan().Fill(3);
        var random = new SeededRandom(1);
        ParameterInit.Apply(Init.Default, LayerKind.BatchNorm, TensorRole.Weight, weight, 8, 8, ref random);
        ParameterInit.Apply(Init.Default, LayerKind.BatchNorm, TensorRole.Bias, bias, 8, 8, ref random);
        Assert.All(weight, v => Assert.Equal(1f, v));
        Assert.All(bias, v => Assert.Equal(0f, v));
    }
}
