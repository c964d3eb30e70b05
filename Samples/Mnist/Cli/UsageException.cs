using System;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>A mistake on the command line or in a file it names; the message is shown as is, as one line, with exit code <see cref="ExitCodes.Usage"/> or <see cref="ExitCodes.Failure"/>.</summary>
internal sealed class UsageException : Exception
{
    /// <summary>A command-line mistake (exit code 2).</summary>
    public UsageException(string message) : this(message, ExitCodes.Usage) { }

    /// <summary>A mistake with its own exit code, e.g. <see cref="ExitCodes.Failure"/> for a missing file.</summary>
    public UsageException(string message, int exitCode) : base(message) => ExitCode = exitCode;

    /// <summary>The process exit code to return.</summary>
    public int ExitCode { get; }
}

/// <summary>The exit codes of the app.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>Something failed at run time: a missing or corrupt file, a checkpoint that does not fit, diverged training.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown command or option, a bad value.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled with Ctrl+C, as shells report SIGINT (128 + 2).</summary>
    public const int Cancelled = 130;
}
