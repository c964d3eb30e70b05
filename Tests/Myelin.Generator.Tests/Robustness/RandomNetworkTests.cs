namespace Myelin.Generator.Tests.Robustness;

/// <summary>
/// Hundreds of seeded random attribute combinations, valid and invalid, compiled together in one compilation: each
/// must give either clean generated code or a Myelin diagnostic and no code, and the generator must never throw.
/// </summary>
public sealed class RandomNetworkTests
{
    private const int Seed = 20261123;
    private const int Count = 400;

    [Fact]
    public void Four_hundred_random_networks_each_give_clean_code_or_a_diagnostic_and_no_code()
    {
        var generator = new RandomNetworks(Seed);
        var cases = Enumerable.Range(0, Count)
            .Select(i => new NetworkCase($"Net{i}.cs", $"Robust.Net{i}.g.cs", generator.Next(i)))
            .ToList();

        RobustnessCheck.AssertNone(RobustnessCheck.Failures(cases), cases.Count);
    }

    [Fact]
    public void The_random_networks_cover_both_outcomes_in_useful_proportions()
    {
        // The contract above is only meaningful if the generator produced many networks and rejected many.
        var generator = new RandomNetworks(Seed);
        var sources = Enumerable.Range(0, Count).Select(generator.Next).ToArray();
        var run = Infrastructure.GeneratorHarness.Run(Infrastructure.GeneratorHarness.CreateCompilation(sources));
        int generated = run.Sources.Count;
        int rejected = run.MyelinDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
            .Select(d => d.Location.GetLineSpan().Path).Distinct().Count();
        Assert.Equal(Count, generated + rejected);
        Assert.InRange(generated, Count / 5, Count * 4 / 5);
        var ids = run.MyelinDiagnostics.Select(d => d.Id).ToHashSet();
        foreach (string id in new[] { "MYL0004", "MYL0005", "MYL0006", "MYL0007", "MYL0008", "MYL0009", "MYL0010", "MYL0012", "MYL0013", "MYL0014", "MYL0020", "MYL0100" })
            Assert.Contains(id, ids);
    }
}
