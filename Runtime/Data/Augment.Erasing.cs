using System;

namespace Myelin.Data;

// Random erasing (Zhong, Zheng, Kang, Li and Yang, "Random Erasing Data Augmentation", 2017), drawn as torchvision's
// RandomErasing draws it, after the geometric transforms.
public sealed partial record Augment
{
    /// <summary>The rectangle erased in one sample; <see cref="IsEmpty"/> when the sample is left whole.</summary>
    /// <param name="Top">The first erased row.</param>
    /// <param name="Left">The first erased column.</param>
    /// <param name="Height">Erased rows.</param>
    /// <param name="Width">Erased columns.</param>
    internal readonly record struct EraseDraw(int Top, int Left, int Height, int Width)
    {
        public bool IsEmpty => Height == 0;
    }

    /// <summary>
    /// Draws the rectangle of one sample from the erase family's stream: first whether to erase (probability
    /// <see cref="EraseProbability"/>), then up to 10 tries of an area (uniform) and a height / width ratio
    /// (log-uniform), the first whose rounded sides fit the image being placed uniformly.
    /// </summary>
    internal EraseDraw DrawErasing(ImageShape shape, int seed, int epoch, int sample)
    {
        if (EraseProbability == 0) return default;
        var random = Stream(seed, epoch, sample, Family.Erase);
        if (!(random.NextDouble() < EraseProbability)) return default;

        double imageArea = (double)shape.Height * shape.Width;
        double logMin = Math.Log(EraseMinAspect), logMax = -logMin;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double area = imageArea * (EraseMinArea + (EraseMaxArea - EraseMinArea) * random.NextDouble());
            double ratio = Math.Exp(logMin + (logMax - logMin) * random.NextDouble());
            int height = (int)Math.Round(Math.Sqrt(area * ratio)), width = (int)Math.Round(Math.Sqrt(area / ratio));
            if (height < 1 || width < 1 || height > shape.Height || width > shape.Width) continue;
            int top = random.NextInt(shape.Height - height + 1), left = random.NextInt(shape.Width - width + 1);
            return new EraseDraw(top, left, height, width);
        }
        return default;
    }

    private void ApplyErasing(Span<float> image, ImageShape shape, int seed, int epoch, int sample)
    {
        var draw = DrawErasing(shape, seed, epoch, sample);
        if (draw.IsEmpty) return;
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int y = draw.Top; y < draw.Top + draw.Height; y++)
                image.Slice(c * shape.Pixels + y * shape.Width + draw.Left, draw.Width).Fill(FillValue);
        }
    }
}
