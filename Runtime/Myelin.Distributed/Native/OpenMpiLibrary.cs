using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Myelin.Distributed.Native;

/// <summary>
/// The few entry points and handles of Open MPI's <c>libmpi</c> that data-parallel training needs, resolved once with
/// <see cref="NativeLibrary"/> and called through unmanaged function pointers: no marshalling stubs, no reflection,
/// so it works under Native AOT and trimming.
/// </summary>
/// <remarks>
/// Open MPI's C handles are pointers: <c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>, <c>MPI_FLOAT</c> is
/// <c>&amp;ompi_mpi_float</c>, <c>MPI_SUM</c> is <c>&amp;ompi_mpi_op_sum</c> (<c>OMPI_PREDEFINED_GLOBAL</c> in its
/// <c>mpi.h</c>), so the address of each exported global is the handle itself. This ABI has been stable since Open MPI
/// 1.x (sonames <c>libmpi.so.40</c> for 3.x to 5.x). MPICH, Intel MPI and MS-MPI use integer handles instead; loading one
/// of them is refused with an error rather than misread.
/// </remarks>
internal sealed unsafe class OpenMpiLibrary
{
    /// <summary>The environment variable that names the libmpi to load, overriding the search.</summary>
    public const string LibraryVariable = "MYELIN_MPI_LIBRARY";

    /// <summary><c>MPI_SUCCESS</c>.</summary>
    public const int Success = 0;

    /// <summary><c>MPI_THREAD_SERIALIZED</c>: any thread may call MPI, one at a time.</summary>
    public const int ThreadSerialized = 2;

    /// <summary><c>MPI_MAX_ERROR_STRING</c> and <c>MPI_MAX_LIBRARY_VERSION_STRING</c> in Open MPI's <c>mpi.h</c>.</summary>
    public const int MaxString = 256;

    /// <summary><c>MPI_IN_PLACE</c>: <c>(void *) 1</c>.</summary>
    public static readonly void* InPlace = (void*)1;

    // Sonames to try, newest ABI first: Open MPI 3.x-5.x ship libmpi.so.40 (Debian 12's openmpi-bin is 4.1).
    private static readonly string[] s_candidates = OperatingSystem.IsMacOS()
        ? ["libmpi.40.dylib", "libmpi.dylib"]
        : ["libmpi.so.40", "libmpi.so"];

    private static OpenMpiLibrary? s_loaded;

