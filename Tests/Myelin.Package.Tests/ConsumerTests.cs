namespace Myelin.Package.Tests;

/// <summary>A fresh console project installs the package from the feed, declares a network, trains it and predicts, with the JIT and with Native AOT.</summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerTests(PackageFixture package)
{
    [Fact]
    public void Adding_the_package_takes_the_packed_version_from_the_feed_into_the_consumers_own_package_folder()
    {
        package.AddPackageResult.ShouldSucceed();

        string csproj = File.ReadAllText(Path.Combine(package.ConsumerTemplate, "App.csproj"));
        Assert.Contains($"<PackageReference Include=\"Myelin\" Version=\"{package.Version}\" />", csproj);
        string installed = Path.Combine(package.PackagesFolder, "myelin", package.Version.ToLowerInvariant());
        Assert.True(File.Exists(Path.Combine(installed, "lib", "net10.0", "Myelin.Runtime.dll")), $"{installed} holds no runtime");
    }

    [Fact]
    public void The_consumer_builds_with_the_real_SDK_and_trains_and_predicts()
    {
        string app = package.CopyConsumer("jit");

        package.Consumer(app, "build", "-c", "Release").ShouldSucceedWithoutWarnings();
        var run = package.Consumer(app, "run", "-c", "Release", "--no-build").ShouldSucceed();

        TrainingReport.Parse(run.Output).ShouldShowLearning();
    }

    [Fact]
    public void The_consumer_publishes_with_Native_AOT_without_warnings_and_the_executable_trains_and_predicts()
    {
        string app = package.CopyConsumer("aot");

        // -warnaserror: a trim or AOT warning (IL2xxx, IL3xxx) fails the publish, besides failing the check of the output.
        package.Consumer(app, "publish", "-c", "Release", "-p:PublishAot=true", "-o", "native", "-warnaserror").ShouldSucceedWithoutWarnings();
        string executable = Path.Combine(app, "native", OperatingSystem.IsWindows() ? "App.exe" : "App");
        Assert.False(File.Exists(Path.Combine(app, "native", "App.dll")), "the publish folder holds App.dll: the app was not compiled ahead of time");
        var run = DotNet.Execute(executable, app, []).ShouldSucceed();

        TrainingReport.Parse(run.Output).ShouldShowLearning();
    }

    [Fact]
    public void Turning_analyzers_off_with_RunAnalyzers_false_leaves_the_generator_running()
    {
        // RunAnalyzers=false passes /skipanalyzers to the compiler, which skips analyzers but still runs generators.
        // The missing-generator check relies on that: it treats a generator in @(Analyzer) as a generator that runs.
        string app = package.CopyConsumer("no-analyzers");

        package.Consumer(app, "build", "-c", "Release", "-p:RunAnalyzers=false").ShouldSucceedWithoutWarnings();
        var run = package.Consumer(app, "run", "-c", "Release", "--no-build").ShouldSucceed();

        TrainingReport.Parse(run.Output).ShouldShowLearning();
    }
}
