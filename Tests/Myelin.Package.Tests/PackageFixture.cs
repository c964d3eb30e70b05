using System.Globalization;

namespace Myelin.Package.Tests;

/// <summary>The tests that build with the dotnet CLI share one collection: they run one after another, on one pack.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Myelin package";
}

/// <summary>
/// Packs the solution once into a folder feed, then creates from it the fresh console project that the tests copy, as a
/// user would: <c>dotnet new console</c>, then <c>dotnet add package Myelin --version V --source feed</c>.
/// </summary>
/// <remarks>
/// The consumer restores into a package folder of its own, with a NuGet.config naming the feed and nuget.org, so a
/// Myelin left in the user's package cache cannot stand in for the package under test. The user's cache is still a
/// fallback folder (nothing is written to it), so the Native AOT compiler packages need not be downloaded again. Each
/// run packs a version of its own (0.1.0-packagetest.yyyyMMddHHmmss) so that even that fallback cannot hold it.
/// </remarks>
public sealed class PackageFixture : IDisposable
{
    /// <summary>Packs the solution and creates the consumer project.</summary>
    public PackageFixture()
    {
        Root = Repository.CreateScratchFolder("myelin-package-tests-");
        Feed = Path.Combine(Root, "feed");
        PackagesFolder = Path.Combine(Root, "packages");
        Version = string.Create(CultureInfo.InvariantCulture, $"{Repository.Version}-packagetest.{DateTime.UtcNow:yyyyMMddHHmmss}");

        // The README's pack command, on the sources as they are. Restoring first, without the test version, keeps the
        // repository's restore outputs as an ordinary build leaves them; the pack then only sets the package's version.
        DotNet.Run(Repository.Root, ["restore", "Compiler.sln"]).ShouldSucceed();
        PackResult = DotNet.Run(Repository.Root,
            ["pack", "Compiler.sln", "-c", "Release", "--no-restore", "-o", Feed, $"-p:PackageVersion={Version}", "-tl:off"]);

        WriteNuGetConfig();
        DotNet.Run(Root, ["new", "console", "--output", "App", "--name", "App", "--no-restore"], ConsumerEnvironment).ShouldSucceed();
        ConsumerTemplate = Path.Combine(Root, "App");
        foreach (string source in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Consumer")))
            File.Copy(source, Path.Combine(ConsumerTemplate, Path.GetFileName(source)), overwrite: true);
        AddPackageResult = DotNet.Run(ConsumerTemplate, ["add", "package", "Myelin", "--version", Version, "--source", Feed], ConsumerEnvironment);
    }

    /// <summary>The scratch folder that holds everything below.</summary>
    public string Root { get; }

    /// <summary>The folder feed the solution was packed into.</summary>
    public string Feed { get; }

    /// <summary>The consumer projects' own package folder.</summary>
    public string PackagesFolder { get; }

    /// <summary>The version this run packed.</summary>
    public string Version { get; }

    /// <summary>The path of the packed Myelin package.</summary>
    public string PackagePath => Path.Combine(Feed, $"Myelin.{Version}.nupkg");

    /// <summary>The path of the packed symbols package.</summary>
    public string SymbolsPackagePath => Path.Combine(Feed, $"Myelin.{Version}.snupkg");

    /// <summary>What <c>dotnet pack</c> printed.</summary>
    public CommandResult PackResult { get; }

    /// <summary>What <c>dotnet add package</c> printed.</summary>
    public CommandResult AddPackageResult { get; }

    /// <summary>The console project with Myelin added; tests work on copies of it.</summary>
    public string ConsumerTemplate { get; }

    /// <summary>The environment of every consumer command: the consumer's own package folder.</summary>
    public IReadOnlyDictionary<string, string> ConsumerEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = PackagesFolder };

    /// <summary>Runs a dotnet command in a consumer project, with the consumer's package folder.</summary>
    public CommandResult Consumer(string project, params string[] arguments) => DotNet.Run(project, [.. arguments, .. BuildSwitches(arguments)], ConsumerEnvironment);

    /// <summary>Copies the consumer project, without its build outputs, to a new folder named <paramref name="name"/>.</summary>
    /// <param name="csprojEdit">Changes the copied project file, e.g. to add a target.</param>
    public string CopyConsumer(string name, Func<string, string>? csprojEdit = null)
    {
        PackResult.ShouldSucceed();
        AddPackageResult.ShouldSucceed();
        string copy = Path.Combine(Root, name);
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(ConsumerTemplate)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        string csproj = Path.Combine(copy, "App.csproj");
        if (csprojEdit is not null) File.WriteAllText(csproj, csprojEdit(File.ReadAllText(csproj)));
        return copy;
    }

    /// <inheritdoc />
    public void Dispose() => Repository.DeleteScratchFolder(Root);

    // The classic console logger, whose warning and error lines the tests read (the terminal logger redraws them).
    private static string[] BuildSwitches(string[] arguments) =>
        arguments.Length > 0 && arguments[0] is "build" or "publish" or "restore" ? ["-tl:off"] : [];

    private void WriteNuGetConfig()
    {
        string userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string fallback = Directory.Exists(userPackages) ? $"""<add key="user-packages" value="{userPackages}" />""" : "";
        File.WriteAllText(Path.Combine(Root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{PackagesFolder}" />
              </config>
              <packageSources>
                <clear />
                <add key="myelin-feed" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                {fallback}
              </fallbackPackageFolders>
            </configuration>
            """);
    }
}
