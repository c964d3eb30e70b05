using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Tests.Infrastructure;

namespace Myelin.Generator.Tests.Diagnostics;

/// <summary>
/// Keeps the catalog, <c>docs/diagnostics.md</c> and <c>AnalyzerReleases.Unshipped.md</c> in step: every ID has a
/// documented section whose anchor is the help link, with the catalog's title, severity and message format, and a
/// bad and a fixed example that the generator really treats that way.
/// </summary>
public sealed partial class DiagnosticDocumentationTests
{
    private static readonly string DocsPath = Path.Combine(DescriptorCatalog.RepositoryRoot(), "docs", "diagnostics.md");
    private static readonly string ReleasesPath = Path.Combine(DescriptorCatalog.RepositoryRoot(), "Generator", "AnalyzerReleases.Unshipped.md");

    public static TheoryData<string> Ids => new(DescriptorCatalog.All.Select(d => d.Id));

    [Fact]
    public void The_catalog_has_descriptors_with_distinct_IDs_in_the_MYL_range()
    {
        Assert.True(DescriptorCatalog.All.Count >= 20, $"Only {DescriptorCatalog.All.Count} descriptors found by reflection");
        Assert.Equal(DescriptorCatalog.All.Count, DescriptorCatalog.All.Select(d => d.Id).Distinct().Count());
        Assert.All(DescriptorCatalog.All, d => Assert.Matches("^MYL[0-9]{4}$", d.Id));
        Assert.All(DescriptorCatalog.All, d => Assert.Equal(DiagnosticDescriptors.Category, d.Category));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_ID_has_a_section_in_the_docs_with_its_title_severity_and_message_format(string id)
    {
        var descriptor = Descriptor(id);
        var section = Sections().GetValueOrDefault(id);
        Assert.True(section is not null, $"docs/diagnostics.md has no '## {id}' section");
        string title = descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string format = descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"**{title}** · {descriptor.DefaultSeverity}", section, StringComparison.Ordinal);
        Assert.Contains($"Message: `{format}`", section, StringComparison.Ordinal);
        Assert.Contains($"| [{id}](#{id.ToLowerInvariant()}) | {descriptor.DefaultSeverity} | {title} |", File.ReadAllText(DocsPath), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_help_link_points_at_the_anchor_GitHub_gives_the_section_heading(string id)
    {
        var descriptor = Descriptor(id);
        Assert.EndsWith("/docs/diagnostics.md#", DiagnosticDescriptors.HelpBase, StringComparison.Ordinal);
        // GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.
        string anchor = Regex.Replace(id.ToLowerInvariant(), "[^a-z0-9 _-]", "").Replace(' ', '-');
        Assert.Equal(DiagnosticDescriptors.HelpBase + anchor, descriptor.HelpLinkUri);
    }

    [Fact]
    public void The_docs_have_no_section_for_an_ID_the_catalog_does_not_have_and_keep_ID_order()
    {
        var documented = Sections().Keys.ToList();
        Assert.Equal(DescriptorCatalog.All.Select(d => d.Id), documented);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_ID_is_recorded_in_the_unshipped_release_notes_with_its_category_severity_and_title(string id)
    {
        var descriptor = Descriptor(id);
        var row = ReleaseRows().GetValueOrDefault(id);
        Assert.True(row is not null, $"AnalyzerReleases.Unshipped.md has no row for {id}");
        Assert.Equal(descriptor.Category, row![0]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), row[1]);
        Assert.Equal(descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture), row[2]);
    }

    [Fact]
    public void The_release_notes_list_no_ID_the_catalog_does_not_have() =>
        Assert.Equal(DescriptorCatalog.All.Select(d => d.Id).Order(StringComparer.Ordinal), ReleaseRows().Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_bad_example_in_the_docs_reports_its_ID_and_the_fixed_one_generates_clean_code(string id)
    {
        var examples = Examples(Sections()[id]);
        // No declaration should provoke an internal error, nor (every op has GPU kernels) a network without a GPU twin.
        if (id is "MYL0999" or "MYL0103")
        {
            Assert.Empty(examples);
            return;
        }
        Assert.True(examples.TryGetValue("Bad", out string? bad), $"{id} has no '// Bad' csharp block");
        Assert.True(examples.TryGetValue("Fixed", out string? fixedSource), $"{id} has no '// Fixed' csharp block");

        // A bad example that starts "// In a project that references Myelin.Gpu" is compiled with that reference.
        var badCompilation = GeneratorHarness.CreateCompilation(DiagnosticAssert.Network(bad!));
        if (bad!.StartsWith("// In a project that references Myelin.Gpu", StringComparison.Ordinal))
            badCompilation = Incremental.GpuEmissionCachingTests.WithGpu(badCompilation);
        var badRun = GeneratorHarness.Run(badCompilation);
        Assert.True(badRun.MyelinDiagnostics.Any(d => d.Id == id),
            $"The bad example of {id} reports {string.Join(", ", badRun.MyelinDiagnostics.Select(d => d.Id))} instead:\n{bad}");
        Assert.Empty(badRun.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var fixedRun = GeneratorHarness.Run(DiagnosticAssert.Network(fixedSource!));
        Assert.True(fixedRun.MyelinDiagnostics.Count == 0,
            $"The fixed example of {id} still reports:\n{string.Join("\n", fixedRun.MyelinDiagnostics)}\n{fixedSource}");
        Assert.Single(fixedRun.Sources);
        var problems = fixedRun.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, $"The fixed example of {id} does not compile cleanly:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void Each_build_check_of_the_package_has_a_section_its_help_link_reaches()
    {
        string targets = File.ReadAllText(Path.Combine(DescriptorCatalog.RepositoryRoot(), "Packaging", "Myelin", "buildTransitive", "Myelin.targets"));
        var codes = Regex.Matches(targets, "Code=\"(MYL09[0-9]{2})\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, codes.Count);
        string docs = File.ReadAllText(DocsPath);
        foreach (string code in codes)
        {
            Assert.Contains($"\n### {code}\n", docs.Replace("\r\n", "\n"), StringComparison.Ordinal);
            Assert.Contains($"HelpLink=\"$(_MyelinHelp){code.ToLowerInvariant()}\"", targets, StringComparison.Ordinal);
        }
        Assert.Contains($"<_MyelinHelp>{DiagnosticDescriptors.HelpBase}</_MyelinHelp>", targets, StringComparison.Ordinal);
    }

    private static DiagnosticDescriptor Descriptor(string id) => DescriptorCatalog.All.Single(d => d.Id == id);

    /// <summary>The text of each <c>## MYLnnnn</c> section, by ID, in document order.</summary>
    private static Dictionary<string, string> Sections()
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var text = new System.Text.StringBuilder();
        foreach (string line in File.ReadAllLines(DocsPath).Append("## end"))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                if (current is not null) sections.Add(current, text.ToString());
                string heading = line.Substring(3).Trim();
                current = HeadingId().IsMatch(heading) ? heading : null;
                text.Clear();
                continue;
            }
            text.AppendLine(line);
        }
        return sections;
    }

    /// <summary>The <c>```csharp</c> blocks of a section, keyed by their first line's comment (<c>// Bad</c>, <c>// Fixed</c>).</summary>
    private static Dictionary<string, string> Examples(string section)
    {
        var examples = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match block in CodeBlock().Matches(section))
            examples.Add(block.Groups["label"].Value, block.Groups["code"].Value);
        return examples;
    }

    /// <summary>Rows of the release table, by ID: category, severity, notes.</summary>
    private static Dictionary<string, string[]> ReleaseRows()
    {
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(ReleasesPath))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length == 4 && HeadingId().IsMatch(cells[0])) rows.Add(cells[0], cells[1..]);
        }
        return rows;
    }

    [GeneratedRegex("^MYL[0-9]{4}$")]
    private static partial Regex HeadingId();

    [GeneratedRegex(@"```csharp\r?\n// (?<label>\w+)\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
