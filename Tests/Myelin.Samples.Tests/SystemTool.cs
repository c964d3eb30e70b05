using System.Diagnostics;

namespace Myelin.Samples.Tests;

/// <summary>Runs the small Unix tools the tests set files up with (mkfifo, mount, test).</summary>
internal static class SystemTool
{
    /// <summary>Runs <paramref name="tool"/> and returns its exit code; -1 when there is no such tool. Output is discarded.</summary>
    public static int Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
