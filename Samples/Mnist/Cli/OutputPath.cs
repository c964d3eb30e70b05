using System;
using System.IO;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>Checks of output paths, done before any training so that a typo does not cost a whole run.</summary>
internal static class OutputPath
{
    /// <summary>Fails when <paramref name="path"/> is a folder or its folder does not exist.</summary>
    /// <param name="option">The option that named the path, for the message.</param>
    /// <param name="path">The file to be written, or null when the option was not given.</param>
    public static void Check(string option, string? path)
    {
        if (path is null) return;
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{option}: '{path}' is a folder; give a file name.", ExitCodes.Failure);
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
            throw new UsageException($"{option}: the folder '{folder}' of '{path}' does not exist.", ExitCodes.Failure);
    }

    /// <summary>Whether <paramref name="path"/> ends with <paramref name="extension"/> (such as ".png"), ignoring case.</summary>
    public static bool HasExtension(string path, string extension) =>
        string.Equals(Path.GetExtension(path), extension, StringComparison.OrdinalIgnoreCase);
}
