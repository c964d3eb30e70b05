using System;
using System.Globalization;

namespace Myelin.Distributed;

/// <summary>
/// What the launcher told this process through its environment, read without loading MPI: whether it is one rank of
/// several, which one, and how many ranks share its machine. Open MPI's <c>mpirun</c> sets <c>OMPI_COMM_WORLD_*</c>;
/// MPICH's Hydra and Slurm's PMI set <c>PMI_RANK</c> and <c>PMI_SIZE</c>.
/// </summary>
public static class MpiLaunch
{
    /// <summary>The number of ranks the launcher started, or null when this process was not started by an MPI launcher.</summary>
    public static int? Size => Read("OMPI_COMM_WORLD_SIZE") ?? Read("PMI_SIZE");

    /// <summary>This process's rank as the launcher numbered it, or null when it was not started by an MPI launcher.</summary>
    public static int? Rank => Read("OMPI_COMM_WORLD_RANK") ?? Read("PMI_RANK");

    /// <summary>The ranks on this machine (they share its cores), or null when the launcher does not say.</summary>
    public static int? LocalSize => Read("OMPI_COMM_WORLD_LOCAL_SIZE") ?? Read("MPI_LOCALNRANKS");

    /// <summary>Whether this process is one of at least two ranks started by <c>mpirun</c>/<c>mpiexec</c>/<c>srun</c>.</summary>
    public static bool IsDataParallel => Size > 1;

    private static int? Read(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
}
