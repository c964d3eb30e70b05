namespace Myelin.Tests;

public sealed class SeededRandomTests
{
    [Fact]
    public void The_same_seed_and_stream_give_the_same_sequence_and_other_streams_differ()
    {
        var a = new SeededRandom(42, 3);
        var b = new SeededRandom(42, 3);
        var c = new SeededRandom(42, 4);
        var fromA = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        var fromB = Enumerable.Range(0, 100).Select(_ => b.NextUInt64()).ToArray();
        var fromC = Enumerable.Range(0, 100).Select(_ => c.NextUInt64()).ToArray();
        Assert.Equal(fromA, fromB);
        Assert.NotEqual(fromA, fromC);
    }

    [Fact]
    public void Uniform_and_gaussian_samples_have_the_expected_moments()
    {
        var random = new SeededRandom(7);
        const int n = 200_000;
        double sum = 0, sumSq = 0, gSum = 0, gSq = 0;
        for (int i = 0; i < n; i++)
        {
            double u = random.NextFloat();
            Assert.InRange(u, 0.0, 1.0 - 1e-9);
            sum += u; sumSq += u * u;
            double g = random.NextGaussian();
            gSum += g; gSq += g * g;
        }
        // Standard errors are about 0.0007 (uniform mean) and 0.0022 (gaussian mean); allow five of them.
        Assert.InRange(sum / n, 0.5 - 0.004, 0.5 + 0.004);
        Assert.InRange(sumSq / n - Math.Pow(sum / n, 2), 1.0 / 12 - 0.003, 1.0 / 12 + 0.003);
        Assert.InRange(gSum / n, -0.011, 0.011);
        Assert.InRange(gSq / n, 1 - 0.02, 1 + 0.02);
    }

    [Fact]
    public void NextInt_covers_every_value_below_the_bound_evenly()
    {
        var random = new SeededRandom(1);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[random.NextInt(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
    }
}
