using System.Diagnostics;
using System.Text;

namespace Myelin.Distributed.Tests;

/// <summary>The output of a finished process.</summary>
/// <param name="CommandLine">What was run, for failure messages.</param>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Output">Everything written to stdout.</param>
/// <param name="Errors">Everything written to stderr.</param>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string Output, string Errors)
{
    /// <summary>The command, exit code and both streams, for an assertion message.</summary>
    public string Describe() => $"{CommandLine}\nexit code {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";

    /// <summary>Throws with <see cref="Describe"/> unless the process exited with 0.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (ExitCode != 0) throw new InvalidOperationException($"The process failed:\n{Describe()}");
        return this;
    }
}

/// <summary>
/// Starts .NET programs, alone or as the ranks of an Open MPI job (<c>mpirun -np N dotnet program.dll ...</c>), and
/// collects their output. CI installs Open MPI first (<c>.ci/run</c>); without it these tests fail saying how to install it.
/// </summary>
internal static class MpiRun
{
    /// <summary>How long a job may take before it is killed and the test fails: the whole suite runs in well under a minute.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Runs <c>dotnet <paramref name="program"/> <paramref name="arguments"/></c> as <paramref name="ranks"/> ranks under mpirun.</summary>
    /// <param name="ranks">The number of processes.</param>
    /// <param name="program">The path of a .NET program's dll.</param>
    /// <param name="rankOutput">A folder for each rank's own output (mpirun's <c>--output-filename</c>: <c>1/rank.N/stdout</c>
    /// and <c>stderr</c> in it), besides mpirun's merged output; null for the merged output only.</param>
    /// <param name="arguments">The program's arguments.</param>
    public static ProcessResult Mpirun(int ranks, string program, string? rankOutput, params string[] arguments)
    {
        string mpirun = FindOnPath("mpirun") ?? throw new InvalidOperationException(
            "mpirun is not on the PATH. The data-parallel tests need Open MPI: apt-get install -y openmpi-bin libopenmpi-dev (.ci/run installs it on CI).");
        // As root (CI containers) mpirun refuses to start without --allow-run-as-root; --oversubscribe lets 2 ranks run
        // on a machine with fewer cores.
        var all = new List<string> { "--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (rankOutput is not null) all.AddRange(["--output-filename", rankOutput]);
        all.Add(Dotnet);
        all.Add(program);
        all.AddRange(arguments);
        return Run(mpirun, all);
    }

    /// <summary>What rank <paramref name="rank"/> wrote to <paramref name="stream"/> (stdout or stderr) in a job run with <c>rankOutput</c>.</summary>
    public static string RankOutput(string rankOutput, int rank, string stream = "stdout")
    {
        string path = Path.Combine(rankOutput, "1", $"rank.{rank}", stream);
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>Runs <c>dotnet <paramref name="program"/> <paramref name="arguments"/></c> as one ordinary process.</summary>
    public static ProcessResult Alone(string program, params string[] arguments) => Run(Dotnet, [program, .. arguments]);

    /// <summary>The dotnet host running these tests.</summary>
    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";

    /// <summary>A file in the test's output folder (the worker and the MNIST app are copied there), checked to exist.</summary>
    public static string Program(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, fileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{fileName} is not in the test's output folder {AppContext.BaseDirectory}; build the test project.", path);
        return path;
    }

    private static ProcessResult Run(string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        // mpirun gives each rank a pseudo-terminal; a dumb terminal keeps .NET's console from writing escape codes to it.
        start.Environment["TERM"] = "dumb";
        // The ranks inherit these; none of them should come from a launcher that started the test run itself.
        foreach (string variable in new[] { "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE", "PMI_RANK" }) start.Environment.Remove(variable);
        // Containers (CI) often forbid the cross-process reads (process_vm_readv) that Open MPI's shared-memory transport
        // uses for large messages, and a job then fails with "Read -1, expected ..., errno = 1"; copying through the
        // shared segment works everywhere, and these tests time nothing.
        if (Environment.GetEnvironmentVariable("OMPI_MCA_btl_vader_single_copy_mechanism") is null)
            start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        string commandLine = $"{file} {string.Join(' ', arguments)}";

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"Could not start {commandLine}.");
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{commandLine} did not finish in {Timeout.TotalSeconds:0} s and was killed.\n--- stdout ---\n{output}\n--- stderr ---\n{errors}");
        }
        process.WaitForExit();  // drains the asynchronous readers
        return new ProcessResult(commandLine, process.ExitCode, output.ToString(), errors.ToString());
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
}
