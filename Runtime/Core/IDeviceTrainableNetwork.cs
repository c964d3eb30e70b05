using System;

namespace Myelin;

/// <summary>
/// A trainable network whose parameters, gradients and optimizer state live in an accelerator's memory, such as the
/// GPU networks that Myelin.Gpu generates. An <see cref="Optimizers.Optimizer"/> recognises it and runs its update
/// on the device, so that a training step moves no parameters between the host and the device.
/// </summary>
/// <remarks>
/// The spans of <see cref="INetwork.Parameters"/>, <see cref="INetwork.Buffers"/> and
/// <see cref="ITrainableNetwork.Gradients"/> are host copies: reading them brings the device's values over, and what is
/// written through them goes back to the device before the next pass that uses them.
/// </remarks>
public interface IDeviceTrainableNetwork : ITrainableNetwork
{
    /// <summary>
    /// Allocates <paramref name="streams"/> optimizer-state buffers (moments, momentum buffers) on the device, each as
    /// long as <see cref="INetwork.Parameters"/> and laid out the same way, all zero.
    /// </summary>
    /// <param name="streams">Between 0 and 3.</param>
    /// <returns>The state, owned by the caller; disposing it frees the device memory.</returns>
    IDeviceOptimizerState CreateOptimizerState(int streams);

    /// <summary>
    /// Applies one optimizer update on the device to the parameters at <c>[offset, offset + length)</c>, from the
    /// gradients at the same place and the matching slices of <paramref name="state"/>'s streams.
    /// </summary>
    /// <param name="step">The update's formula and its coefficients, rounded to float as the CPU update rounds them.</param>
    /// <param name="state">State made by <see cref="CreateOptimizerState"/> of this network.</param>
    /// <param name="offset">The first parameter to update.</param>
    /// <param name="length">How many parameters to update.</param>
    void ApplyOptimizerStep(in DeviceOptimizerStep step, IDeviceOptimizerState state, int offset, int length);
}

/// <summary>Optimizer state kept in an accelerator's memory: up to three streams, each as long as the network's parameters.</summary>
public interface IDeviceOptimizerState : IDisposable
{
    /// <summary>The number of state streams.</summary>
    int Streams { get; }

    /// <summary>Copies stream <paramref name="stream"/> from the device into <paramref name="destination"/>, which must be as long as the parameters.</summary>
    void Read(int stream, Span<float> destination);

    /// <summary>Copies <paramref name="source"/>, as long as the parameters, to stream <paramref name="stream"/> on the device.</summary>
    void Write(int stream, ReadOnlySpan<float> source);
}
