using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Myelin.Distributed.Worker;

/// <summary>What one rank (or the single-process reference) ended a scenario with.</summary>
/// <param name="Parameters">The network's parameters.</param>
/// <param name="Buffers">The network's buffers (batch-norm running statistics).</param>
/// <param name="Values">Named numbers: the last epoch's metrics, held-out accuracy, allocation counts.</param>
public sealed record Replica(float[] Parameters, float[] Buffers, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>The state of <paramref name="network"/> with <paramref name="values"/>.</summary>
    public static Replica Of(INetwork network, IReadOnlyDictionary<string, double>? values = null) =>
        new(network.Parameters.ToArray(), network.Buffers.ToArray(), values ?? new Dictionary<string, double>());

    /// <summary>Writes <c>{name}.rank{rank}.params</c>, <c>.buffers</c> (raw little-endian floats) and <c>.values</c> (key=value lines) into <paramref name="directory"/>.</summary>
    public void Write(string directory, string name, int rank)
    {
        string stem = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{name}.rank{rank}"));
        File.WriteAllBytes(stem + ".params", MemoryMarshal.AsBytes(Parameters.AsSpan()).ToArray());
        File.WriteAllBytes(stem + ".buffers", MemoryMarshal.AsBytes(Buffers.AsSpan()).ToArray());
        File.WriteAllLines(stem + ".values", Values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Key}={v.Value:R}")));
    }

    /// <summary>Reads what <see cref="Write"/> wrote; throws naming the file when rank <paramref name="rank"/> did not write it.</summary>
    public static Replica Read(string directory, string name, int rank)
    {
        string stem = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{name}.rank{rank}"));
        if (!File.Exists(stem + ".values"))
            throw new FileNotFoundException($"Rank {rank} wrote no result for scenario '{name}' ({stem}.values is missing).", stem + ".values");
        var values = File.ReadAllLines(stem + ".values")
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
        return new Replica(Floats(stem + ".params"), Floats(stem + ".buffers"), values);
    }

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
