using Myelin.Data;

namespace Myelin.Distributed.Tests;

/// <summary>Small seeded datasets of 12 features for the in-process tests.</summary>
internal static class Synthetic
{
    /// <summary>Three Gaussian clusters; the label is the cluster.</summary>
    public static Dataset Clusters(int count, int seed = 1)
    {
        var random = new SeededRandom(seed);
        var centres = new float[3 * 12];
        for (int i = 0; i < centres.Length; i++) centres[i] = (float)random.NextGaussian();
        var features = new float[count * 12];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.NextInt(3);
            for (int f = 0; f < 12; f++) features[i * 12 + f] = centres[labels[i] * 12 + f] + 0.7f * (float)random.NextGaussian();
        }
        return new Dataset(features, [12], labels, 3);
    }

    /// <summary>Two targets, a linear and a product term of the features, with noise.</summary>
    public static Dataset Regression(int count, int seed = 1)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 12];
        var targets = new float[count * 2];
        for (int i = 0; i < count; i++)
        {
            for (int f = 0; f < 12; f++) features[i * 12 + f] = (float)random.NextGaussian();
            targets[2 * i] = features[i * 12] + 2 * features[i * 12 + 1] - features[i * 12 + 2] + 0.1f * (float)random.NextGaussian();
            targets[2 * i + 1] = features[i * 12 + 3] * features[i * 12 + 4];
        }
        return new Dataset(features, [12], targets, 2);
    }

    /// <summary>
    /// <paramref name="data"/> with every batch of <paramref name="batchSize"/> given twice in a row, so that each
    /// global batch of twice the size is that batch on rank 0 and the same batch again on rank 1 (unshuffled).
    /// </summary>
    public static Dataset DoubledBatches(Dataset data, int batchSize)
    {
        var order = new List<int>();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            for (int copy = 0; copy < 2; copy++) order.AddRange(Enumerable.Range(start, size));
        }
        return data.Subset(order.ToArray());
    }
}
