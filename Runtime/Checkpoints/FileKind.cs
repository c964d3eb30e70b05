using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Myelin.Checkpoints;

/// <summary>What a path names, as far as a save cares: nothing, a regular file, or something a save must not replace.</summary>
internal enum FileKind
{
    /// <summary>Nothing is there.</summary>
    Missing,

    /// <summary>A regular file: the only kind a save replaces.</summary>
    RegularFile,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link (not followed).</summary>
    SymbolicLink,

    /// <summary>A character device such as <c>/dev/null</c> or <c>/dev/full</c>.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,

    /// <summary>A named pipe (FIFO).</summary>
    Fifo,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Anything else the operating system reports.</summary>
    Other,
}

/// <summary>
/// Finds the <see cref="FileKind"/> of a path without following a final symbolic link and without opening it (opening
/// a FIFO blocks, opening a device can have side effects).
/// </summary>
/// <remarks>
/// .NET reports devices, FIFOs and sockets as ordinary files (<see cref="FileAttributes.Normal"/>), so on Linux the file
/// type comes from <c>statx(2)</c>, whose result layout is the same on every architecture. On Windows the attributes
/// suffice (devices carry <see cref="FileAttributes.Device"/>). On other systems, and where <c>statx</c> is unavailable
/// (kernels before 4.11, or sandboxes that forbid it), only folders and links are told apart from regular files.
/// </remarks>
internal static partial class FileKinds
{
    /// <summary>The kind of <paramref name="fullPath"/>; a final symbolic link is reported as such, not followed.</summary>
    public static FileKind Of(string fullPath)
    {
        if (OperatingSystem.IsLinux() && TryStatx(fullPath, out var kind)) return kind;
        return FromAttributes(fullPath);
    }

    /// <summary>"a character device", "a folder", ... for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.RegularFile => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    private static FileKind FromAttributes(string fullPath)
    {
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileKind.Missing;
        }
        if ((attributes & FileAttributes.ReparsePoint) != 0) return FileKind.SymbolicLink;
        if ((attributes & FileAttributes.Directory) != 0) return FileKind.Directory;
        if ((attributes & FileAttributes.Device) != 0) return FileKind.CharacterDevice;
        return FileKind.RegularFile;
    }

    // statx(2) constants from <linux/stat.h> and <fcntl.h>; identical on every Linux architecture.
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxBufferSize = 256;      // sizeof(struct statx)
    private const int StatxModeOffset = 28;       // offsetof(struct statx, stx_mode), a __u16
    private const int ErrnoNoEntry = 2, ErrnoNotDirectory = 20;

    // File type bits of a mode (S_IFMT and its values, in octal in <sys/stat.h>).
    private const int TypeMask = 0xF000;
    private const int TypeFifo = 0x1000, TypeCharacter = 0x2000, TypeDirectory = 0x4000, TypeBlock = 0x6000,
        TypeRegular = 0x8000, TypeLink = 0xA000, TypeSocket = 0xC000;

    private static unsafe bool TryStatx(string fullPath, out FileKind kind)
    {
        kind = FileKind.Other;
        byte* buffer = stackalloc byte[StatxBufferSize];
        int result;
        try
        {
            result = Statx(AtFdCwd, fullPath, AtSymlinkNoFollow, StatxType, buffer);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // a C library without statx (glibc before 2.28): fall back to the attributes
        }
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ErrnoNoEntry or ErrnoNotDirectory)
            {
                kind = FileKind.Missing;
                return true;
            }
            return false; // ENOSYS, EPERM from a seccomp filter, EACCES: let the attributes (and later the write) decide
        }
        int mode = *(ushort*)(buffer + StatxModeOffset);
        kind = (mode & TypeMask) switch
        {
            TypeRegular => FileKind.RegularFile,
            TypeDirectory => FileKind.Directory,
            TypeLink => FileKind.SymbolicLink,
            TypeCharacter => FileKind.CharacterDevice,
            TypeBlock => FileKind.BlockDevice,
            TypeFifo => FileKind.Fifo,
            TypeSocket => FileKind.Socket,
            _ => FileKind.Other,
        };
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}
