using System.Collections.Generic;

namespace Myelin.Gpu;

/// <summary>What a generated device network tells its base class about itself; every number is a constant of the network.</summary>
/// <param name="Name">The network's class name, for messages.</param>
/// <param name="InputShape">One input sample's shape.</param>
/// <param name="OutputShape">One output sample's shape.</param>
/// <param name="ParameterCount">Floats in the parameter buffer.</param>
/// <param name="BufferCount">Floats in the non-trainable buffer.</param>
/// <param name="ArenaSize">Floats per sample of capacity in the arena that holds every value and gradient.</param>
/// <param name="Tensors">The parameter table, shared with the CPU network.</param>
/// <param name="Layers">The layer table, shared with the CPU network.</param>
/// <param name="Loss">The loss, or <see cref="Loss.None"/> for an inference-only network.</param>
public sealed record DeviceNetworkLayout(
    string Name,
    IReadOnlyList<int> InputShape,
    IReadOnlyList<int> OutputShape,
    int ParameterCount,
    int BufferCount,
    int ArenaSize,
    IReadOnlyList<TensorInfo> Tensors,
    IReadOnlyList<LayerInfo> Layers,
    Loss Loss);
