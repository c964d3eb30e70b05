using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Myelin.Tests.OnnxExport;

/// <summary>Runs an exported model in ONNX Runtime and compares it with the network's own Forward.</summary>
internal static class OnnxRuntimeComparison
{
    /// <summary>|onnx - myelin| &lt;= 1e-5 (1 + |myelin|): float32 with a different order of operations.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>The model's output for <paramref name="inputs"/>, from an ONNX Runtime session on one thread.</summary>
    public static float[] Run(byte[] model, INetwork network, float[] inputs, int batch)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var shape = new[] { batch }.Concat(network.InputShape).ToArray();
        var tensor = new DenseTensor<float>(inputs, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        var output = results.Single(r => r.Name == "output");
        var dimensions = output.AsTensor<float>().Dimensions.ToArray();
        Assert.Equal(new[] { batch }.Concat(network.OutputShape).ToArray(), dimensions);
        return output.AsEnumerable<float>().ToArray();
    }

    /// <summary>Myelin's eval-mode output for the batch.</summary>
    public static float[] Forward(INetwork network, float[] inputs, int batch)
    {
        network.EnsureBatchCapacity(batch);
        network.IsTraining = false;
        var outputs = new float[batch * network.OutputSize];
        network.Forward(inputs, outputs, batch);
        return outputs;
    }

    /// <summary>Describes every element outside the tolerance, or returns null when all agree.</summary>
    public static string? Differences(string what, float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return $"{what}: {actual.Length} outputs, expected {expected.Length}";
        var bad = Enumerable.Range(0, expected.Length)
            .Where(i => !(Math.Abs(actual[i] - expected[i]) <= Tolerance * (1 + Math.Abs(expected[i]))))
            .Take(3)
            .Select(i => $"[{i}] ONNX Runtime {actual[i]:R}, Myelin {expected[i]:R}")
            .ToList();
        return bad.Count == 0 ? null : $"{what}: " + string.Join("; ", bad);
    }

    /// <summary>Random inputs in [-1, 1).</summary>
    public static float[] Inputs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
    }
}
