using System.Diagnostics;
using System.Text;

namespace Myelin.Package.Tests;

/// <summary>What a finished command printed, and how it ended.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Duration)
{
    /// <summary>The lines that MSBuild, NuGet, the compiler or the AOT compiler report as warnings.</summary>
    public IReadOnlyList<string> WarningLines => Output.Split('\n').Where(line => line.Contains(": warning ", StringComparison.Ordinal)).ToList();

    /// <summary>Fails the test with the whole output unless the command succeeded.</summary>
    public CommandResult ShouldSucceed()
    {
        Assert.True(ExitCode == 0, $"'{Command}' exited with {ExitCode} after {Duration.TotalSeconds:0.0} s:\n{Output}");
        return this;
    }

    /// <summary>Fails the test with the whole output unless the command succeeded without a single warning.</summary>
    public CommandResult ShouldSucceedWithoutWarnings()
    {
        ShouldSucceed();
        Assert.True(WarningLines.Count == 0, $"'{Command}' reported warnings:\n{string.Join('\n', WarningLines)}");
        return this;
    }
}

/// <summary>
/// Runs the dotnet CLI and the programs it builds as a user's shell would: no build servers left behind, no telemetry,
/// and none of the MSBuild variables that the test host inherits from <c>dotnet test</c>.
/// </summary>
public static class DotNet
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The dotnet host that runs these tests, so that child builds use the same SDK.</summary>
    public static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="directory"/>.</summary>
    /// <param name="environment">Extra variables, e.g. NUGET_PACKAGES for an isolated package folder.</param>
    public static CommandResult Run(string directory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Execute(Host, directory, arguments, environment);

    /// <summary>Runs a program (a Native AOT executable) in <paramref name="directory"/>.</summary>
    public static CommandResult Execute(string program, string directory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (string name in start.Environment.Keys.Where(IsInheritedBuildVariable).ToList()) start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false";
        // Leave no MSBuild nodes or compiler server running: the machine is shared and the tests must end clean.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        string command = $"{Path.GetFileName(program)} {string.Join(' ', arguments)}";
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"'{command}' in {directory} did not finish within {Timeout.TotalMinutes} minutes:\n{output}");
        }
        process.WaitForExit(); // flushes the asynchronous output readers
        return new CommandResult(command, process.ExitCode, output.ToString(), stopwatch.Elapsed);
    }

    // dotnet test runs the test host from inside MSBuild, which leaves MSBuild's own variables (MSBuildExtensionsPath,
    // MSBUILD_EXE_PATH, ...) in its environment; a child build must find its SDK the ordinary way.
    private static bool IsInheritedBuildVariable(string name) =>
        name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("_MSBuild", StringComparison.OrdinalIgnoreCase);
}
