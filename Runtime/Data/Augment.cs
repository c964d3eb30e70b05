using System;
using System.Collections.Generic;
using System.Globalization;

namespace Myelin.Data;

/// <summary>
/// A recipe of random image transforms for training data: shifts, small rotations, scaling, elastic distortion and
/// random erasing, each drawn afresh for every sample of every epoch. Give it to <see cref="Training.FitOptions.Augment"/>
/// (or a <see cref="DataLoader"/>), and training batches are augmented while validation, <c>Evaluate</c> and
/// <c>Predict</c> see the data as it is.
/// </summary>
/// <remarks>
/// <para>
/// <b>Composition.</b> Each method returns a new recipe with one transform family set (calling one twice keeps the
/// last value), so a recipe reads as a chain: <c>new Augment().Shift(2).Rotate(10).Scale(0.1)</c>. Whatever the order
/// of the calls, a sample goes through the same pipeline, as Keras's <c>ImageDataGenerator</c> does: the geometric
/// transforms are composed into one map and the image is resampled once (bilinear, so it is blurred once, not once
/// per transform), then a rectangle may be erased. For an output pixel <c>p = (x, y)</c>, with the centre
/// <c>c = ((W - 1) / 2, (H - 1) / 2)</c>, an integer shift <c>t</c>, an angle <c>θ</c>, a scale <c>s</c> and an elastic
/// displacement <c>e(p)</c>, the output is the input read at
/// <code>q = c + R(-θ) (p + e(p) - t - c) / s</code>
/// i.e. the input is scaled and turned about its centre, then shifted, then distorted. Pixels read from outside the
/// image are <see cref="FillValue"/>.
/// </para>
/// <para>
/// <b>Randomness.</b> Every draw depends only on the seed, the epoch and the sample's index in its dataset, through
/// one <see cref="SeededRandom"/> stream per transform family: the same <c>(seed, epoch, sample)</c> gives the same
/// pixels whatever the batch size, the shuffled order or the epochs before it, so a run resumed from a checkpoint is
/// augmented exactly as an uninterrupted one; and adding a family to a recipe does not change the draws of the others.
/// </para>
/// <para>
/// <b>Cost.</b> A recipe is immutable and may be shared between threads. <see cref="Apply(ReadOnlySpan{float}, Span{float}, IReadOnlyList{int}, int, int, int)"/>
/// allocates nothing once warm: its scratch (the elastic fields, the in-place copy) is on the stack for images up to
/// about 50x50; above that it is two arrays per thread, grown to the largest image that thread has seen and then reused.
/// (Not the shared array pool: it may drop its arrays at any garbage collection, and renting again allocates.)
/// </para>
/// <para>
/// <b>Inputs.</b> Samples are images of shape <c>[channels, height, width]</c> or <c>[height, width]</c>; every
/// channel gets the same transform. Augmentation commutes with a scalar normalisation if <see cref="FillValue"/> is the
/// normalised background, e.g. <c>(0 - 0.1307) / 0.3081</c> for MNIST normalised as PyTorch's example does.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var augment = new Augment().Shift(2).Rotate(10).Scale(0.1);
/// net.Fit(train, new FitOptions { Epochs = 30, Augment = augment, ValidationData = test });
/// </code>
/// </example>
public sealed partial record Augment
{
    // Scratch up to this many floats lives on the stack (32 KiB); larger images use the thread's scratch arrays.
    private const int StackScratchLimit = 8192;

    // The thread's scratch above the stack limit: one for the in-place copy, one for the elastic fields. Both can be in
    // use at once (an in-place elastic transform), so they are separate arrays.
    [ThreadStatic] private static float[]? t_copyScratch;
    [ThreadStatic] private static float[]? t_fieldScratch;

    /// <summary><paramref name="length"/> floats of scratch: on the stack's span if it fits, else the thread's array, grown once.</summary>
    private static Span<float> Scratch(Span<float> stack, ref float[]? threadArray, int length)
    {
        if (length <= stack.Length) return stack[..length];
        if (threadArray is null || threadArray.Length < length) threadArray = new float[length];
        return threadArray.AsSpan(0, length);
    }

