using System;
using System.Globalization;
using System.IO;
using System.Text;
using BenchmarkDotNet.Attributes;
using Myelin.Data;
using nietras.SeparatedValues;

namespace Myelin.Benchmarks;

/// <summary>
/// Myelin's CSV loader against Sep alone, on 1,000,000 rows of 30 float features and a class label (about 290 MB),
/// written once to a temporary file by the setup. <see cref="SepFloor"/> is the floor: Sep parsing every field into a
/// preallocated array with no checks. <see cref="MyelinCsvLoad"/> is <see cref="Csv.Load(string, CsvColumn, CsvOptions?)"/>:
/// Sep's tokenising plus header detection, per-field checks that keep the line and column for errors (thousands
/// separators refused, NaN and infinities reported), label interning, and the dataset's own finiteness check.
/// </summary>
/// <remarks>Run with <c>--filter '*Csv*' --job short</c>; the file is deleted by the cleanup.</remarks>
[MemoryDiagnoser]
public class CsvBenchmarks
{
    private const int Rows = 1_000_000;
    private const int Features = 30;
    private string _path = "";

    /// <summary>Writes the CSV file: a header, then rows of 30 numbers in [-100, 100) with 7 significant digits and a label 0, 1 or 2.</summary>
    [GlobalSetup]
    public void WriteFile()
    {
        _path = Path.Combine(Path.GetTempPath(), $"myelin-csv-benchmark-{Environment.ProcessId}.csv");
        var random = new SeededRandom(1);
        using var writer = new StreamWriter(_path, append: false, new UTF8Encoding(false), bufferSize: 1 << 20);
        var line = new StringBuilder();
        for (int f = 0; f < Features; f++) line.Append('f').Append(f).Append(',');
        writer.WriteLine(line.Append("label"));
        for (int r = 0; r < Rows; r++)
        {
            line.Clear();
            for (int f = 0; f < Features; f++)
                line.Append((random.NextDouble() * 200 - 100).ToString("G7", CultureInfo.InvariantCulture)).Append(',');
            writer.WriteLine(line.Append(r % 3));
        }
    }

    /// <summary>Deletes the file.</summary>
    [GlobalCleanup]
    public void DeleteFile() => File.Delete(_path);

    /// <summary>Sep alone: every field parsed with its csFastFloat path into a preallocated array.</summary>
    [Benchmark(Baseline = true)]
    public float[] SepFloor()
    {
        var features = new float[Rows * Features];
        int row = 0;
        using var reader = Sep.New(',').Reader().FromFile(_path);
        foreach (var current in reader)
        {
            for (int f = 0; f < Features; f++) features[row * Features + f] = current[f].Parse<float>();
            row++;
        }
        return features;
    }

    /// <summary>Myelin's loader, returning a checked dataset.</summary>
    [Benchmark]
    public Dataset MyelinCsvLoad() => Csv.Load(_path, "label");
}
