using System.Diagnostics;
using System.Net.Sockets;

namespace Myelin.Tests.Checkpoints;

/// <summary>Makes the things a save must never replace: named pipes, sockets and device nodes.</summary>
internal static class SpecialFiles
{
    /// <summary>A named pipe at <paramref name="path"/> (<c>mkfifo</c>, which needs no privileges).</summary>
    public static void MakeFifo(string path) => Assert.Equal(0, Run("mkfifo", path));

    /// <summary>A listening Unix domain socket bound at <paramref name="path"/>; dispose it to close it.</summary>
    public static Socket BindSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>
    /// A character device for tests to try to save over: a copy of <c>/dev/full</c> (major 1, minor 7) made with
    /// <c>mknod</c> in <paramref name="directory"/> where this process may (root, as on CI), so that a save that wrongly
    /// renamed over it would destroy only the copy; otherwise <c>/dev/full</c> itself, whose folder an unprivileged
    /// process cannot change.
    /// </summary>
    public static string CharacterDevice(string directory)
    {
        string path = Path.Combine(directory, "full");
        return Run("mknod", path, "c", "1", "7") == 0 ? path : "/dev/full";
    }

    /// <summary>Whether <paramref name="path"/> is still a character device (<c>test -c</c>).</summary>
    public static bool IsCharacterDevice(string path) => Run("test", "-c", path) == 0;

    /// <summary>Whether <paramref name="path"/> is still a named pipe (<c>test -p</c>).</summary>
    public static bool IsFifo(string path) => Run("test", "-p", path) == 0;

    /// <summary>Whether <paramref name="path"/> is still a socket (<c>test -S</c>).</summary>
    public static bool IsSocket(string path) => Run("test", "-S", path) == 0;

    /// <summary>Runs a small system tool and returns its exit code, or -1 when there is no such tool; output is discarded.</summary>
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
