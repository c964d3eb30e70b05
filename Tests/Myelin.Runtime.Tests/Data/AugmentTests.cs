using Myelin.Data;
using static Myelin.Tests.Data.AugmentReference;

namespace Myelin.Tests.Data;

/// <summary>Random erasing, determinism, the recipe text, bad input, allocation and the data loader.</summary>
[Collection(AllocationCounting.Name)]
public sealed class AugmentTests
{
    private static readonly Augment Everything = new Augment().Shift(2).Rotate(10).Scale(0.1).Elastic(8, 2).Erase(0.5).Fill(-0.25f);

    /// <summary>The erased rectangle: the bounding box of the pixels that changed, checked to be exactly those pixels.</summary>
    private static (int Top, int Left, int Height, int Width)? ChangedRectangle(float[] before, float[] after, int channels, int height, int width, float fill)
    {
        var changed = new List<(int Y, int X)>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bool any = false;
                for (int c = 0; c < channels; c++)
                {
                    int i = (c * height + y) * width + x;
                    if (after[i] == before[i]) continue;
                    Assert.Equal(fill, after[i]);
                    any = true;
                }
                if (any) changed.Add((y, x));
            }
        }
        if (changed.Count == 0) return null;
        int top = changed.Min(p => p.Y), left = changed.Min(p => p.X);
        int rows = changed.Max(p => p.Y) - top + 1, columns = changed.Max(p => p.X) - left + 1;
        Assert.Equal(rows * columns, changed.Count); // a full rectangle, erased in every channel
        return (top, left, rows, columns);
    }

    [Fact]
    public void Erasing_sets_a_rectangle_of_the_stated_area_and_aspect_to_the_fill_in_every_channel()
    {
        const int channels = 2, height = 24, width = 32;
        float[] image = DistinctImage(channels, height, width, seed: 1);
        var augment = new Augment().Erase(probability: 1, minArea: 0.05, maxArea: 0.3, minAspect: 0.5).Fill(-1);
        var output = new float[image.Length];
        var places = new HashSet<(int, int)>();

        for (int sample = 0; sample < 200; sample++)
        {
            augment.Apply(image, output, [channels, height, width], seed: 2, epoch: 0, sample);
            var rectangle = ChangedRectangle(image, output, channels, height, width, -1f);
            Assert.NotNull(rectangle);
            var (top, left, rows, columns) = rectangle.Value;
            Assert.Equal(augment.DrawErasing(Augment.ImageShape.Of([channels, height, width]), 2, 0, sample), new Augment.EraseDraw(top, left, rows, columns));
            // The drawn sides h', w' are within half a pixel of the erased ones, so the drawn area h' w' is within
            // (rows + columns + 1) / 2 + 1/4 of rows · columns, and some such h' / w' must be a ratio in [0.5, 2].
            double slack = (rows + columns + 1) / 2.0 + 0.25;
            Assert.InRange(rows * columns, 0.05 * height * width - slack, 0.3 * height * width + slack);
            Assert.True((rows - 0.5) / (columns + 0.5) <= 2 && (rows + 0.5) / (columns - 0.5) >= 0.5, $"{rows} x {columns} is too elongated");
            places.Add((top, left));
        }

        Assert.True(places.Count > 100, $"only {places.Count} different places in 200 samples");
    }

    [Fact]
    public void Erasing_an_area_of_exactly_a_quarter_with_square_sides_erases_half_the_rows_and_half_the_columns()
    {
        var augment = new Augment().Erase(probability: 1, minArea: 0.25, maxArea: 0.25, minAspect: 1);
        float[] image = DistinctImage(1, 20, 20, seed: 3);
        var output = new float[image.Length];

        augment.Apply(image, output, [1, 20, 20], seed: 1, epoch: 0, sample: 0);

        var (_, _, rows, columns) = ChangedRectangle(image, output, 1, 20, 20, 0f)!.Value;
        Assert.Equal((10, 10), (rows, columns));
    }

    [Fact]
    public void Erasing_happens_to_the_stated_fraction_of_samples()
    {
        var augment = new Augment().Erase(probability: 0.3);
        var shape = Augment.ImageShape.Of([28, 28]);

        int erased = Enumerable.Range(0, 4000).Count(i => !augment.DrawErasing(shape, 5, 1, i).IsEmpty);

        // Binomial(4000, 0.3): the standard deviation is 29 samples; the bounds are more than 4 of them away.
        Assert.InRange(erased, 1080, 1320);
    }

    [Fact]
    public void The_same_seed_epoch_and_sample_give_the_same_pixels_and_any_other_gives_others()
    {
        int[] shape = [1, 28, 28];
        float[] image = DistinctImage(1, 28, 28, seed: 4);
        float[] Run(Augment augment, int seed, int epoch, int sample)
        {
            var output = new float[image.Length];
            augment.Apply(image, output, shape, seed, epoch, sample);
            return output;
        }
        var rebuilt = new Augment().Fill(-0.25f).Erase(0.5).Elastic(8, 2).Scale(0.1).Rotate(10).Shift(2);

        float[] first = Run(Everything, 1, 2, 3);

        Assert.Equal(Everything, rebuilt);
        Assert.Equal(first, Run(rebuilt, 1, 2, 3));
        Assert.NotEqual(first, Run(Everything, 1, 3, 3)); // another epoch
        Assert.NotEqual(first, Run(Everything, 1, 2, 4)); // another sample
        Assert.NotEqual(first, Run(Everything, 2, 2, 3)); // another seed
        Assert.NotEqual(image, first);
    }

    [Fact]
    public void Augmenting_in_place_gives_what_augmenting_into_another_buffer_gives()
    {
        int[] shape = [3, 10, 12];
        float[] image = DistinctImage(3, 10, 12, seed: 5);
        foreach (var augment in new[] { Everything, new Augment().Erase(1), new Augment().Shift(1) })
        {
            var expected = new float[image.Length];
            augment.Apply(image, expected, shape, 1, 0, 7);
            float[] inPlace = (float[])image.Clone();

            augment.Apply(inPlace, shape, 1, 0, 7);

            Assert.Equal(expected, inPlace);
        }
    }

    [Fact]
    public void Large_images_whose_scratch_is_on_the_heap_augment_as_small_ones_do()
    {
        // 3 x 64 x 64 needs more scratch than the stack holds; the heap scratch must give the reference's pixels too.
        const int channels = 3, size = 64;
        float[] image = DistinctImage(channels, size, size, seed: 6);
        var augment = new Augment().Rotate(20).Elastic(4, 3);
        var output = new float[image.Length];
        augment.Apply(image, output, [channels, size, size], 3, 1, 2);

        var shape = Augment.ImageShape.Of([channels, size, size]);
        var fieldX = new float[size * size];
        var fieldY = new float[size * size];
        augment.DrawElasticField(fieldX, fieldY, new float[4 * size * size], shape, 3, 1, 2);
        var expected = new float[image.Length];
        Augment.Resample(image, expected, shape, augment.DrawGeometry(3, 1, 2), fieldX, fieldY, 0);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void Augmenting_allocates_nothing_once_warm()
    {
        foreach (int[] shape in new[] { new[] { 1, 28, 28 }, new[] { 3, 64, 64 } })
        {
            float[] image = DistinctImage(shape[0], shape[1], shape[2], seed: 7);
            var output = new float[image.Length];
            for (int i = 0; i < 50; i++) // warm-up over the same draws: JIT, every branch's first run, the thread's scratch
            {
                Everything.Apply(image, output, shape, 1, 0, i);
                Everything.Apply(output, shape, 1, 1, i);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                Everything.Apply(image, output, shape, 1, 0, i);
                Everything.Apply(output, shape, 1, 1, i);
            }
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, bytes);
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("shift=2")]
    [InlineData("shift=2,rotate=10,scale=0.1")]
    [InlineData("rotate=12.5,elastic=34:4,erase=0.5:0.02:0.33:0.3,fill=-0.42421296")]
    public void A_recipe_reads_back_from_its_text(string text)
    {
        var recipe = Augment.Parse(text);

        Assert.Equal(text, recipe.ToString());
        Assert.Equal(recipe, Augment.Parse(recipe.ToString()));
    }

    [Fact]
    public void A_recipe_takes_defaults_for_the_values_left_out_and_ignores_order_and_spaces()
    {
        Assert.Equal(new Augment().Shift(2).Rotate(10).Elastic().Erase(), Augment.Parse(" rotate=10 , elastic=34, erase=0.5,shift=2"));
        Assert.Equal("shift=2,rotate=10,elastic=34:4,erase=0.5:0.02:0.33:0.3", Augment.Parse("erase=0.5,elastic=34,rotate=10,shift=2").ToString());
        Assert.True(Augment.Parse("none").IsIdentity);
    }

    [Theory]
    [InlineData("", "The augmentation recipe is empty")]
    [InlineData("shift", "'shift' is not name=value")]
    [InlineData("shift=2,rotat=10", "unknown transform 'rotat'; the transforms are shift, rotate, scale, elastic, erase, fill.")]
    [InlineData("shift=1,shift=2", "'shift' is given twice")]
    [InlineData("shift=1.5", "'shift=1.5': the shift is a whole number of pixels")]
    [InlineData("rotate=200", "'rotate=200': Augment.Rotate: the largest angle must be from 0 to 180 degrees.")]
    [InlineData("scale=1", "'scale=1': Augment.Scale: the largest change of size must be at least 0 and below 1")]
    [InlineData("erase=0.5:0.3:0.1", "'erase=0.5:0.3:0.1': Augment.Erase: the largest area must be from the smallest (0.3) to 1.")]
    [InlineData("elastic=34:4:1", "'elastic=34:4:1' has 3 values; write elastic=alpha[:sigma].")]
    [InlineData("rotate=ten", "'rotate=ten': 'ten' is not a number.")]
    public void A_bad_recipe_names_the_part_that_is_wrong(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => Augment.Parse(text));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        // One sentence for a command line: not the "(Parameter 'degrees')" and actual value that .NET appends.
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Out_of_range_settings_are_refused_with_the_transform_named()
    {
        Assert.Contains("Augment.Shift", Assert.Throws<ArgumentOutOfRangeException>(() => new Augment().Shift(-1)).Message, StringComparison.Ordinal);
        Assert.Contains("Augment.Rotate", Assert.Throws<ArgumentOutOfRangeException>(() => new Augment().Rotate(double.NaN)).Message, StringComparison.Ordinal);
        Assert.Contains("Augment.Scale", Assert.Throws<ArgumentOutOfRangeException>(() => new Augment().Scale(-0.1)).Message, StringComparison.Ordinal);
        Assert.Contains("sigma", Assert.Throws<ArgumentOutOfRangeException>(() => new Augment().Elastic(34, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("probability", Assert.Throws<ArgumentOutOfRangeException>(() => new Augment().Erase(1.5)).Message, StringComparison.Ordinal);
        Assert.Contains("finite", Assert.Throws<ArgumentOutOfRangeException>(() => new Augment().Fill(float.NaN)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Samples_that_are_not_images_or_spans_of_the_wrong_size_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Everything.Apply(new float[20], new float[20], [20], 1, 0, 0));
        Assert.Contains("images of shape [channels, height, width] or [height, width], but the samples have shape [20]", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => Everything.Apply(new float[20], new float[19], [4, 5], 1, 0, 0));
        Assert.Contains("has 20 floats, but the source has 20 and the destination 19", error.Message, StringComparison.Ordinal);

        var buffer = new float[40];
        error = Assert.Throws<ArgumentException>(() => Everything.Apply(buffer.AsSpan(0, 20), buffer.AsSpan(10, 20), [4, 5], 1, 0, 0));
        Assert.Contains("overlap", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_loader_augments_each_sample_as_Augment_draws_it_for_its_index_and_epoch_and_leaves_the_dataset_alone(bool shuffle)
    {
        const int count = 23;
        var random = new SeededRandom(8);
        var features = Enumerable.Range(0, count * 2 * 36).Select(_ => random.NextFloat()).ToArray();
        var data = new Dataset(features, [2, 6, 6], Enumerable.Range(0, count).Select(i => i % 3).ToArray(), 3);
        float[] original = data.Features.ToArray();
        var loader = new DataLoader(data, batchSize: 5, shuffle: shuffle, seed: 11, augment: Everything);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var visited = new List<int>();
            foreach (var batch in loader.Epoch(epoch))
            {
                for (int i = 0; i < batch.Size; i++)
                {
                    int index = batch.SampleIndices[i];
                    var expected = new float[72];
                    Everything.Apply(data.Sample(index), expected, data.SampleShape, 11, epoch, index);
                    Assert.Equal(expected, batch.Inputs.Slice(i * 72, 72).ToArray());
                    Assert.Equal(index % 3, batch.Labels[i]);
                    visited.Add(index);
                }
            }
            Assert.Equal(Enumerable.Range(0, count), shuffle ? visited.Order() : visited);
        }
        Assert.Equal(original, data.Features.ToArray());
    }

    [Fact]
    public void A_loader_refuses_to_augment_samples_that_are_not_images()
    {
        var error = Assert.Throws<ArgumentException>(() => new DataLoader(new Dataset(new float[60], [6], new int[10], 1), 4, augment: new Augment().Shift(1)));

        Assert.Contains("the samples have shape [6]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recipe_that_changes_nothing_leaves_the_loader_reading_the_dataset_in_place()
    {
        var loader = new DataLoader(DatasetTests.Numbered(10), 4, augment: new Augment().Fill(3));

        Assert.Null(loader.Augment);
    }
}
