using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Myelin.Data;

namespace Myelin.Tests.Data;

/// <summary>Loads the bundled digits once for every test in <see cref="MnistTests"/>.</summary>
public sealed class BundledMnistFixture
{
    public BundledMnistFixture()
    {
        Directory = Mnist.FindBundledDirectory();
        All = Mnist.LoadBundled(Directory);
    }

    public string Directory { get; }

    public Dataset All { get; }
}

public sealed class MnistTests(BundledMnistFixture bundled) : IClassFixture<BundledMnistFixture>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_bundled_files_are_found_next_to_the_tests()
    {
        // The test project copies the .gz files to data/mnist in its output folder.
        Assert.Equal(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "data", "mnist")), bundled.Directory);
    }

    [Fact]
    public void The_bundled_files_hold_ten_thousand_digits_of_shape_1_28_28_in_ten_classes()
    {
        Dataset all = bundled.All;

        Assert.Equal(Mnist.BundledCount, all.Count);
        Assert.Equal([1, 28, 28], all.SampleShape);
        Assert.Equal(784, all.SampleSize);
        Assert.Equal(10, all.ClassCount);
        Assert.True(all.HasLabels);
    }

    [Fact]
    public void Every_digit_has_between_800_and_1200_samples()
    {
        int[] counts = new int[10];
        foreach (int label in bundled.All.Labels) counts[label]++;

        Assert.All(counts, count => Assert.InRange(count, 800, 1200));
        Assert.Equal(10_000, counts.Sum());
        Assert.Equal(counts, bundled.All.ClassCounts());
    }

    [Fact]
    public void Pixels_are_scaled_to_the_unit_interval_and_use_its_whole_range()
    {
        ReadOnlySpan<float> pixels = bundled.All.Features;
        float min = float.MaxValue, max = float.MinValue;
        int inked = 0;
        foreach (float p in pixels)
        {
            min = Math.Min(min, p);
            max = Math.Max(max, p);
            if (p > 0) inked++;
        }

        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
        // MNIST digits cover roughly a fifth of the image; a wrong conversion (all zero, all ink) would not.
        Assert.InRange(inked / (double)pixels.Length, 0.10, 0.30);
    }

    [Fact]
    public void Pixels_are_the_stored_bytes_divided_by_255()
    {
        IdxArray images = IdxReader.Read(Path.Combine(bundled.Directory, Mnist.BundledImagesFile));
        ReadOnlySpan<byte> bytes = images.AsSpan<byte>();
        ReadOnlySpan<float> pixels = bundled.All.Features;

        Assert.Equal(bytes.Length, pixels.Length);
        for (int i = 0; i < bytes.Length; i += 97) Assert.Equal(bytes[i] / 255f, pixels[i]);
    }

    [Fact]
    public void The_decompressed_bundled_files_match_the_documented_checksums()
    {
        // SHA256SUMS sits next to the .gz files in Samples/Data/mnist and lists the decompressed IDX files too.
        string sums = File.ReadAllText(Path.Combine(RepositoryMnistFolder(), "SHA256SUMS"));
        foreach (string name in new[] { "mnist-10k-images-idx3-ubyte", "mnist-10k-labels-idx1-ubyte" })
        {
            using var gzip = new GZipStream(File.OpenRead(Path.Combine(bundled.Directory, name + ".gz")), CompressionMode.Decompress);
            string hash = Convert.ToHexString(SHA256.HashData(gzip)).ToLowerInvariant();
            Assert.Contains($"{hash}  {name}\n", sums);
        }
    }

    [Fact]
    public void The_bundled_files_interleave_the_digits_as_the_README_documents()
    {
        // The converter orders samples by their relative position within their digit, so the first ten are one of
        // each digit, smallest relative position first (the digit with the most samples goes first).
        Assert.Equal(new[] { 1, 7, 3, 6, 0, 2, 4, 9, 8, 5, 1, 7, 3, 6, 0, 2, 4, 9, 8, 5 }, bundled.All.Labels[..20].ToArray());
    }

    [Fact]
    public void The_bundled_split_is_the_first_8000_and_the_last_2000_samples()
    {
        var (train, test) = Mnist.SplitBundled(bundled.All);

        Assert.Equal(8_000, train.Count);
        Assert.Equal(2_000, test.Count);
        Assert.Equal(bundled.All.Features[..(8_000 * 784)], train.Features);
        Assert.Equal(bundled.All.Features[(8_000 * 784)..], test.Features);
        Assert.Equal(bundled.All.Labels[..8_000], train.Labels);
        Assert.Equal(bundled.All.Labels[8_000..], test.Labels);
    }

    [Fact]
    public void The_bundled_split_is_the_same_on_a_fresh_load()
    {
        var (train, test) = Mnist.SplitBundled(bundled.All);
        var (train2, test2) = Mnist.SplitBundled(Mnist.LoadBundled());

        Assert.Equal(train.Labels, train2.Labels);
        Assert.Equal(test.Labels, test2.Labels);
        Assert.Equal(train.Features, train2.Features);
        Assert.Equal(test.Features, test2.Features);
    }

    [Fact]
    public void Both_halves_of_the_bundled_split_have_every_digit_in_proportion()
    {
        var (train, test) = Mnist.SplitBundled(bundled.All);
        int[] all = bundled.All.ClassCounts();
        int[] trainCounts = train.ClassCounts();
        int[] testCounts = test.ClassCounts();

        for (int digit = 0; digit < 10; digit++)
        {
            // The files interleave the digits, so each half holds its share of every digit to within a sample or two.
            Assert.InRange(trainCounts[digit], 0.8 * all[digit] - 2, 0.8 * all[digit] + 2);
            Assert.Equal(all[digit], trainCounts[digit] + testCounts[digit]);
        }
        // The counts the README documents.
        Assert.Equal([801, 902, 793, 826, 784, 690, 811, 856, 755, 782], trainCounts);
        Assert.Equal([200, 225, 198, 206, 196, 173, 203, 214, 189, 196], testCounts);
    }

    [Fact]
    public void SplitBundled_rejects_a_dataset_that_is_not_the_bundled_one()
    {
        Dataset part = bundled.All.Slice(0, 100);

        var error = Assert.Throws<ArgumentException>(() => Mnist.SplitBundled(part));

        Assert.Contains("10000 bundled digits", error.Message);
        Assert.Contains("100 samples", error.Message);
    }

    [Fact]
    public void Load_reads_official_style_files_written_in_the_test()
    {
        byte[] pixels = Enumerable.Range(0, 2 * 784).Select(i => (byte)(i % 256)).ToArray();
        string images = _temp.Write("train-images-idx3-ubyte", Idx(0x0803, [2, 28, 28], pixels));
        string labels = _temp.Write("train-labels-idx1-ubyte.gz", GzipBytes(Idx(0x0801, [2], [7, 0])));

        Dataset data = Mnist.Load(images, labels);

        Assert.Equal(2, data.Count);
        Assert.Equal([7, 0], data.Labels.ToArray());
        Assert.Equal(1f, data.Sample(0)[255]);                 // byte 255
        Assert.Equal(16 / 255f, data.Sample(1)[0]);           // byte 784 % 256 = 16
    }

    [Fact]
    public void Load_rejects_images_that_are_not_28_by_28_naming_the_file()
    {
        string images = _temp.Write("images.idx", Idx(0x0803, [1, 28, 27], new byte[28 * 27]));
        string labels = _temp.Write("labels.idx", Idx(0x0801, [1], [3]));

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));

        Assert.Contains(images, error.Message);
        Assert.Contains("[1, 28, 27]", error.Message);
        Assert.Contains("[n, 28, 28]", error.Message);
    }

    [Fact]
    public void Load_rejects_label_files_with_another_element_type_naming_the_file()
    {
        string images = _temp.Write("images.idx", Idx(0x0803, [1, 28, 28], new byte[784]));
        string labels = _temp.Write("labels.idx", Idx(0x0C01, [1], [0, 0, 0, 3]));

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));

        Assert.Contains(labels, error.Message);
        Assert.Contains("Int32", error.Message);
    }

    [Fact]
    public void Load_rejects_a_label_count_that_differs_from_the_image_count()
    {
        string images = _temp.Write("images.idx", Idx(0x0803, [2, 28, 28], new byte[2 * 784]));
        string labels = _temp.Write("labels.idx", Idx(0x0801, [3], [1, 2, 3]));

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));

        Assert.Contains(labels, error.Message);
        Assert.Contains(images, error.Message);
        Assert.Contains("3 labels", error.Message);
        Assert.Contains("2 images", error.Message);
    }

    [Fact]
    public void Load_rejects_labels_above_nine_naming_the_file_and_index()
    {
        string images = _temp.Write("images.idx", Idx(0x0803, [2, 28, 28], new byte[2 * 784]));
        string labels = _temp.Write("labels.idx", Idx(0x0801, [2], [4, 10]));

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));

        Assert.Contains(labels, error.Message);
        Assert.Contains("label 10 at index 1", error.Message);
    }

    [Fact]
    public void LoadBundled_names_the_missing_file()
    {
        var error = Assert.Throws<FileNotFoundException>(() => Mnist.LoadBundled(_temp.Path));

        Assert.Contains(Path.Combine(_temp.Path, Mnist.BundledImagesFile), error.Message);
    }

    [Fact]
    public void FindBundledDirectory_walks_up_to_a_Samples_Data_mnist_folder()
    {
        string folder = Path.Combine(_temp.Path, "Samples", "Data", "mnist");
        _temp.Write(Path.Combine("Samples", "Data", "mnist", Mnist.BundledImagesFile), []);
        _temp.Write(Path.Combine("Samples", "Data", "mnist", Mnist.BundledLabelsFile), []);
        string app = Path.Combine(_temp.Path, "Samples", "Mlp", "bin", "Release", "net10.0");
        Directory.CreateDirectory(app);

        Assert.Equal(folder, Mnist.FindBundledDirectory(app, Path.GetTempPath()));
    }

    [Fact]
    public void FindBundledDirectory_lists_every_folder_it_tried_when_nothing_is_found()
    {
        string app = Path.Combine(_temp.Path, "app");
        string current = Path.Combine(_temp.Path, "work");
        Directory.CreateDirectory(app);
        Directory.CreateDirectory(current);

        var error = Assert.Throws<DirectoryNotFoundException>(() => Mnist.FindBundledDirectory(app, current));

        Assert.Contains(Path.Combine(app, "data", "mnist"), error.Message);
        Assert.Contains(Path.Combine(app, "Data", "mnist"), error.Message);
        Assert.Contains(Path.Combine(app, "Samples", "Data", "mnist"), error.Message);
        Assert.Contains(Path.Combine(_temp.Path, "Samples", "Data", "mnist"), error.Message);
        Assert.Contains(Path.Combine(current, "Samples", "Data", "mnist"), error.Message);
        Assert.Contains(Mnist.BundledImagesFile, error.Message);
    }

    /// <summary>An IDX file: the magic number, big-endian dimensions, then <paramref name="data"/>.</summary>
    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var file = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, magic);
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(file, 4 + 4 * dimensions.Length);
        return file;
    }

    private static byte[] GzipBytes(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest)) gzip.Write(raw);
        return memory.ToArray();
    }

    private static string RepositoryMnistFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "Samples", "Data", "mnist");
            if (File.Exists(Path.Combine(candidate, "SHA256SUMS"))) return candidate;
        }
        throw new DirectoryNotFoundException($"No Samples/Data/mnist/SHA256SUMS above {AppContext.BaseDirectory}.");
    }
}