    /// <summary>The largest shift in pixels, along each axis: the shift is a whole number in [-MaxShift, MaxShift]. 0 for none.</summary>
    public int MaxShift { get; private init; }

    /// <summary>The largest rotation in degrees: the angle is uniform in [-MaxRotation, MaxRotation]. 0 for none.</summary>
    public double MaxRotation { get; private init; }

    /// <summary>The largest relative change of size: the scale is uniform in [1 - MaxScaleChange, 1 + MaxScaleChange]. 0 for none.</summary>
    public double MaxScaleChange { get; private init; }

    /// <summary>The elastic distortion's strength in pixels (Simard's α); 0 for none.</summary>
    public double ElasticAlpha { get; private init; }

    /// <summary>The elastic distortion's smoothness: the standard deviation in pixels of the Gaussian that smooths the field (Simard's σ).</summary>
    public double ElasticSigma { get; private init; } = 4;

    /// <summary>The probability that a sample gets a rectangle erased; 0 for none.</summary>
    public double EraseProbability { get; private init; }

    /// <summary>The smallest erased area, as a fraction of the image.</summary>
    public double EraseMinArea { get; private init; } = 0.02;

    /// <summary>The largest erased area, as a fraction of the image.</summary>
    public double EraseMaxArea { get; private init; } = 0.33;

    /// <summary>The most elongated erased rectangle: its height / width ratio is log-uniform in [EraseMinAspect, 1 / EraseMinAspect].</summary>
    public double EraseMinAspect { get; private init; } = 0.3;

    /// <summary>The value of pixels read from outside the image and of erased pixels (default 0, the background of raw MNIST).</summary>
    public float FillValue { get; private init; }

    /// <summary>Whether the recipe changes nothing (every family off).</summary>
    public bool IsIdentity => !HasGeometry && EraseProbability == 0;

    // Whether a resampling is needed at all (a pure shift is an exact copy, see ApplyGeometry).
    private bool HasGeometry => MaxShift > 0 || MaxRotation > 0 || MaxScaleChange > 0 || ElasticAlpha > 0;

    /// <summary>Shifts by a whole number of pixels drawn uniformly from [-<paramref name="pixels"/>, <paramref name="pixels"/>], along each axis independently.</summary>
    /// <param name="pixels">At least 0; 0 turns shifting off.</param>
    public Augment Shift(int pixels)
    {
        if (pixels < 0) throw new ArgumentOutOfRangeException(nameof(pixels), pixels, "Augment.Shift: the largest shift must be at least 0 pixels.");
        return this with { MaxShift = pixels };
    }

    /// <summary>Turns the image about its centre by an angle drawn uniformly from [-<paramref name="degrees"/>, <paramref name="degrees"/>].</summary>
    /// <param name="degrees">From 0 to 180; 0 turns rotation off.</param>
    public Augment Rotate(double degrees)
    {
        if (!(degrees is >= 0 and <= 180))
            throw new ArgumentOutOfRangeException(nameof(degrees), degrees, "Augment.Rotate: the largest angle must be from 0 to 180 degrees.");
        return this with { MaxRotation = degrees };
    }

    /// <summary>Scales the image about its centre by a factor drawn uniformly from [1 - <paramref name="amount"/>, 1 + <paramref name="amount"/>].</summary>
    /// <param name="amount">At least 0 and below 1; 0 turns scaling off. 0.1 zooms between 90% and 110%.</param>
    public Augment Scale(double amount)
    {
        if (!(amount is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "Augment.Scale: the largest change of size must be at least 0 and below 1 (0.1 is ±10%).");
        return this with { MaxScaleChange = amount };
    }

    /// <summary>
    /// Elastic distortion (Simard, Steinkraus and Platt, 2003): each pixel is displaced by a random field, uniform in
    /// [-1, 1] per pixel and axis, smoothed by a Gaussian of standard deviation <paramref name="sigma"/> and scaled by
    /// <paramref name="alpha"/>.
    /// </summary>
    /// <param name="alpha">The strength in pixels, at least 0; 0 turns the distortion off. Simard et al. used 34 on MNIST.</param>
    /// <param name="sigma">The smoothness in pixels, above 0; Simard et al. used 4.</param>
    public Augment Elastic(double alpha = 34, double sigma = 4)
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Augment.Elastic: alpha, the strength in pixels, must be a finite number of at least 0.");
        if (!(sigma is > 0 and <= 1000))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Augment.Elastic: sigma, the smoothness in pixels, must be above 0 (and at most 1000).");
        return this with { ElasticAlpha = alpha, ElasticSigma = sigma };
    }

