using System;
using System.Globalization;
using System.Text;
using Myelin.Distributed.Native;
using Myelin.Training;

namespace Myelin.Distributed;

/// <summary>
/// <c>MPI_COMM_WORLD</c> of Open MPI as an <see cref="ICommunicator"/>: set it as <see cref="FitOptions.Communicator"/>
/// and every rank started by <c>mpirun</c> trains its share of each batch, with the gradients averaged by one
/// <c>MPI_Allreduce</c> per step.
/// </summary>
/// <example>
/// <code>
/// // mpirun -np 4 dotnet train.dll
/// return MpiCommunicator.Run(world =>
/// {
///     var net = new LeNet5(seed: 1);
///     net.Fit(train, new FitOptions { BatchSize = 128, Communicator = world, Callbacks = [new ModelCheckpoint("best.safetensors")] });
///     if (world.Rank == 0) Console.WriteLine(net.Evaluate(test).Accuracy);
///     return 0;
/// });
/// </code>
/// </example>
/// <remarks>
/// <para>
/// MPI is initialised once per process with <c>MPI_THREAD_SERIALIZED</c> (any thread may call MPI, one at a time; the
/// fit loop calls it from its own thread only) and with <c>MPI_ERRORS_RETURN</c> on the world communicator, so that a
/// failed call becomes an <see cref="MpiException"/> naming the call and MPI's error text.
/// </para>
/// <para>
/// Failure: when a rank fails, the others are usually waiting in a collective call for it. Do not finalise MPI then:
/// <c>MPI_Finalize</c> waits for every rank too, and the job would hang. Exit the process with a non-zero code
/// instead (<see cref="Run"/> does), and <c>mpirun</c> ends the whole job.
/// </para>
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private static MpiCommunicator? s_world;
    private readonly OpenMpiLibrary _mpi;

    private MpiCommunicator(OpenMpiLibrary mpi, int rank, int size, string libraryVersion)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
        LibraryVersion = libraryVersion;
    }

    /// <summary>This process's rank in <c>MPI_COMM_WORLD</c>.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks in <c>MPI_COMM_WORLD</c>.</summary>
    public int Size { get; }

    /// <summary>The MPI library's own description (<c>MPI_Get_library_version</c>), e.g. "Open MPI v4.1.4, ...", first line only.</summary>
    public string LibraryVersion { get; }

    /// <summary>Whether <see cref="Shutdown"/> has finalised MPI.</summary>
    public bool IsShutDown { get; private set; }

    /// <summary>
    /// Initialises MPI (once per process; later calls return the same communicator) and returns its world communicator.
    /// Every rank must call it. A process not started by <c>mpirun</c> becomes a world of one rank.
    /// </summary>
    /// <exception cref="MpiException">libmpi could not be loaded or is not Open MPI, or <c>MPI_Init_thread</c> failed.</exception>
    public static MpiCommunicator Initialize()
    {
        if (s_world is not null) return s_world;
        var mpi = OpenMpiLibrary.Load();
        int flag = 0;
        Check(mpi, mpi.Finalized(&flag), "MPI_Finalized");
        if (flag != 0) throw new MpiException("MPI has already been finalised in this process; MPI cannot be initialised twice.");
        Check(mpi, mpi.Initialized(&flag), "MPI_Initialized");
        if (flag == 0)
        {
            int provided = 0;
            // argc and argv may be null since MPI-2: Open MPI takes its settings from the environment mpirun sets.
            Check(mpi, mpi.InitThread(null, null, OpenMpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
            if (provided < OpenMpiLibrary.ThreadSerialized)
                throw new MpiException(string.Create(CultureInfo.InvariantCulture,
                    $"{mpi.Name} provides thread level {provided}, but Myelin needs MPI_THREAD_SERIALIZED ({OpenMpiLibrary.ThreadSerialized}): the fit loop may call MPI from a thread other than the one that initialised it."));
        }
        Check(mpi, mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        int rank = 0, size = 0;
        Check(mpi, mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(mpi, mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        return s_world = new MpiCommunicator(mpi, rank, size, ReadLibraryVersion(mpi));
    }

    /// <summary>
    /// Runs <paramref name="main"/> as one rank of an MPI job: initialises MPI, runs it, and finalises MPI when it
    /// returns 0. When it throws or returns another code, MPI is left as it is, so the process exits without waiting
    /// for ranks that may be blocked in a collective call, and <c>mpirun</c> ends the job.
    /// </summary>
    /// <returns>The code <paramref name="main"/> returned, the process's exit code.</returns>
    public static int Run(Func<MpiCommunicator, int> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var world = Initialize();
        int code = main(world);
        if (code == 0) world.Shutdown();
        return code;
    }

    /// <inheritdoc />
    public void AllreduceSum(Span<float> values)
    {
        if (values.IsEmpty) return;
        fixed (float* data = values)
            Check(_mpi.Allreduce(OpenMpiLibrary.InPlace, data, values.Length, _mpi.Float, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
    }

    /// <inheritdoc />
    public void AllreduceSum(Span<double> values)
    {
        if (values.IsEmpty) return;
        fixed (double* data = values)
            Check(_mpi.Allreduce(OpenMpiLibrary.InPlace, data, values.Length, _mpi.Double, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
    }

    /// <inheritdoc />
    public void Broadcast(Span<float> values, int root)
    {
        CheckRoot(root);
        if (values.IsEmpty) return;
        fixed (float* data = values)
            Check(_mpi.Bcast(data, values.Length, _mpi.Float, root, _mpi.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc />
    public void Broadcast(Span<double> values, int root)
    {
        CheckRoot(root);
        if (values.IsEmpty) return;
        fixed (double* data = values)
            Check(_mpi.Bcast(data, values.Length, _mpi.Double, root, _mpi.CommWorld), "MPI_Bcast");
    }

    /// <summary>Waits until every rank has called it (<c>MPI_Barrier</c>).</summary>
    public void Barrier() => Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    /// <summary>Ends every rank of the job at once with <paramref name="errorCode"/> (<c>MPI_Abort</c>); does not return.</summary>
    public void Abort(int errorCode)
    {
        _mpi.Abort(_mpi.CommWorld, errorCode);
        Environment.Exit(errorCode);    // Open MPI's abort does not return; this is in case another one does
    }

    /// <summary>
    /// Finalises MPI (<c>MPI_Finalize</c>): every rank must call it, after its last collective call. Call it only when
    /// every rank succeeded (see the remarks on failure); later calls do nothing.
    /// </summary>
    public void Shutdown()
    {
        if (IsShutDown) return;
        Check(_mpi.FinalizeMpi(), "MPI_Finalize");
        IsShutDown = true;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"MPI_COMM_WORLD rank {Rank} of {Size} ({LibraryVersion})");

    private void Check(int code, string call) => Check(_mpi, code, call);

    private static void Check(OpenMpiLibrary mpi, int code, string call)
    {
        if (code == OpenMpiLibrary.Success) return;
        throw new MpiException(string.Create(CultureInfo.InvariantCulture, $"{call} failed with MPI error {code}: {ErrorText(mpi, code)}"), code);
    }

    private static string ErrorText(OpenMpiLibrary mpi, int code)
    {
        byte* text = stackalloc byte[OpenMpiLibrary.MaxString];
        int length = 0;
        return mpi.ErrorString(code, text, &length) == OpenMpiLibrary.Success
            ? Encoding.UTF8.GetString(text, Math.Clamp(length, 0, OpenMpiLibrary.MaxString))
            : "(no description)";
    }

    private static string ReadLibraryVersion(OpenMpiLibrary mpi)
    {
        byte* text = stackalloc byte[OpenMpiLibrary.MaxString];
        int length = 0;
        if (mpi.GetLibraryVersion(text, &length) != OpenMpiLibrary.Success) return mpi.Name;
        string version = Encoding.UTF8.GetString(text, Math.Clamp(length, 0, OpenMpiLibrary.MaxString)).TrimEnd('\0');
        int end = version.IndexOfAny(['\n', ',']);
        return (end < 0 ? version : version[..end]).Trim();
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, string.Create(CultureInfo.InvariantCulture, $"The root must be a rank in [0, {Size})."));
    }
}
