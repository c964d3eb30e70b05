using System;
using Myelin.Kernels;

namespace Myelin.Data;

// Elastic distortion (Simard, Steinkraus and Platt, "Best practices for convolutional neural networks applied to visual
// document analysis", 2003): a random displacement field, smoothed so that neighbouring pixels move together.
public sealed partial record Augment
{
    /// <summary>
    /// The Gaussian's radius in pixels: 4σ rounded, as scipy's <c>gaussian_filter</c> truncates, but no wider than the
    /// image (taps beyond it would only ever meet the zero padding).
    /// </summary>
    internal static int ElasticRadius(double sigma, ImageShape shape) =>
        (int)Math.Min(Math.Floor(4 * sigma + 0.5), Math.Max(shape.Height, shape.Width) - 1);

    /// <summary>Floats of scratch <see cref="DrawElasticField"/> needs: the noise and a half-smoothed field [H, W] each, and the kernel.</summary>
    private int ElasticScratchLength(ImageShape shape) => 2 * shape.Pixels + 2 * ElasticRadius(ElasticSigma, shape) + 1;

    /// <summary>
    /// Draws the displacement field of one sample: for x then y, uniform noise in [-1, 1) per pixel in row-major order,
    /// from the elastic family's stream, convolved with the normalised Gaussian <c>g(k) ∝ exp(-k² / 2σ²)</c> along the
    /// columns and then along the rows (zero beyond the edges, as scipy's <c>mode="constant"</c>), times α.
    /// </summary>
    /// <param name="fieldX">The x displacement in pixels, [H, W].</param>
    /// <param name="fieldY">The y displacement in pixels, [H, W].</param>
    /// <param name="scratch">At least <see cref="ElasticScratchLength"/> floats.</param>
    /// <param name="shape">The image's sizes.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">The epoch.</param>
    /// <param name="sample">The sample's index.</param>
    internal void DrawElasticField(Span<float> fieldX, Span<float> fieldY, Span<float> scratch, ImageShape shape, int seed, int epoch, int sample)
    {
        int pixels = shape.Pixels, radius = ElasticRadius(ElasticSigma, shape);
        Span<float> noise = scratch[..pixels], columns = scratch.Slice(pixels, pixels), kernel = scratch.Slice(2 * pixels, 2 * radius + 1);

        double sum = 0;
        for (int k = -radius; k <= radius; k++) sum += Math.Exp(-k * k / (2 * ElasticSigma * ElasticSigma));
        for (int k = -radius; k <= radius; k++) kernel[k + radius] = (float)(Math.Exp(-k * k / (2 * ElasticSigma * ElasticSigma)) / sum);

        var random = Stream(seed, epoch, sample, Family.Elastic);
        for (int axis = 0; axis < 2; axis++)
        {
            Span<float> field = axis == 0 ? fieldX : fieldY;
            for (int i = 0; i < pixels; i++) noise[i] = random.NextFloat() * 2 - 1;
            SmoothColumns(noise, columns, kernel, shape);
            SmoothRows(columns, field, kernel, shape);
            for (int i = 0; i < pixels; i++) field[i] *= (float)ElasticAlpha;
        }
    }

    // output[y, :] = Σ_k g[k] · input[y + k, :] over the rows inside the image: whole rows at a time.
    private static void SmoothColumns(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> kernel, ImageShape shape)
    {
        int height = shape.Height, width = shape.Width, radius = kernel.Length / 2;
        output.Clear();
        for (int y = 0; y < height; y++)
        {
            Span<float> row = output.Slice(y * width, width);
            for (int k = Math.Max(-radius, -y); k <= Math.Min(radius, height - 1 - y); k++)
                Gemm.Axpy(row, kernel[k + radius], input.Slice((y + k) * width, width));
        }
    }

    // output[y, x] = Σ_k g[k] · input[y, x + k] over the columns inside the image: for each tap, the run of x it reaches.
    private static void SmoothRows(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> kernel, ImageShape shape)
    {
        int height = shape.Height, width = shape.Width, radius = kernel.Length / 2;
        output.Clear();
        for (int y = 0; y < height; y++)
        {
            Span<float> row = output.Slice(y * width, width);
            ReadOnlySpan<float> source = input.Slice(y * width, width);
            for (int k = -radius; k <= radius; k++)
            {
                int first = Math.Max(0, -k), last = Math.Min(width, width - k); // x with 0 <= x + k < width
                if (first < last) Gemm.Axpy(row[first..last], kernel[k + radius], source[(first + k)..(last + k)]);
            }
        }
    }
}
