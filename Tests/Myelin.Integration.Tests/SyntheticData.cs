using Myelin.Data;

namespace Myelin.Integration.Tests;

/// <summary>Small seeded problems.</summary>
internal static class SyntheticData
{
    /// <summary>Points in [-1, 1]²: target 1 inside the circle of radius 0.6, else 0.</summary>
    public static Dataset Circles(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 2];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            float x = random.NextFloat() * 2 - 1, y = random.NextFloat() * 2 - 1;
            features[2 * i] = x;
            features[2 * i + 1] = y;
            targets[i] = x * x + y * y < 0.36f ? 1f : 0f;
        }
        return new Dataset(features, [2], targets, 1);
    }

    /// <summary>Four Gaussian clusters in 20 dimensions, label = cluster.</summary>
    public static Dataset Clusters(int count, int seed, int features = 20, int classes = 4)
    {
        var random = new SeededRandom(seed);
        var centres = new float[classes * features];
        for (int i = 0; i < centres.Length; i++) centres[i] = (float)random.NextGaussian();
        var data = new float[count * features];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.NextInt(classes);
            labels[i] = label;
            for (int f = 0; f < features; f++) data[i * features + f] = centres[label * features + f] + 0.8f * (float)random.NextGaussian();
        }
        return new Dataset(data, [features], labels, classes);
    }

    /// <summary>y = (x0 + 2 x1 - x2, x0 * x1) with noise.</summary>
    public static Dataset Regression(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 3];
        var targets = new float[count * 2];
        for (int i = 0; i < count; i++)
        {
            float a = random.NextFloat() * 2 - 1, b = random.NextFloat() * 2 - 1, c = random.NextFloat() * 2 - 1;
            features[3 * i] = a; features[3 * i + 1] = b; features[3 * i + 2] = c;
            targets[2 * i] = a + 2 * b - c;
            targets[2 * i + 1] = a * b;
        }
        return new Dataset(features, [3], targets, 2);
    }

    /// <summary>8x8 images of a horizontal bar, a vertical bar or a diagonal, with noise.</summary>
    public static Dataset Bars(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var images = new float[count * 64];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.NextInt(3);
            int offset = 1 + random.NextInt(6);
            labels[i] = label;
            var image = images.AsSpan(i * 64, 64);
            for (int p = 0; p < 64; p++) image[p] = 0.2f * (float)random.NextGaussian();
            for (int t = 0; t < 8; t++)
            {
                int index = label switch { 0 => offset * 8 + t, 1 => t * 8 + offset, _ => t * 8 + t };
                image[index] += 1f;
            }
        }
        return new Dataset(images, [1, 8, 8], labels, 3);
    }
}
