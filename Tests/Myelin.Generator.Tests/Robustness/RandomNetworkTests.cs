namespace Myelin.Generator.Tests.Robustness;

/// <summary>
/// Hundreds of seeded random attribute combinations, valid and invalid, compiled together in one compilation: each
/// must give either clean generated code or a Myelin diagnostic and no code, and the generator must never throw.
/// </summary>
public sealed class RandomNetworkTests
{
    private const int Seed = 20261123;
    private const int Count = 300;

    // One generator run and one compilation of all networks, shared by the tests below (xunit runs them one at a time).
    private static readonly Lazy<(IReadOnlyList<string> Failures, Infrastructure.GeneratorRun Run)> Result = new(() =>
    {
        var generator = new RandomNetworks(Seed);
        var cases = Enumerable.Range(0, Count)
            .Select(i => new NetworkCase($"Net{i}.cs", $"Robust.Net{i}.g.cs", generator.Next(i)))
            .ToList();
        var failures = RobustnessCheck.Failures(cases, out var run);
        return (failures, run);
    });

    [Fact]
    public void Three_hundred_random_networks_each_give_clean_code_or_a_diagnostic_and_no_code() =>
        RobustnessCheck.AssertNone(Result.Value.Failures, Count);

    [Fact]
    public void The_random_networks_cover_both_outcomes_in_useful_proportions()
    {
        // The contract above is only meaningful if the generator produced many networks and rejected many.
        var run = Result.Value.Run;
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
