using System;

namespace Myelin.Distributed;

/// <summary>An MPI library could not be loaded or initialised, or an MPI call failed; the message names the call and MPI's own error text.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MpiException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the MPI error code that caused it.</summary>
    public MpiException(string message, int errorCode) : base(message) => ErrorCode = errorCode;

    /// <summary>The MPI error code, or 0 when the failure was not an MPI call's.</summary>
    public int ErrorCode { get; }
}
