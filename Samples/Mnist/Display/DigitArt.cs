using System;
using System.Collections.Generic;
using System.Text;
using MnistFiles = Myelin.Data.Mnist;

namespace Myelin.Samples.Mnist.Display;

/// <summary>An MNIST image as text: one line per pixel row, each pixel two characters wide so the digit keeps its shape.</summary>
internal static class DigitArt
{
    /// <summary>Characters from blank to full ink, in steps of equal intensity.</summary>
    public const string Ramp = " .:-=+*#%@";

    /// <summary>The 28 lines of a 28x28 image whose pixels are in [0, 1] (0 paper, 1 ink), framed by a border.</summary>
    /// <exception cref="ArgumentException">The image is not 28x28 = 784 pixels.</exception>
    public static IReadOnlyList<string> Render(ReadOnlySpan<float> pixels)
    {
        const int side = MnistFiles.ImageSide;
        if (pixels.Length != side * side)
            throw new ArgumentException($"An MNIST image has {side * side} pixels ({side}x{side}), but got {pixels.Length}.", nameof(pixels));
        var lines = new List<string>(side + 2) { "+" + new string('-', 2 * side) + "+" };
        var line = new StringBuilder(2 * side + 2);
        for (int row = 0; row < side; row++)
        {
            line.Clear().Append('|');
            for (int column = 0; column < side; column++)
            {
                // Pixel p in [0, 1] maps to Ramp[min(floor(10 p), 9)]: below 0.1 stays blank, 0.9 and above is '@'.
                float p = Math.Clamp(pixels[row * side + column], 0f, 1f);
                char ink = Ramp[Math.Min((int)(p * Ramp.Length), Ramp.Length - 1)];
                line.Append(ink).Append(ink);
            }
            lines.Add(line.Append('|').ToString());
        }
        lines.Add(lines[0]);
        return lines;
    }
}