    /// <summary>
    /// Random erasing (Zhong et al., 2017; torchvision's <c>RandomErasing</c>): with probability
    /// <paramref name="probability"/>, a rectangle covering between <paramref name="minArea"/> and
    /// <paramref name="maxArea"/> of the image, of height / width ratio between <paramref name="minAspect"/> and its
    /// inverse, is set to <see cref="FillValue"/> in every channel.
    /// </summary>
    /// <remarks>
    /// The area is uniform and the ratio log-uniform; the sides are the rounded <c>sqrt(area · ratio)</c> and
    /// <c>sqrt(area / ratio)</c>, and the place is uniform over the positions where the rectangle fits. A draw that does
    /// not fit is retried, up to 10 times in all, after which the sample is left whole (as torchvision does).
    /// </remarks>
    /// <param name="probability">From 0 to 1; 0 turns erasing off.</param>
    /// <param name="minArea">The smallest area as a fraction of the image, above 0.</param>
    /// <param name="maxArea">The largest, from <paramref name="minArea"/> to 1.</param>
    /// <param name="minAspect">The smallest height / width ratio, above 0 and at most 1.</param>
    public Augment Erase(double probability = 0.5, double minArea = 0.02, double maxArea = 0.33, double minAspect = 0.3)
    {
        if (!(probability is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Augment.Erase: the probability must be from 0 to 1.");
        if (!(minArea is > 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(minArea), minArea, "Augment.Erase: the smallest area must be above 0 and at most 1 (a fraction of the image).");
        if (!(maxArea >= minArea && maxArea <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxArea), maxArea, string.Create(CultureInfo.InvariantCulture,
                $"Augment.Erase: the largest area must be from the smallest ({minArea}) to 1."));
        if (!(minAspect is > 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(minAspect), minAspect, "Augment.Erase: the smallest height / width ratio must be above 0 and at most 1.");
        return this with { EraseProbability = probability, EraseMinArea = minArea, EraseMaxArea = maxArea, EraseMinAspect = minAspect };
    }

    /// <summary>The value of pixels read from outside the image and of erased pixels.</summary>
    /// <param name="value">A finite value: the background, e.g. 0 for raw MNIST, <c>-0.1307 / 0.3081</c> once normalised.</param>
    public Augment Fill(float value)
    {
        if (!float.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Augment.Fill: the fill value must be finite.");
        return this with { FillValue = value };
    }

    /// <summary>
    /// Writes sample <paramref name="sample"/> of epoch <paramref name="epoch"/>, augmented, from
    /// <paramref name="source"/> to <paramref name="destination"/>. Allocates nothing.
    /// </summary>
    /// <param name="source">One image, laid out as <paramref name="sampleShape"/>.</param>
    /// <param name="destination">As many floats as <paramref name="source"/>; must not overlap it.</param>
    /// <param name="sampleShape"><c>[channels, height, width]</c> or <c>[height, width]</c>.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="sample">The sample's index in its dataset.</param>
    /// <exception cref="ArgumentException">The shape is not an image's, or the spans do not have its size.</exception>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, IReadOnlyList<int> sampleShape, int seed, int epoch, int sample)
    {
        var image = ImageShape.Of(sampleShape);
        if (source.Length != image.Size || destination.Length != image.Size)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Augment.Apply: an image of shape [{string.Join(", ", sampleShape)}] has {image.Size} floats, but the source has {source.Length} and the destination {destination.Length}."));
        if (source.Overlaps(destination))
            throw new ArgumentException("Augment.Apply: the source and destination overlap; use the in-place overload.", nameof(destination));
        Transform(source, destination, image, seed, epoch, sample);
    }

    /// <summary>Augments one image in place, as <see cref="Apply(ReadOnlySpan{float}, Span{float}, IReadOnlyList{int}, int, int, int)"/> would into another buffer.</summary>
    /// <param name="image">One image, laid out as <paramref name="sampleShape"/>; overwritten.</param>
    /// <param name="sampleShape"><c>[channels, height, width]</c> or <c>[height, width]</c>.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="sample">The sample's index in its dataset.</param>
    public void Apply(Span<float> image, IReadOnlyList<int> sampleShape, int seed, int epoch, int sample)
    {
        var shape = ImageShape.Of(sampleShape);
        if (image.Length != shape.Size)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Augment.Apply: an image of shape [{string.Join(", ", sampleShape)}] has {shape.Size} floats, but the span has {image.Length}."), nameof(image));
        if (!HasGeometry)
        {
            ApplyErasing(image, shape, seed, epoch, sample);
            return;
        }
        Span<float> copy = Scratch(shape.Size <= StackScratchLimit ? stackalloc float[shape.Size] : default, ref t_copyScratch, shape.Size);
        image.CopyTo(copy);
        Transform(copy, image, shape, seed, epoch, sample);
    }

    /// <summary>Checks that samples of <paramref name="sampleShape"/> can be augmented; called before any batch is drawn.</summary>
    /// <exception cref="ArgumentException">The shape is not <c>[channels, height, width]</c> or <c>[height, width]</c>.</exception>
    public void CheckShape(IReadOnlyList<int> sampleShape) => ImageShape.Of(sampleShape);

    // The whole pipeline from a separate source: geometry (or a copy), then erasing on the result.
    internal void Transform(ReadOnlySpan<float> source, Span<float> destination, ImageShape shape, int seed, int epoch, int sample)
    {
        if (HasGeometry) ApplyGeometry(source, destination, shape, seed, epoch, sample);
        else source.CopyTo(destination);
        ApplyErasing(destination, shape, seed, epoch, sample);
    }

    /// <summary>The transform families, each with a random stream of its own.</summary>
    internal enum Family
    {
        Shift = 1,
        Rotate = 2,
        Scale = 3,
        Elastic = 4,
        Erase = 5,
    }

    /// <summary>
    /// The random stream of one family for one sample: seed <c>(salt ^ family &lt;&lt; 32) | seed</c> and stream
    /// <c>epoch &lt;&lt; 32 | sample</c>. The salt sets high bits that no sign-extended int seed has, so these streams
    /// never coincide with the loader's shuffles (<c>SeededRandom(seed, epoch)</c>) or any other int-seeded stream.
    /// </summary>
    internal static SeededRandom Stream(int seed, int epoch, int sample, Family family) =>
        new((Salt ^ ((long)family << 32)) | (uint)seed, ((long)epoch << 32) | (uint)sample);

    private const long Salt = 0x4175_676D_0000_0000; // "Augm"

    /// <summary>The sizes of an image sample; only <see cref="Of"/> creates one, so every instance is a valid image.</summary>
    internal readonly record struct ImageShape(int Channels, int Height, int Width)
    {
        public int Pixels => Height * Width;

        public int Size => Channels * Height * Width;

        public static ImageShape Of(IReadOnlyList<int> shape)
        {
            ArgumentNullException.ThrowIfNull(shape);
            if (shape.Count is 2 or 3)
            {
                int channels = shape.Count == 3 ? shape[0] : 1;
                int height = shape[^2], width = shape[^1];
                if (channels >= 1 && height >= 1 && width >= 1 && (long)channels * height * width <= Array.MaxLength)
                    return new ImageShape(channels, height, width);
            }
            string text = string.Join(", ", shape);
            throw new ArgumentException($"Augment works on images of shape [channels, height, width] or [height, width], but the samples have shape [{text}].", nameof(shape));
        }
    }
}