    private OpenMpiLibrary(nint handle, string name)
    {
        Name = name;
        CommWorld = Global(handle, name, "ompi_mpi_comm_world");
        Float = Global(handle, name, "ompi_mpi_float");
        Double = Global(handle, name, "ompi_mpi_double");
        Sum = Global(handle, name, "ompi_mpi_op_sum");
        ErrorsReturn = Global(handle, name, "ompi_mpi_errors_return");
        Initialized = (delegate* unmanaged<int*, int>)Function(handle, name, "MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Function(handle, name, "MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Function(handle, name, "MPI_Init_thread");
        FinalizeMpi = (delegate* unmanaged<int>)Function(handle, name, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Function(handle, name, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Function(handle, name, "MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Function(handle, name, "MPI_Comm_set_errhandler");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Function(handle, name, "MPI_Allreduce");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Function(handle, name, "MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Function(handle, name, "MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Function(handle, name, "MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Function(handle, name, "MPI_Error_string");
        GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Function(handle, name, "MPI_Get_library_version");
    }

    /// <summary>The library that was loaded, as it was asked for (a soname or the path in <see cref="LibraryVariable"/>).</summary>
    public string Name { get; }

    /// <summary><c>MPI_COMM_WORLD</c>.</summary>
    public nint CommWorld { get; }

    /// <summary><c>MPI_FLOAT</c>.</summary>
    public nint Float { get; }

    /// <summary><c>MPI_DOUBLE</c>.</summary>
    public nint Double { get; }

    /// <summary><c>MPI_SUM</c>.</summary>
    public nint Sum { get; }

    /// <summary><c>MPI_ERRORS_RETURN</c>: errors come back as codes instead of aborting the job.</summary>
    public nint ErrorsReturn { get; }

    /// <summary><c>int MPI_Initialized(int *flag)</c>.</summary>
    public delegate* unmanaged<int*, int> Initialized { get; }

    /// <summary><c>int MPI_Finalized(int *flag)</c>.</summary>
    public delegate* unmanaged<int*, int> Finalized { get; }

    /// <summary><c>int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)</c>.</summary>
    public delegate* unmanaged<int*, byte***, int, int*, int> InitThread { get; }

    /// <summary><c>int MPI_Finalize(void)</c>.</summary>
    public delegate* unmanaged<int> FinalizeMpi { get; }

    /// <summary><c>int MPI_Comm_rank(MPI_Comm comm, int *rank)</c>.</summary>
    public delegate* unmanaged<nint, int*, int> CommRank { get; }

    /// <summary><c>int MPI_Comm_size(MPI_Comm comm, int *size)</c>.</summary>
    public delegate* unmanaged<nint, int*, int> CommSize { get; }

    /// <summary><c>int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)</c>.</summary>
    public delegate* unmanaged<nint, nint, int> CommSetErrhandler { get; }

    /// <summary><c>int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm)</c>.</summary>
    public delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce { get; }

    /// <summary><c>int MPI_Bcast(void *buffer, int count, MPI_Datatype, int root, MPI_Comm)</c>.</summary>
    public delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; }

    /// <summary><c>int MPI_Barrier(MPI_Comm comm)</c>.</summary>
    public delegate* unmanaged<nint, int> Barrier { get; }

    /// <summary><c>int MPI_Abort(MPI_Comm comm, int errorcode)</c>.</summary>
    public delegate* unmanaged<nint, int, int> Abort { get; }

    /// <summary><c>int MPI_Error_string(int errorcode, char *string, int *resultlen)</c>.</summary>
    public delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }

    /// <summary><c>int MPI_Get_library_version(char *version, int *resultlen)</c>.</summary>
    public delegate* unmanaged<byte*, int*, int> GetLibraryVersion { get; }

    /// <summary>
    /// Loads libmpi once per process: the path in <see cref="LibraryVariable"/> if set, else the first of Open MPI's
    /// sonames the dynamic loader finds.
    /// </summary>
    /// <exception cref="MpiException">No libmpi could be loaded, or the one loaded is not Open MPI.</exception>
    public static OpenMpiLibrary Load() => s_loaded ??= LoadFrom(Environment.GetEnvironmentVariable(LibraryVariable));

    /// <summary>Loads <paramref name="configured"/>, or else the first of Open MPI's sonames that loads, and resolves every entry point and handle.</summary>
    internal static OpenMpiLibrary LoadFrom(string? configured)
    {
        IReadOnlyList<string> names = string.IsNullOrEmpty(configured) ? s_candidates : [configured];
        var failures = new List<string>();
        foreach (string name in names)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle))
            {
                failures.Add(name);
                continue;
            }
            try
            {
                return new OpenMpiLibrary(handle, name);
            }
            catch (MpiException)
            {
                NativeLibrary.Free(handle);
                throw;
            }
        }
        string what = string.IsNullOrEmpty(configured)
            ? $"Open MPI's libmpi (tried {string.Join(", ", failures)})"
            : $"{configured}, which {LibraryVariable} names";
        throw new MpiException(
            $"Could not load {what}. Install Open MPI (Debian and Ubuntu: apt-get install openmpi-bin) or set {LibraryVariable} to the path of its libmpi.");
    }

    private static nint Global(nint handle, string name, string symbol) =>
        NativeLibrary.TryGetExport(handle, symbol, out nint address)
            ? address
            : throw new MpiException(
                $"{name} does not export {symbol}, so it is not Open MPI: Myelin.Distributed binds Open MPI's ABI, whose handles are the addresses of such globals, and MPICH, Intel MPI and MS-MPI use integer handles instead. Install Open MPI or set {LibraryVariable} to its libmpi.");

    private static nint Function(nint handle, string name, string symbol) =>
        NativeLibrary.TryGetExport(handle, symbol, out nint address)
            ? address
            : throw new MpiException($"{name} does not export {symbol}; it is not a complete MPI library.");
}
