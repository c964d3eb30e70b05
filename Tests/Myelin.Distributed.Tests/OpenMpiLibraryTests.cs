using Myelin.Distributed.Native;

namespace Myelin.Distributed.Tests;

/// <summary>Loading Open MPI's libmpi without initialising it: what resolves, and what a wrong library is told.</summary>
public sealed class OpenMpiLibraryTests
{
    [Fact]
    public void Open_MPI_exports_every_call_and_handle_the_binding_uses()
    {
        var mpi = OpenMpiLibrary.LoadFrom(null);
        Assert.Equal("libmpi.so.40", mpi.Name);
        Assert.All([mpi.CommWorld, mpi.Float, mpi.Double, mpi.Sum, mpi.ErrorsReturn], handle => Assert.NotEqual(0, handle));
        Assert.Equal(5, new[] { mpi.CommWorld, mpi.Float, mpi.Double, mpi.Sum, mpi.ErrorsReturn }.Distinct().Count());
    }

    [Fact]
    public void A_missing_library_is_reported_with_how_to_install_Open_MPI()
    {
        var error = Assert.Throws<MpiException>(() => OpenMpiLibrary.LoadFrom("/nonexistent/libmpi.so.40"));
        Assert.Equal(
            "Could not load /nonexistent/libmpi.so.40, which MYELIN_MPI_LIBRARY names. Install Open MPI (Debian and Ubuntu: apt-get install openmpi-bin) or set MYELIN_MPI_LIBRARY to the path of its libmpi.",
            error.Message);
    }

    [Fact]
    public void A_library_that_is_not_Open_MPI_is_refused_rather_than_misread()
    {
        // Any shared library without Open MPI's globals stands in for MPICH or Intel MPI, whose handles are integers.
        var error = Assert.Throws<MpiException>(() => OpenMpiLibrary.LoadFrom("libc.so.6"));
        Assert.StartsWith("libc.so.6 does not export ompi_mpi_comm_world, so it is not Open MPI", error.Message);
    }
}
