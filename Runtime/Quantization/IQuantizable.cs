using System;
using System.Collections.Generic;

namespace Myelin.Quantization;

/// <summary>
/// A float network whose declaration asked for int8 code, <c>[Network(Int8 = true)]</c>: the generator then also emits
/// its int8 twin (the nested class <c>Int8</c>) and implements this interface, which <see cref="Quantize"/> drives. Users
/// call <see cref="Quantize.ToInt8(INetwork, Myelin.Data.Dataset, QuantizeOptions?)"/> rather than these members.
/// </summary>
public interface IQuantizable : INetwork
{
    /// <summary>
    /// The values whose ranges calibration measures, in the order of the scales <see cref="CreateInt8Network(ReadOnlySpan{float}, int)"/>
    /// takes: <c>input</c>, then each layer whose output gets a scale of its own. Max pooling, dropout, ReLU and LeakyReLU
    /// layers keep their input's scale and are not listed; neither are the float layers at the end of the network.
    /// </summary>
    IReadOnlyList<string> CalibratedValues { get; }

    /// <summary>
    /// Runs a batch through the float network in eval mode and shows <paramref name="observer"/> each of
    /// <see cref="CalibratedValues"/> as soon as it is computed. The training mode is restored afterwards.
    /// </summary>
    /// <param name="inputs"><c>batchSize · InputSize</c> floats.</param>
    /// <param name="batchSize">Between 1 and <see cref="INetwork.MaxBatchSize"/>.</param>
    /// <param name="observer">Receives value <c>i</c> of <see cref="CalibratedValues"/> as <c>Observe(i, values)</c>.</param>
    void Calibrate(ReadOnlySpan<float> inputs, int batchSize, CalibrationObserver observer);

    /// <summary>
    /// The int8 network with this network's current weights, quantised per output channel, and the given activation
    /// scales (one per <see cref="CalibratedValues"/> entry, each positive and finite).
    /// </summary>
    IInt8Network CreateInt8Network(ReadOnlySpan<float> activationScales, int maxBatchSize);

    /// <summary>An int8 network of this architecture with no state yet, to load a checkpoint into (<see cref="Int8Checkpoint.Load"/>).</summary>
    IInt8Network CreateInt8Network(int maxBatchSize);
}
