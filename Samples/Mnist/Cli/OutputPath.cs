using System;
using System.IO;
using Myelin.Checkpoints;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>Checks of output paths, done before any training so that a typo does not cost a whole run.</summary>
internal static class OutputPath
{
    /// <summary>
    /// Fails unless <paramref name="path"/> can be written when the run ends: its folder exists and takes new files
    /// (<see cref="AtomicFile.CheckWritable"/> creates and deletes a temporary file there), and the path is missing, a
    /// regular file, or a link to one. A folder, device, pipe or socket is refused rather than replaced.
    /// </summary>
    /// <param name="option">The option that named the path, for the message.</param>
    /// <param name="path">The file to be written, or null when the option was not given.</param>
    /// <exception cref="UsageException">The path cannot be written; the message names it as the user typed it.</exception>
    public static void Check(string option, string? path)
    {
        if (path is null) return;
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw Failure($"{option}: '{path}' is a folder; give a file name.");
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && File.Exists(folder))
            throw Failure($"{option}: '{folder}', the folder of '{path}', is a regular file, not a folder.");
        if (folder is not null && !Directory.Exists(folder))
            throw Failure($"{option}: the folder '{folder}' of '{path}' does not exist.");
        try
        {
            AtomicFile.CheckWritable(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // "Cannot write 'x': ..." reads as "--save: cannot write 'x': ..." after the option.
            throw Failure($"{option}: {char.ToLowerInvariant(e.Message[0])}{e.Message[1..]}");
        }
    }

    /// <summary>Whether <paramref name="path"/> ends with <paramref name="extension"/> (such as ".png"), ignoring case.</summary>
    public static bool HasExtension(string path, string extension) =>
        string.Equals(Path.GetExtension(path), extension, StringComparison.OrdinalIgnoreCase);

    private static UsageException Failure(string message) => new(message, ExitCodes.Failure);
}
