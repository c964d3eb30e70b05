using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests.Incremental;

/// <summary>
/// Incremental-caching checks on the generator's tracked steps (<see cref="TrackingNames"/>). The Parse step follows
/// <c>ForAttributeWithMetadataName</c>, whose transform re-runs whenever the compilation changes, so on an unrelated
/// change its outputs are <see cref="IncrementalStepRunReason.Unchanged"/> (re-run, equal) rather than Cached; every
/// later step must then be Cached.
/// </summary>
internal static class CachingAssert
{
    /// <summary>Every tracked step name, read from <see cref="TrackingNames"/> so that a new step is checked without editing the tests.</summary>
    public static IReadOnlyList<string> TrackedStepNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    /// <summary>
    /// Runs the generator on <paramref name="sources"/>, checks that no tracked value holds a Roslyn object, runs it
    /// again on an identical compilation and asserts that every tracked step and every output is cached and equal.
    /// Returns the first run. Snapshot tests go through this, so caching is tested for every snapshot.
    /// </summary>
    public static GeneratorRun RunTwiceAndAssertCached(params string[] sources)
    {
        var compilation = GeneratorHarness.CreateCompilation(sources);
        var first = GeneratorHarness.Run(compilation);
        var firstResult = first.Driver.GetRunResult();
        ModelGraph.AssertClean(firstResult);

        var secondResult = first.Driver.RunGenerators(compilation.Clone()).GetRunResult();
        AssertCachedAfterUnrelatedChange(firstResult, secondResult);
        return first;
    }

    /// <summary>
    /// Asserts what must hold after a change that does not touch any network: the same tracked steps ran, Parse is
    /// Cached or Unchanged, every other step and every source output is Cached, and every value equals the first run's.
    /// </summary>
    public static void AssertCachedAfterUnrelatedChange(GeneratorDriverRunResult first, GeneratorDriverRunResult second)
    {
        var problems = new List<string>();
        foreach (string step in TrackedStepNames)
        {
            var before = Outputs(first, step);
            var after = Outputs(second, step);
            if (before.Count != after.Count)
            {
                problems.Add($"{step}: {before.Count} outputs before, {after.Count} after");
                continue;
            }
            for (int i = 0; i < after.Count; i++)
            {
                var allowed = step == TrackingNames.Parse
                    ? new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }
                    : new[] { IncrementalStepRunReason.Cached };
                if (!allowed.Contains(after[i].Reason)) problems.Add($"{step}[{i}]: {after[i].Reason}, expected {string.Join(" or ", allowed)}");
                if (!Equals(before[i].Value, after[i].Value)) problems.Add($"{step}[{i}]: the value is not equal to the first run's");
            }
        }
        foreach (var output in second.Results.SelectMany(r => r.TrackedOutputSteps).SelectMany(s => s.Value.SelectMany(run => run.Outputs.Select(o => (s.Key, o.Reason)))))
        {
            if (output.Reason != IncrementalStepRunReason.Cached) problems.Add($"output {output.Key}: {output.Reason}, expected Cached");
        }
        Assert.True(problems.Count == 0, "The second run was not fully cached:\n" + string.Join("\n", problems));
    }

    /// <summary>The outputs of one tracked step, flattened over its runs (one run per input item).</summary>
    public static IReadOnlyList<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorDriverRunResult result, string step) =>
        result.Results
            .SelectMany(r => r.TrackedSteps.TryGetValue(step, out var runs) ? runs : System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>.Empty)
            .SelectMany(run => run.Outputs)
            .ToList();

    /// <summary>The reasons of one tracked step's outputs, for assertions such as <c>Assert.All(reasons, r => ...)</c>.</summary>
    public static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorDriverRunResult result, string step) =>
        Outputs(result, step).Select(o => o.Reason).ToList();

    /// <summary>Runs a tracked driver on <paramref name="compilation"/>, then on <paramref name="edit"/> of it, and returns both results.</summary>
    public static (GeneratorDriverRunResult First, GeneratorDriverRunResult Second) RunBeforeAndAfter(CSharpCompilation compilation, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult();
        var second = driver.RunGenerators(edit(compilation)).GetRunResult();
        return (first, second);
    }
}
