using System.IO.Compression;
using System.Xml.Linq;

namespace Myelin.Package.Tests;

/// <summary>What <c>dotnet pack Compiler.sln -c Release</c> produces, read from the package files themselves.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackageFixture package)
{
    [Fact]
    public void Packing_the_solution_gives_one_Myelin_package_with_its_symbols_and_the_optional_packages_without_warnings()
    {
        package.PackResult.ShouldSucceedWithoutWarnings();

        // One package for the core (runtime, attributes, generator), and one per optional capability, each with symbols.
        var files = Directory.GetFiles(package.Feed).Select(path => Path.GetFileName(path)).Where(name => name.StartsWith("Myelin.", StringComparison.Ordinal)
            && !name.StartsWith("Myelin.Onnx.", StringComparison.Ordinal) && !name.StartsWith("Myelin.Gpu.", StringComparison.Ordinal)
            && !name.StartsWith("Myelin.Distributed.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal([$"Myelin.{package.Version}.nupkg", $"Myelin.{package.Version}.snupkg"], files);
        Assert.Contains($"Myelin.Onnx.{package.Version}.nupkg", Directory.GetFiles(package.Feed).Select(path => Path.GetFileName(path)));
    }

    [Fact]
    public void The_package_holds_the_runtime_and_the_attributes_as_libraries_and_the_generator_as_an_analyzer()
    {
        var entries = PackageEntries(package.PackagePath);

        string[] expected =
        [
            "README.md",
            "analyzers/dotnet/cs/Myelin.Generator.dll",
            "buildTransitive/Myelin.targets",
            "lib/net10.0/Myelin.Attributes.dll",
            "lib/net10.0/Myelin.Attributes.xml",
            "lib/net10.0/Myelin.Runtime.dll",
            "lib/net10.0/Myelin.Runtime.xml",
        ];
        Assert.Equal(expected, entries.Where(e => !IsPackagingPart(e)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_package_depends_only_on_Sep_so_the_generators_Roslyn_dependencies_do_not_reach_consumers()
    {
        XElement metadata = Nuspec(package.PackagePath);

        // The generator is built against Microsoft.CodeAnalysis, which the compiler that loads it provides; the
        // attributes are bundled; the runtime reads CSV with Sep.
        Assert.Equal(["Sep"], metadata.Descendants(metadata.Name.Namespace + "dependency").Select(d => (string?)d.Attribute("id")));
        Assert.DoesNotContain(PackageEntries(package.PackagePath), e => e.Contains("CodeAnalysis", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_package_states_its_MIT_licence_readme_and_repository()
    {
        XElement metadata = Nuspec(package.PackagePath);
        XNamespace ns = metadata.Name.Namespace;

        Assert.Equal("Myelin", metadata.Element(ns + "id")?.Value);
        Assert.Equal(package.Version, metadata.Element(ns + "version")?.Value);
        XElement? license = metadata.Element(ns + "license");
        Assert.Equal(("expression", "MIT"), (license?.Attribute("type")?.Value, license?.Value));
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.Equal("https://github.com/myelin-nn/myelin", metadata.Element(ns + "repository")?.Attribute("url")?.Value);
        Assert.Matches("^[0-9a-f]{40}$", metadata.Element(ns + "repository")?.Attribute("commit")?.Value ?? "");
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
    }

    [Fact]
    public void The_symbols_package_holds_the_portable_pdbs_of_both_libraries()
    {
        var pdbs = PackageEntries(package.SymbolsPackagePath).Where(e => e.EndsWith(".pdb", StringComparison.Ordinal));

        Assert.Equal(["lib/net10.0/Myelin.Attributes.pdb", "lib/net10.0/Myelin.Runtime.pdb"], pdbs.Order(StringComparer.Ordinal));
    }

    private static List<string> PackageEntries(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private static XElement Nuspec(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        ZipArchiveEntry nuspec = zip.Entries.Single(e => e.FullName == "Myelin.nuspec");
        using Stream stream = nuspec.Open();
        XElement root = XElement.Load(stream);
        return root.Element(root.Name.Namespace + "metadata") ?? throw new InvalidDataException($"{path}: the nuspec has no <metadata>.");
    }

    // The files every package has: its manifest, the OPC parts and the signature-free core properties.
    private static bool IsPackagingPart(string entry) =>
        entry is "Myelin.nuspec" or "[Content_Types].xml" || entry.StartsWith("_rels/", StringComparison.Ordinal) || entry.StartsWith("package/", StringComparison.Ordinal);
}
