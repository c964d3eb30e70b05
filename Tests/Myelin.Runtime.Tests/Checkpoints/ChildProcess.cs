using System.Diagnostics;
using System.Threading;
using Myelin.Checkpoints;
using Myelin.Tests.Checkpoints;

/// <summary>
/// Lets the test assembly run as a child process that a test can kill: <see cref="ChildProcess.Start"/> runs this
/// assembly with itself as a .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>), and <see cref="Initialize"/> then does
/// the job named in <see cref="ChildProcess.JobVariable"/> before the (empty) test-host entry point would run.
/// Without that variable it does nothing, so loading the assembly for tests is unaffected.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before <c>Main</c>.</summary>
    public static void Initialize()
    {
        string? job = Environment.GetEnvironmentVariable(ChildProcess.JobVariable);
        if (job is null) return;
        string path = Environment.GetEnvironmentVariable(ChildProcess.PathVariable)!;
        switch (job)
        {
            case ChildProcess.SaveAndHang:
                // Write the first tensor of a checkpoint, tell the parent, and wait to be killed mid-save.
                var writer = Checkpoint.CreateWriter(FakeNetwork.Standard(9), metadata: null);
                writer.AfterTensorWritten = _ =>
                {
                    Console.Out.WriteLine(ChildProcess.Ready);
                    Console.Out.Flush();
                    Thread.Sleep(Timeout.Infinite);
                };
                writer.Save(path);
                break;
            default:
                Console.Error.WriteLine($"unknown child job '{job}'");
                Environment.Exit(2);
                break;
        }
    }
}

namespace Myelin.Tests.Checkpoints
{
    /// <summary>Starts this test assembly as a child process that runs one job in <see cref="StartupHook"/>.</summary>
    internal static class ChildProcess
    {
        public const string JobVariable = "MYELIN_TEST_CHILD_JOB", PathVariable = "MYELIN_TEST_CHILD_PATH";

        /// <summary>Start saving a checkpoint to the path, and hang after its first tensor.</summary>
        public const string SaveAndHang = "save-and-hang";

        /// <summary>The line a child prints when it has reached the point where it waits.</summary>
        public const string Ready = "ready";

        /// <summary>Runs <paramref name="job"/> on <paramref name="path"/> in a new process (stdout redirected).</summary>
        public static Process Start(string job, string path)
        {
            string assembly = typeof(ChildProcess).Assembly.Location;
            var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(assembly);
            start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
            start.Environment[JobVariable] = job;
            start.Environment[PathVariable] = path;
            return Process.Start(start)!;
        }

        /// <summary>Starts <paramref name="job"/>, waits for its <see cref="Ready"/> line, then kills it with SIGKILL.</summary>
        /// <returns>The child's process id.</returns>
        public static int KillWhenReady(string job, string path)
        {
            using var child = Start(job, path);
            string? line = child.StandardOutput.ReadLine();
            Assert.Equal(Ready, line);
            child.Kill(); // SIGKILL on Unix: no finally block, no cleanup runs in the child
            child.WaitForExit();
            return child.Id;
        }

        /// <summary>The <c>dotnet</c> executable running the tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
        private static string DotnetHost()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host)) return host;
            string? current = Environment.ProcessPath;
            return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }
    }
}
