namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>Seeded random batches for a network: inputs in [-1, 1], class labels, or targets in [0, 1].</summary>
internal static class TestData
{
    public static float[] Inputs(INetwork network, int batch, int seed)
    {
        var random = new SeededRandom(seed, stream: 1);
        var inputs = new float[batch * network.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(2 * random.NextDouble() - 1);
        return inputs;
    }

    public static int[] Labels(INetwork network, int batch, int seed)
    {
        var random = new SeededRandom(seed, stream: 2);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.NextInt(network.OutputSize);
        return labels;
    }

    public static float[] Targets(INetwork network, int batch, int seed)
    {
        var random = new SeededRandom(seed, stream: 3);
        var targets = new float[batch * network.OutputSize];
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)random.NextDouble();
        return targets;
    }

    /// <summary>ForwardBackward with the kind of targets the network's loss takes.</summary>
    public static float ForwardBackward(ITrainableNetwork network, float[] inputs, int batch, int seed, Span<float> inputGradient = default) =>
        (network.Loss, inputGradient.IsEmpty) switch
        {
            (Loss.SoftmaxCrossEntropy, true) => network.ForwardBackward(inputs, Labels(network, batch, seed), batch),
            (Loss.SoftmaxCrossEntropy, false) => network.ForwardBackward(inputs, Labels(network, batch, seed), batch, inputGradient),
            (_, true) => network.ForwardBackward(inputs, Targets(network, batch, seed), batch),
            _ => network.ForwardBackward(inputs, Targets(network, batch, seed), batch, inputGradient),
        };

    public static float ComputeLoss(ITrainableNetwork network, float[] inputs, int batch, int seed) =>
        network.Loss == Loss.SoftmaxCrossEntropy
            ? network.ComputeLoss(inputs, Labels(network, batch, seed), batch)
            : network.ComputeLoss(inputs, Targets(network, batch, seed), batch);
}
