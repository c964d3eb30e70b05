using System;

namespace Myelin.Data;

// Shifts, rotations and scaling: one affine map, composed with the elastic field when there is one, and one bilinear
// resampling. A pure shift skips the resampling and copies rows, so it is exact.
public sealed partial record Augment
{
    /// <summary>The geometric parameters drawn for one sample.</summary>
    /// <param name="ShiftX">Pixels to the right (negative: to the left).</param>
    /// <param name="ShiftY">Pixels down (negative: up).</param>
    /// <param name="Angle">Radians; positive turns the image clockwise as displayed, with rows going down.</param>
    /// <param name="Scale">The zoom factor; above 1 enlarges.</param>
    internal readonly record struct GeometryDraw(int ShiftX, int ShiftY, double Angle, double Scale)
    {
        public static GeometryDraw Identity => new(0, 0, 0, 1);
    }

    /// <summary>Draws the shift, angle and scale of one sample, each from its family's stream (identity for a family that is off).</summary>
    internal GeometryDraw DrawGeometry(int seed, int epoch, int sample)
    {
        var draw = GeometryDraw.Identity;
        if (MaxShift > 0)
        {
            var random = Stream(seed, epoch, sample, Family.Shift);
            int x = random.NextInt(2 * MaxShift + 1) - MaxShift;
            int y = random.NextInt(2 * MaxShift + 1) - MaxShift;
            draw = draw with { ShiftX = x, ShiftY = y };
        }
        if (MaxRotation > 0)
        {
            var random = Stream(seed, epoch, sample, Family.Rotate);
            draw = draw with { Angle = (2 * random.NextDouble() - 1) * MaxRotation * (Math.PI / 180) };
        }
        if (MaxScaleChange > 0)
        {
            var random = Stream(seed, epoch, sample, Family.Scale);
            draw = draw with { Scale = 1 + (2 * random.NextDouble() - 1) * MaxScaleChange };
        }
        return draw;
    }

    private void ApplyGeometry(ReadOnlySpan<float> source, Span<float> destination, ImageShape shape, int seed, int epoch, int sample)
    {
        var draw = DrawGeometry(seed, epoch, sample);
        if (ElasticAlpha == 0)
        {
            if (draw.Angle == 0 && draw.Scale == 1) ShiftExactly(source, destination, shape, draw.ShiftX, draw.ShiftY, FillValue);
            else Resample(source, destination, shape, draw, default, default, FillValue);
            return;
        }

        // Scratch: the two displacement fields [H, W] and what drawing them needs.
        int pixels = shape.Pixels;
        int length = 2 * pixels + ElasticScratchLength(shape);
        Span<float> scratch = Scratch(length <= StackScratchLimit ? stackalloc float[length] : default, ref t_fieldScratch, length);
        Span<float> fieldX = scratch[..pixels], fieldY = scratch.Slice(pixels, pixels);
        DrawElasticField(fieldX, fieldY, scratch[(2 * pixels)..], shape, seed, epoch, sample);
        Resample(source, destination, shape, draw, fieldX, fieldY, FillValue);
    }

    /// <summary>
    /// <c>destination[c, y, x] = source[c, y - shiftY, x - shiftX]</c>, and <paramref name="fill"/> where that is
    /// outside the image: whole rows copied, no arithmetic on the pixels.
    /// </summary>
    internal static void ShiftExactly(ReadOnlySpan<float> source, Span<float> destination, ImageShape shape, int shiftX, int shiftY, float fill)
    {
        int height = shape.Height, width = shape.Width;
        // The columns that come from inside the image: x - shiftX in [0, width).
        int first = Math.Clamp(shiftX, 0, width), last = Math.Clamp(width + shiftX, 0, width);
        for (int c = 0; c < shape.Channels; c++)
        {
            int plane = c * shape.Pixels;
            for (int y = 0; y < height; y++)
            {
                Span<float> row = destination.Slice(plane + y * width, width);
                int from = y - shiftY;
                if ((uint)from >= (uint)height || first >= last)
                {
                    row.Fill(fill);
                    continue;
                }
                row[..first].Fill(fill);
                source.Slice(plane + from * width + first - shiftX, last - first).CopyTo(row[first..last]);
                row[last..].Fill(fill);
            }
        }
    }

