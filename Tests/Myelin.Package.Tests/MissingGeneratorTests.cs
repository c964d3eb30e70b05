namespace Myelin.Package.Tests;

/// <summary>
/// The package's build check (Packaging/Myelin/buildTransitive/Myelin.targets): a compilation without Myelin's
/// generator fails with an MYL09xx error that names the cause, before the compiler reports the confusing errors of an
/// empty partial class (CS1739: no parameter named 'seed').
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class MissingGeneratorTests(PackageFixture package)
{
    // What a build that turns analyzers off by editing @(Analyzer) does (the usual way, since NuGet still ignores
    // ExcludeAssets="analyzers"; NuGet/Home#6279), and what a future NuGet that honours it will do by itself.
    private const string RemoveGenerator = """
          <Target Name="RemoveMyelinGenerator" BeforeTargets="CoreCompile">
            <ItemGroup>
              <Analyzer Remove="@(Analyzer)" Condition="'%(Filename)' == 'Myelin.Generator'" />
            </ItemGroup>
          </Target>
        </Project>
        """;

    [Fact]
    public void A_project_that_references_Myelin_but_compiles_without_its_generator_fails_with_MYL0901()
    {
        string app = package.CopyConsumer("generator-removed", csproj => csproj.Replace("</Project>", RemoveGenerator, StringComparison.Ordinal));

        var build = package.Consumer(app, "build", "-c", "Release");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error MYL0901: App.csproj references Myelin, but Myelin's source generator is not among the analyzers given to the compiler", build.Output);
        Assert.Contains("<MyelinCheckGenerator>false</MyelinCheckGenerator>", build.Output);
        Assert.DoesNotContain("error CS", build.Output);
    }

    [Fact]
    public void A_compiler_older_than_Roslyn_4_14_fails_with_MYL0902_naming_its_version()
    {
        string app = package.CopyConsumer("old-compiler");

        // CompilerApiVersion is how the SDK tells packages which Roslyn runs the build (roslyn5.9 in the .NET 10 SDK).
        var build = package.Consumer(app, "build", "-c", "Release", "-p:CompilerApiVersion=roslyn4.12");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error MYL0902: Myelin's source generator needs Roslyn 4.14 or later, but this build's C# compiler is Roslyn 4.12", build.Output);
        Assert.DoesNotContain("error CS", build.Output);
    }

    [Fact]
    public void A_project_that_gets_Myelin_through_another_project_builds_its_own_network_and_trains_it()
    {
        // Today's NuGet passes a package's analyzers on to projects that reference it indirectly.
        string app = CreateIndirectConsumer("indirect", removeGenerator: false);

        package.Consumer(app, "build", "-c", "Release").ShouldSucceedWithoutWarnings();
        var run = package.Consumer(app, "run", "-c", "Release", "--no-build").ShouldSucceed();

        TrainingReport.Parse(run.Output).ShouldShowLearning();
    }

    [Fact]
    public void A_project_that_gets_Myelin_through_another_project_without_its_generator_fails_with_MYL0903_on_the_file_that_declares_the_network()
    {
        string app = CreateIndirectConsumer("indirect-without-generator", removeGenerator: true);

        var build = package.Consumer(app, "build", "-c", "Release");

        Assert.NotEqual(0, build.ExitCode);
        string blobs = Path.Combine(app, "Blobs.cs");
        Assert.Contains($"{blobs} : error MYL0903: This file declares a [Network] class, but App.csproj gets Myelin only through another project, and without its source generator", build.Output);
        Assert.Contains($"Add a PackageReference to Myelin {package.Version.ToLowerInvariant()} to App.csproj: a direct reference brings the generator.", build.Output);
        // Program.cs uses the network but declares none: the check reads attributes, not names.
        Assert.DoesNotContain("Program.cs : error MYL0903", build.Output);
        Assert.DoesNotContain("error CS", build.Output);
    }

    /// <summary>A library that references Myelin, and an app (the consumer's sources) that references only the library.</summary>
    private string CreateIndirectConsumer(string name, bool removeGenerator)
    {
        string library = package.CopyConsumer(name + "-lib");
        File.Delete(Path.Combine(library, "Program.cs"));
        File.Delete(Path.Combine(library, "Blobs.cs"));
        File.Move(Path.Combine(library, "App.csproj"), Path.Combine(library, "Lib.csproj"));
        File.WriteAllText(Path.Combine(library, "Lib.csproj"), File.ReadAllText(Path.Combine(library, "Lib.csproj"))
            .Replace("<OutputType>Exe</OutputType>", "<OutputType>Library</OutputType>", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(library, "Library.cs"), "namespace Lib;\n\npublic static class Library;\n");

        string app = package.CopyConsumer(name);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../{Path.GetFileName(library)}/Lib.csproj" />
              </ItemGroup>
            {(removeGenerator ? RemoveGenerator : "</Project>")}
            """);
        return app;
    }
}
