using System;
using System.Globalization;
using System.IO;
using Myelin.Distributed;
using Myelin.Samples.Mnist.Cli;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>
/// <c>train</c> started by <c>mpirun -np N</c>: recognises the launch from the launcher's environment (Open MPI's
/// <c>OMPI_COMM_WORLD_SIZE</c>, or <c>PMI_SIZE</c>), runs the command as one rank of MPI_COMM_WORLD, and gives each
/// rank its console: rank 0 prints, the others stay quiet.
/// </summary>
internal static class DataParallelLaunch
{
    /// <summary>The line width of rank 0's output: mpirun's pseudo-terminal is not the user's terminal, so use the width of a log.</summary>
    private const int Width = 160;

    /// <summary>Whether this process is one of at least two ranks started by an MPI launcher.</summary>
    public static bool IsActive => MpiLaunch.IsDataParallel;

    /// <summary>
    /// Runs <paramref name="train"/> as this process's rank: MPI is finalised after it returns 0 on this rank and left
    /// alone otherwise, so that a failing rank makes mpirun end the job instead of leaving the others waiting.
    /// </summary>
    /// <exception cref="UsageException">Open MPI could not be loaded or initialised; the message says how to install it.</exception>
    public static int Run(Func<MpiCommunicator, int> train)
    {
        MpiCommunicator world;
        try
        {
            world = MpiCommunicator.Initialize();
        }
        catch (MpiException e)
        {
            throw new UsageException($"{e.Message} (this process was started by an MPI launcher as one of {MpiLaunch.Size} ranks)", ExitCodes.Failure);
        }
        return MpiCommunicator.Run(_ => train(world));
    }

    /// <summary>
    /// The console of this rank: on rank 0 the app's console, printing one plain line per epoch (mpirun relays the
    /// ranks' output through pseudo-terminals, where a live progress display would only redraw); elsewhere a console
    /// that writes nothing.
    /// </summary>
    public static IAnsiConsole ConsoleFor(MpiCommunicator world, IAnsiConsole console)
    {
        if (world.Rank != 0) return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });
        console.Profile.Capabilities.Interactive = false;
        console.Profile.Width = Width;
        return console;
    }

    /// <summary>"Data-parallel on 2 MPI ranks (Open MPI v4.1.4; rank 0 has 1 core): batches of 64 split 32 per rank, ..."</summary>
    public static string Describe(MpiCommunicator world, int batchSize, int parameters)
    {
        int smallest = batchSize / world.Size, largest = (batchSize + world.Size - 1) / world.Size;
        string share = smallest == largest
            ? smallest.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{smallest}-{largest}");
        int cores = Environment.ProcessorCount;
        return string.Create(CultureInfo.InvariantCulture,
            $"Data-parallel on {world.Size} MPI ranks ({world.LibraryVersion}; rank 0 has {cores} core{(cores == 1 ? "" : "s")}): batches of {batchSize} split {share} per rank, one allreduce of {parameters:N0} gradients per step");
    }
}
