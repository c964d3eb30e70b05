using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Enumeration;

namespace Myelin.Checkpoints;

/// <summary>
/// Names the temporary files of atomic writes, and finds and removes the ones that crashed writers left behind.
/// </summary>
/// <remarks>
/// <para>
/// A temporary file of <c>dir/model.safetensors</c> is <c>dir/.model.safetensors.&lt;pid&gt;.&lt;16 hex digits&gt;.tmp</c>:
/// hidden, beside its target (so the rename stays on one file system), and marked with the process that wrote it.
/// Files from Myelin versions before this scheme, <c>.model.safetensors.&lt;32 hex digits&gt;.tmp</c>, are recognised too.
/// </para>
/// <para>
/// One is stale, and removed by the next write of the same target, when all of these hold:
/// </para>
/// <list type="bullet">
/// <item>no writer holds it: a writer keeps its file locked from creation until after the rename, and a lock dies with
/// its process, even one killed with SIGKILL;</item>
/// <item>its writer is gone: another process's id no longer runs, or this process no longer has it open; a file of
/// another process that still runs (a reused id), or of an older version, counts as gone after <see cref="StaleAge"/>.</item>
/// </list>
/// <para>
/// The second condition covers the instant between a writer creating its file and locking it, and systems where .NET's
/// file locking is switched off (<c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>).
/// </para>
/// </remarks>
internal static class TemporaryFiles
{
    /// <summary>How old an unlocked temporary file of a running process (or of an unknown one) must be to count as stale.</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromMinutes(10);

    private const string Suffix = ".tmp";
    private const int RandomDigits = 16, LegacyDigits = 32;

    /// <summary>Temporary files this process has open; the only ones of its own it must not remove.</summary>
    private static readonly ConcurrentDictionary<string, byte> Live = new(StringComparer.Ordinal);

    /// <summary>A new temporary file name beside <paramref name="target"/>.</summary>
    public static string NewName(string target)
    {
        string directory = Path.GetDirectoryName(target)!;
        ulong random = (ulong)Random.Shared.NextInt64();
        return Path.Combine(directory, string.Create(CultureInfo.InvariantCulture,
            $".{Path.GetFileName(target)}.{Environment.ProcessId}.{random:x16}{Suffix}"));
    }

    /// <summary>Marks <paramref name="temporary"/> as open in this process.</summary>
    public static void Register(string temporary) => Live[temporary] = 0;

    /// <summary>Marks <paramref name="temporary"/> as closed.</summary>
    public static void Unregister(string temporary) => Live.TryRemove(temporary, out _);

    /// <summary>
    /// Removes the stale temporary files of <paramref name="target"/> (see the class remarks). Best effort: a file that
    /// cannot be examined or removed is left, and nothing here throws.
    /// </summary>
    /// <returns>How many files were removed.</returns>
    public static int RemoveStale(string target)
    {
        string directory = Path.GetDirectoryName(target)!;
        string name = Path.GetFileName(target);
        int removed = 0;
        try
        {
            var candidates = new FileSystemEnumerable<(string Path, int ProcessId)>(
                directory,
                (ref FileSystemEntry entry) => (entry.ToFullPath(), ProcessIdOf(entry.FileName, name)),
                new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && ProcessIdOf(entry.FileName, name) != NotTemporary,
            };
            foreach (var (path, processId) in candidates)
            {
                if (IsAbandoned(path, processId) && TryRemoveUnlocked(path)) removed++;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable folder only means nothing is cleaned up; the write itself reports real problems.
        }
        return removed;
    }

    /// <summary>
    /// The reason an I/O error gives, without the temporary file's path: .NET's Unix messages read
    /// "No space left on device : '/dir/.x.123.ab.tmp'", which would point the user at a file they never chose.
    /// </summary>
    public static string Reason(Exception e, string temporary)
    {
        string message = e.Message.Replace($" : '{temporary}'", "", StringComparison.Ordinal);
        if (e is UnauthorizedAccessException && message.Contains(temporary, StringComparison.Ordinal)) return "permission denied";
        return message.Replace($"'{temporary}'", "a temporary file", StringComparison.Ordinal)
            .Replace(temporary, "a temporary file", StringComparison.Ordinal)
            .TrimEnd('.');
    }

    private const int NotTemporary = -1, UnknownProcess = 0;

    /// <summary>
    /// For <c>.&lt;name&gt;.&lt;pid&gt;.&lt;hex&gt;.tmp</c>, the pid; for the older <c>.&lt;name&gt;.&lt;32 hex&gt;.tmp</c>,
    /// <see cref="UnknownProcess"/>; for any other file name, <see cref="NotTemporary"/>.
    /// </summary>
    internal static int ProcessIdOf(ReadOnlySpan<char> fileName, string name)
    {
        if (fileName.Length < name.Length + 2 + Suffix.Length || fileName[0] != '.' || !fileName.EndsWith(Suffix, StringComparison.Ordinal)
            || !fileName[1..].StartsWith(name, StringComparison.Ordinal) || fileName[name.Length + 1] != '.')
            return NotTemporary;
        var middle = fileName[(name.Length + 2)..^Suffix.Length];
        int dot = middle.IndexOf('.');
        if (dot < 0) return middle.Length == LegacyDigits && IsHex(middle) ? UnknownProcess : NotTemporary;
        var random = middle[(dot + 1)..];
        return random.Length == RandomDigits && IsHex(random)
               && int.TryParse(middle[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int processId) && processId > 0
            ? processId
            : NotTemporary;
    }

    private static bool IsHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789abcdef");

    private static bool IsAbandoned(string path, int processId)
    {
        if (processId == Environment.ProcessId) return !Live.ContainsKey(path);
        if (processId != UnknownProcess && !IsRunning(processId)) return true;
        try
        {
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > StaleAge;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or PlatformNotSupportedException)
        {
            return false; // no such process (ArgumentException), or it ended while being looked at
        }
    }

    /// <summary>
    /// Takes the file's lock without waiting and deletes it while holding the lock; false when a writer holds it (or it
    /// is already gone). Taking the lock is what makes removing a live writer's file impossible.
    /// </summary>
    private static bool TryRemoveUnlocked(string path)
    {
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose)) { }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
