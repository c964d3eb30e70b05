using Myelin.Data;
using static Myelin.Tests.Data.AugmentReference;

namespace Myelin.Tests.Data;

/// <summary>Shifts, rotations, scaling and elastic distortion against double-precision references and known answers.</summary>
public sealed class AugmentGeometryTests
{
    private const double Tolerance = 1e-5; // float rounding of values of order 1 to 2, after double arithmetic

    [Fact]
    public void A_pure_shift_moves_every_pixel_by_whole_pixels_exactly_and_fills_what_comes_in()
    {
        const int height = 7, width = 9;
        int[] shape = [2, height, width];
        float[] image = DistinctImage(2, height, width, seed: 1);
        var augment = new Augment().Shift(2).Fill(-0.5f);
        var seen = new HashSet<(int, int)>();
        var output = new float[image.Length];

        for (int sample = 0; sample < 300; sample++)
        {
            augment.Apply(image, output, shape, seed: 3, epoch: 1, sample);
            var draw = augment.DrawGeometry(3, 1, sample);
            Assert.InRange(draw.ShiftX, -2, 2);
            Assert.InRange(draw.ShiftY, -2, 2);
            seen.Add((draw.ShiftX, draw.ShiftY));
            for (int c = 0; c < 2; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        int fromX = x - draw.ShiftX, fromY = y - draw.ShiftY;
                        float expected = fromX is >= 0 and < width && fromY is >= 0 and < height ? image[(c * height + fromY) * width + fromX] : -0.5f;
                        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(output[(c * height + y) * width + x]));
                    }
                }
            }
        }

        Assert.Equal(25, seen.Count); // every shift in [-2, 2]² is drawn
    }

    [Fact]
    public void A_shift_larger_than_the_image_leaves_only_the_fill()
    {
        var output = new float[12];
        Augment.ShiftExactly(DistinctImage(1, 3, 4, seed: 2), output, Augment.ImageShape.Of([3, 4]), shiftX: 5, shiftY: -1, fill: 7);

        Assert.All(output, v => Assert.Equal(7f, v));
    }

    [Fact]
    public void Rotation_scaling_and_shifts_resample_as_the_double_precision_reference()
    {
        // Non-square, three channels, a fill that differs from every pixel: any mix-up of axes, channels, the centre or
        // the direction of the map shows.
        const int channels = 3, height = 9, width = 12;
        int[] shape = [channels, height, width];
        float[] image = DistinctImage(channels, height, width, seed: 4);
        var augment = new Augment().Shift(2).Rotate(30).Scale(0.3).Fill(0.25f);
        var output = new float[image.Length];

        for (int sample = 0; sample < 20; sample++)
        {
            augment.Apply(image, output, shape, seed: 7, epoch: 2, sample);
            var draw = augment.DrawGeometry(7, 2, sample);
            double[] expected = Resample(image, channels, height, width, draw.Angle, draw.Scale, draw.ShiftX, draw.ShiftY, null, null, 0.25);
            Assert.True(MaxError(output, expected) < Tolerance, $"sample {sample}: {draw} differs by {MaxError(output, expected):g3}");
        }
    }

    [Fact]
    public void Rotation_and_scaling_reproduce_a_linear_ramp_wherever_they_read_inside_the_image()
    {
        // Bilinear interpolation is exact on a linear function, so inside the image the output is the ramp at the
        // analytic source point q = c + R(-θ) (p - t - c) / s.
        const int height = 16, width = 20;
        var ramp = new float[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) ramp[y * width + x] = 0.25f * x - 0.125f * y + 1;
        var augment = new Augment().Shift(1).Rotate(20).Scale(0.2);
        var output = new float[ramp.Length];
        int checkedPixels = 0;

        for (int sample = 0; sample < 10; sample++)
        {
            augment.Apply(ramp, output, [height, width], seed: 1, epoch: 0, sample);
            var draw = augment.DrawGeometry(1, 0, sample);
            double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0, cos = Math.Cos(draw.Angle), sin = Math.Sin(draw.Angle);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double dx = x - draw.ShiftX - cx, dy = y - draw.ShiftY - cy;
                    double qx = cx + (cos * dx + sin * dy) / draw.Scale, qy = cy + (-sin * dx + cos * dy) / draw.Scale;
                    if (qx < 0 || qx > width - 1 || qy < 0 || qy > height - 1) continue;
                    Assert.Equal(0.25 * qx - 0.125 * qy + 1, output[y * width + x], 1e-5);
                    checkedPixels++;
                }
            }
        }

        Assert.True(checkedPixels > 10 * height * width / 2, $"only {checkedPixels} pixels read inside the image");
    }

    [Fact]
    public void A_quarter_turn_moves_the_top_row_to_the_right_column()
    {
        // Positive angles turn the image clockwise as displayed (rows going down): out[y, x] = in[n - 1 - x, y].
        const int n = 6;
        float[] image = DistinctImage(1, n, n, seed: 5);
        var output = new float[image.Length];

        Augment.Resample(image, output, Augment.ImageShape.Of([1, n, n]), new Augment.GeometryDraw(0, 0, Math.PI / 2, 1), default, default, fill: 0);

        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) Assert.Equal(image[(n - 1 - x) * n + y], output[y * n + x], 1e-6);
    }

    [Fact]
    public void The_elastic_field_is_uniform_noise_smoothed_by_a_Gaussian_as_a_direct_convolution_computes_it()
    {
        const int height = 16, width = 21;
        const double alpha = 6, sigma = 1.5;
        var augment = new Augment().Elastic(alpha, sigma);
        var shape = Augment.ImageShape.Of([height, width]);
        var fieldX = new float[height * width];
        var fieldY = new float[height * width];
        var scratch = new float[2 * height * width + 2 * Augment.ElasticRadius(sigma, shape) + 1];

        augment.DrawElasticField(fieldX, fieldY, scratch, shape, seed: 2, epoch: 3, sample: 4);

        // The documented draws: the elastic stream of (2, 3, 4), uniform in [-1, 1), the x field's pixels first.
        var random = Augment.Stream(2, 3, 4, Augment.Family.Elastic);
        double[] noiseX = Enumerable.Range(0, height * width).Select(_ => (double)(random.NextFloat() * 2 - 1)).ToArray();
        double[] noiseY = Enumerable.Range(0, height * width).Select(_ => (double)(random.NextFloat() * 2 - 1)).ToArray();
        Assert.True(MaxError(fieldX, SmoothedField(noiseX, height, width, alpha, sigma)) < 1e-5);
        Assert.True(MaxError(fieldY, SmoothedField(noiseY, height, width, alpha, sigma)) < 1e-5);
        // Not a trivial field: displacements of a fraction of a pixel up to a few pixels.
        Assert.InRange(fieldX.Max(v => Math.Abs(v)), 0.3, 5);
    }

    [Fact]
    public void Elastic_distortion_composed_with_the_affine_map_resamples_as_the_reference()
    {
        const int channels = 2, height = 14, width = 11;
        int[] shape = [channels, height, width];
        float[] image = DistinctImage(channels, height, width, seed: 6);
        var augment = new Augment().Shift(1).Rotate(15).Scale(0.1).Elastic(5, 1.5).Fill(0.5f);
        var imageShape = Augment.ImageShape.Of(shape);
        var output = new float[image.Length];

        for (int sample = 0; sample < 5; sample++)
        {
            augment.Apply(image, output, shape, seed: 9, epoch: 1, sample);
            var draw = augment.DrawGeometry(9, 1, sample);
            var fieldX = new float[height * width];
            var fieldY = new float[height * width];
            augment.DrawElasticField(fieldX, fieldY, new float[4 * height * width], imageShape, 9, 1, sample);
            double[] expected = Resample(image, channels, height, width, draw.Angle, draw.Scale, draw.ShiftX, draw.ShiftY,
                fieldX.Select(v => (double)v).ToArray(), fieldY.Select(v => (double)v).ToArray(), 0.5);
            Assert.True(MaxError(output, expected) < Tolerance, $"sample {sample} differs by {MaxError(output, expected):g3}");
        }
    }

    [Fact]
    public void Draws_cover_their_ranges_and_stay_inside_them()
    {
        var augment = new Augment().Shift(3).Rotate(10).Scale(0.1);
        var draws = Enumerable.Range(0, 2000).Select(i => augment.DrawGeometry(1, 0, i)).ToList();

        double maxAngle = 10 * Math.PI / 180;
        Assert.All(draws, d => Assert.InRange(d.Angle, -maxAngle, maxAngle));
        Assert.All(draws, d => Assert.InRange(d.Scale, 0.9, 1.1));
        Assert.True(draws.Min(d => d.Angle) < -0.95 * maxAngle && draws.Max(d => d.Angle) > 0.95 * maxAngle);
        Assert.True(draws.Min(d => d.Scale) < 0.905 && draws.Max(d => d.Scale) > 1.095);
        Assert.Equal(Enumerable.Range(-3, 7), draws.Select(d => d.ShiftX).Distinct().Order());
        // Uniform: each of the 7 shifts about 1/7 of the time.
        Assert.All(draws.GroupBy(d => d.ShiftY), g => Assert.InRange(g.Count(), 2000 / 7 * 0.8, 2000 / 7 * 1.2));
    }

    [Fact]
    public void Turning_a_family_on_does_not_change_the_draws_of_the_others()
    {
        var shiftOnly = new Augment().Shift(2);
        var more = new Augment().Rotate(10).Erase(0.5).Shift(2).Elastic();

        for (int sample = 0; sample < 50; sample++)
        {
            var a = shiftOnly.DrawGeometry(4, 2, sample);
            var b = more.DrawGeometry(4, 2, sample);
            Assert.Equal((a.ShiftX, a.ShiftY), (b.ShiftX, b.ShiftY));
        }
    }
}