    /// <summary>
    /// Bilinear resampling through the inverse map of the class remarks: output pixel <c>p</c> reads the input at
    /// <c>q = c + R(-θ) (p + e(p) - t - c) / s</c>, interpolating its four neighbours, any of them outside the image
    /// counting as <paramref name="fill"/>. Coordinates and weights are in double; each pixel is rounded once.
    /// </summary>
    /// <param name="source">The input image [C, H, W].</param>
    /// <param name="destination">The output image [C, H, W].</param>
    /// <param name="shape">The image's sizes.</param>
    /// <param name="draw">The shift t, angle θ and scale s.</param>
    /// <param name="fieldX">The elastic displacement e along x, [H, W]; empty for none.</param>
    /// <param name="fieldY">Along y, [H, W]; empty for none.</param>
    /// <param name="fill">The value outside the image.</param>
    internal static void Resample(ReadOnlySpan<float> source, Span<float> destination, ImageShape shape, GeometryDraw draw,
        ReadOnlySpan<float> fieldX, ReadOnlySpan<float> fieldY, float fill)
    {
        int height = shape.Height, width = shape.Width, pixels = shape.Pixels;
        double centreX = (width - 1) / 2.0, centreY = (height - 1) / 2.0;
        // R(-θ) / s = [[cos, sin], [-sin, cos]] / s.
        double cos = Math.Cos(draw.Angle) / draw.Scale, sin = Math.Sin(draw.Angle) / draw.Scale;
        bool elastic = !fieldX.IsEmpty;
        for (int y = 0; y < height; y++)
        {
            double rowY = y - draw.ShiftY - centreY;
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                double px = x - draw.ShiftX - centreX, py = rowY;
                if (elastic)
                {
                    px += fieldX[p];
                    py += fieldY[p];
                }
                double qx = centreX + cos * px + sin * py, qy = centreY - sin * px + cos * py;
                if (qx >= 0 && qx < width - 1 && qy >= 0 && qy < height - 1)
                {
                    // All four neighbours inside, the common case: no fill, and truncation is the floor.
                    int x0 = (int)qx, y0 = (int)qy, i = y0 * width + x0;
                    double ax = qx - x0, ay = qy - y0;
                    for (int c = 0, plane = 0; c < shape.Channels; c++, plane += pixels)
                    {
                        double top = (1 - ax) * source[plane + i] + ax * source[plane + i + 1];
                        double bottom = (1 - ax) * source[plane + i + width] + ax * source[plane + i + width + 1];
                        destination[plane + p] = (float)((1 - ay) * top + ay * bottom);
                    }
                    continue;
                }
                // Beyond one pixel outside, every neighbour is fill; clamping keeps the casts below in range.
                qx = Math.Clamp(qx, -2.0, width + 1.0);
                qy = Math.Clamp(qy, -2.0, height + 1.0);
                double floorX = Math.Floor(qx), floorY = Math.Floor(qy);
                int fx0 = (int)floorX, fy0 = (int)floorY;
                double bx = qx - floorX, by = qy - floorY;
                for (int c = 0, plane = 0; c < shape.Channels; c++, plane += pixels)
                {
                    ReadOnlySpan<float> values = source.Slice(plane, pixels);
                    double top = (1 - bx) * Pixel(values, fx0, fy0, width, height, fill) + bx * Pixel(values, fx0 + 1, fy0, width, height, fill);
                    double bottom = (1 - bx) * Pixel(values, fx0, fy0 + 1, width, height, fill) + bx * Pixel(values, fx0 + 1, fy0 + 1, width, height, fill);
                    destination[plane + p] = (float)((1 - by) * top + by * bottom);
                }
            }
        }
    }

    private static float Pixel(ReadOnlySpan<float> plane, int x, int y, int width, int height, float fill) =>
        (uint)x < (uint)width && (uint)y < (uint)height ? plane[y * width + x] : fill;
}
