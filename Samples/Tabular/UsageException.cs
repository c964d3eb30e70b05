using System;

namespace Myelin.Samples.Tabular;

/// <summary>A mistake on the command line or in what it names; shown as is, with its exit code.</summary>
internal sealed class UsageException : Exception
{
    /// <summary>A command-line mistake (exit code 2).</summary>
    public UsageException(string message) : this(message, ExitCodes.Usage) { }

    /// <summary>A mistake with its own exit code.</summary>
    public UsageException(string message, int exitCode) : base(message) => ExitCode = exitCode;

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }
}

/// <summary>The exit codes of the app.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>A file is missing, malformed or does not fit; training diverged.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT).</summary>
    public const int Cancelled = 130;
}
