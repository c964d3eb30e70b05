using System.Threading;
using Myelin.Samples.Mnist.Cli;
using Spectre.Console.Testing;

namespace Myelin.Samples.Tests;

/// <summary>What one run of the app printed and returned.</summary>
/// <param name="ExitCode">The process exit code the app returned.</param>
/// <param name="Output">Everything written to the results console.</param>
/// <param name="Errors">Everything written to the error console.</param>
internal sealed record AppResult(int ExitCode, string Output, string Errors);

/// <summary>Runs the app's entry point on Spectre test consoles (not interactive, so training prints plain lines).</summary>
internal static class AppHarness
{
    /// <summary>Wide enough that no line of the app wraps, so assertions can look for whole lines.</summary>
    private const int Width = 400;

    public static AppResult Run(params string[] args) => Run(CancellationToken.None, args);

    public static AppResult Run(CancellationToken cancellation, params string[] args)
    {
        using var output = new TestConsole().Width(Width);
        using var errors = new TestConsole().Width(Width);
        int code = App.Run(args, output, errors, cancellation);
        return new AppResult(code, output.Output, errors.Output);
    }
}

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "myelin-samples-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="name"/> in the folder (the file is not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
