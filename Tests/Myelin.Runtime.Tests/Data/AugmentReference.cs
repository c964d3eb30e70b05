using Myelin.Data;

namespace Myelin.Tests.Data;

/// <summary>
/// Plain double-precision references for <see cref="Augment"/>, written from the definitions rather than from the
/// implementation: the forward map as a homogeneous matrix inverted by Gauss–Jordan, bilinear interpolation as a sum
/// of tent weights over every pixel, and the elastic field as a direct two-dimensional Gaussian convolution.
/// </summary>
internal static class AugmentReference
{
    /// <summary>
    /// The image resampled through the forward map <c>dst = c + t + s R(θ) (src - c)</c>, with
    /// <c>R(θ) = [[cos, -sin], [sin, cos]]</c>, after which output pixel <c>p</c> shows <c>inverse(p + e(p))</c>.
    /// </summary>
    public static double[] Resample(float[] image, int channels, int height, int width, double angle, double scale, int shiftX, int shiftY,
        double[]? fieldX, double[]? fieldY, double fill)
    {
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        double[,] forward = Multiply(Translation(cx + shiftX, cy + shiftY),
            Multiply(new[,] { { Math.Cos(angle), -Math.Sin(angle), 0 }, { Math.Sin(angle), Math.Cos(angle), 0 }, { 0, 0, 1 } },
                Multiply(new[,] { { scale, 0, 0 }, { 0, scale, 0 }, { 0, 0, 1 } }, Translation(-cx, -cy))));
        double[,] inverse = Invert(forward);

        var output = new double[channels * height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                double px = x + (fieldX?[p] ?? 0), py = y + (fieldY?[p] ?? 0);
                double qx = inverse[0, 0] * px + inverse[0, 1] * py + inverse[0, 2];
                double qy = inverse[1, 0] * px + inverse[1, 1] * py + inverse[1, 2];
                for (int c = 0; c < channels; c++) output[c * height * width + p] = Bilinear(image, c, height, width, qx, qy, fill);
            }
        }
        return output;
    }

    /// <summary>
    /// The image extended by <paramref name="fill"/> and interpolated at <c>(qx, qy)</c>: the tent weights
    /// <c>max(0, 1 - |qx - j|) · max(0, 1 - |qy - i|)</c> sum to 1 over the whole lattice, so the pixels outside the image
    /// contribute <c>fill · (1 - Σ inside weights)</c>.
    /// </summary>
    public static double Bilinear(float[] image, int channel, int height, int width, double qx, double qy, double fill)
    {
        double sum = 0, inside = 0;
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++)
            {
                double weight = Math.Max(0, 1 - Math.Abs(qx - j)) * Math.Max(0, 1 - Math.Abs(qy - i));
                sum += weight * image[channel * height * width + i * width + j];
                inside += weight;
            }
        }
        return sum + fill * (1 - inside);
    }

    /// <summary>
    /// <c>alpha · (G ∗ noise)</c> with <c>G(i, j) ∝ exp(-(i² + j²) / 2σ²)</c> for <c>|i|, |j| ≤ round(4σ)</c>, normalised
    /// to sum 1, and zero outside the image.
    /// </summary>
    public static double[] SmoothedField(double[] noise, int height, int width, double alpha, double sigma)
    {
        int radius = (int)Math.Round(4 * sigma);
        double total = 0;
        for (int i = -radius; i <= radius; i++)
            for (int j = -radius; j <= radius; j++) total += Gaussian(i, j, sigma);
        var field = new double[height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int i = -radius; i <= radius; i++)
                {
                    for (int j = -radius; j <= radius; j++)
                    {
                        int yy = y + i, xx = x + j;
                        if (yy >= 0 && yy < height && xx >= 0 && xx < width) sum += Gaussian(i, j, sigma) * noise[yy * width + xx];
                    }
                }
                field[y * width + x] = alpha * sum / total;
            }
        }
        return field;
    }

    private static double Gaussian(int i, int j, double sigma) => Math.Exp(-(i * i + j * j) / (2 * sigma * sigma));

    private static double[,] Translation(double x, double y) => new[,] { { 1, 0, x }, { 0, 1, y }, { 0, 0, 1.0 } };

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var c = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++) c[i, j] += a[i, k] * b[k, j];
        return c;
    }

    /// <summary>Gauss–Jordan elimination with partial pivoting on [A | I].</summary>
    private static double[,] Invert(double[,] a)
    {
        var m = new double[3, 6];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++) m[i, j] = a[i, j];
            m[i, 3 + i] = 1;
        }
        for (int column = 0; column < 3; column++)
        {
            int pivot = Enumerable.Range(column, 3 - column).MaxBy(r => Math.Abs(m[r, column]));
            for (int j = 0; j < 6; j++) (m[column, j], m[pivot, j]) = (m[pivot, j], m[column, j]);
            double diagonal = m[column, column];
            for (int j = 0; j < 6; j++) m[column, j] /= diagonal;
            for (int r = 0; r < 3; r++)
            {
                if (r == column) continue;
                double factor = m[r, column];
                for (int j = 0; j < 6; j++) m[r, j] -= factor * m[column, j];
            }
        }
        var inverse = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) inverse[i, j] = m[i, 3 + j];
        return inverse;
    }

    /// <summary>An image whose pixels are all different and none equal to the fills the tests use.</summary>
    public static float[] DistinctImage(int channels, int height, int width, int seed)
    {
        var random = new SeededRandom(seed);
        var image = new float[channels * height * width];
        for (int i = 0; i < image.Length; i++) image[i] = 1 + random.NextFloat() + i * 1e-3f;
        return image;
    }

    /// <summary>The largest absolute difference.</summary>
    public static double MaxError(ReadOnlySpan<float> actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = 0;
        for (int i = 0; i < expected.Length; i++) error = Math.Max(error, Math.Abs(actual[i] - expected[i]));
        return error;
    }
}
