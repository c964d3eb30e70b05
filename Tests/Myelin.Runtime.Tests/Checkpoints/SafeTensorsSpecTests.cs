using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>Interoperability with the format as specified, checked without going through our own reader or writer.</summary>
public sealed class SafeTensorsSpecTests
{
    [Fact]
    public void A_file_written_byte_by_byte_from_the_spec_loads_into_the_network_with_the_right_values()
    {
        // Laid out as the Python reference lays out a state_dict: the 8-byte counter first, then the F32 tensors in a
        // different order than the network's table, and a header that is not padded. Offsets are computed by hand:
        // counter 8 bytes, dense.weight 12 floats, then five 3-float tensors (12 bytes each).
        // The line breaks are JSON whitespace, which the format allows anywhere in the header.
        const string header = """
            {"__metadata__":{"format":"pt"},
            "bn1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},
            "dense.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[8,56]},
            "bn1.running_var":{"dtype":"F32","shape":[3],"data_offsets":[56,68]},
            "dense.bias":{"dtype":"F32","shape":[3],"data_offsets":[68,80]},
            "bn1.weight":{"dtype":"F32","shape":[3],"data_offsets":[80,92]},
            "bn1.bias":{"dtype":"F32","shape":[3],"data_offsets":[92,104]},
            "bn1.running_mean":{"dtype":"F32","shape":[3],"data_offsets":[104,116]}}
            """;
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 116];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var data = bytes.AsSpan(8 + json.Length);
        BinaryPrimitives.WriteInt64LittleEndian(data, 1234);
        // Element k of the F32 area holds 0.5 * k - 10, so every value identifies its own position.
        for (int k = 0; k < 27; k++) BinaryPrimitives.WriteSingleLittleEndian(data[(8 + 4 * k)..], 0.5f * k - 10);

        using var directory = new TempDirectory();
        string path = directory.File("handmade.safetensors");
        File.WriteAllBytes(path, bytes);
        var network = FakeNetwork.Standard(seed: 1);
        var result = Checkpoint.Load(network, path);

        float[] Expected(int firstElement, int count) => Enumerable.Range(firstElement, count).Select(k => 0.5f * k - 10).ToArray();
        Assert.Equal(Expected(0, 12), network.Values("dense.weight"));
        Assert.Equal(Expected(12, 3), network.Values("bn1.running_var"));
        Assert.Equal(Expected(15, 3), network.Values("dense.bias"));
        Assert.Equal(Expected(18, 3), network.Values("bn1.weight"));
        Assert.Equal(Expected(21, 3), network.Values("bn1.bias"));
        Assert.Equal(Expected(24, 3), network.Values("bn1.running_mean"));
        Assert.Equal([1234f], network.Values("bn1.num_batches_tracked"));
        Assert.Equal("pt", Assert.Single(result.Metadata).Value);
    }

    [Fact]
    public void A_saved_file_is_read_value_by_value_by_an_independent_minimal_reader()
    {
        using var directory = new TempDirectory();
        var network = FakeNetwork.Standard(seed: 21, counter: 77);
        string path = directory.File("model.safetensors");
        Checkpoint.Save(network, path, new Dictionary<string, string> { ["run"] = "a" });

        // A reader written from the spec alone: u64 length, JSON via JsonDocument, offsets relative to the data start.
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int dataStart = 8 + (int)headerLength;
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var seen = new List<string>();
        long coveredBytes = 0;
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                Assert.Equal("pt", entry.Value.GetProperty("format").GetString());
                Assert.Equal("a", entry.Value.GetProperty("run").GetString());
                continue;
            }
            seen.Add(entry.Name);
            var tensor = network.Find(entry.Name);
            int begin = entry.Value.GetProperty("data_offsets")[0].GetInt32();
            int end = entry.Value.GetProperty("data_offsets")[1].GetInt32();
            int[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            string dtype = entry.Value.GetProperty("dtype").GetString()!;
            coveredBytes += end - begin;
            if (tensor.Kind == TensorKind.Counter)
            {
                Assert.Equal("I64", dtype);
                Assert.Empty(shape);
                Assert.Equal(8, end - begin);
                Assert.Equal(77L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(dataStart + begin)));
                continue;
            }
            Assert.Equal("F32", dtype);
            Assert.Equal(tensor.Shape, shape);
            Assert.Equal(4 * tensor.Length, end - begin);
            float[] expected = network.Values(entry.Name);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + begin + 4 * i)));
        }
        Assert.Equal(network.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(bytes.Length - dataStart, coveredBytes);
    }

    [Fact]
    public void The_header_is_space_padded_to_8_bytes_and_each_tensor_starts_at_a_multiple_of_its_element_size()
    {
        using var directory = new TempDirectory();
        var writer = new SafeTensorsWriter()
            .Add("one_byte", SafeTensorsDType.U8, [3], [1, 2, 3])
            .AddFloats("floats", [1f, 2f, 3f], [3])
            .Add("halves", SafeTensorsDType.F16, [1], [0, 0x3C])
            .AddInt64s("long", [5], [])
            .AddMetadata("z", "last")
            .AddMetadata("a", "first");
        string path = directory.File("mixed.safetensors");
        writer.Save(path);

        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        string headerText = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"a\":\"first\",\"z\":\"last\"}", headerText, StringComparison.Ordinal);
        Assert.Equal(headerText.TrimEnd(' ').Length, headerText.LastIndexOf('}') + 1);

        using var file = SafeTensorsFile.Open(path);
        // Widest elements first, then insertion order: the reference implementation's alignment order.
        Assert.Equal(["long", "floats", "halves", "one_byte"], file.Tensors.Select(t => t.Name));
        Assert.All(file.Tensors, t => Assert.Equal(0, t.DataBegin % t.DType.ElementSize()));
        Assert.Equal([1f, 2f, 3f], file.ReadFloats("floats"));
        Assert.Equal([1f], file.ReadFloats("halves"));
    }

    [Fact]
    public void Every_dtype_is_decoded_to_the_value_its_bits_encode()
    {
        // Each expected value is computed here from the IEEE-style formula or the integer's definition, not by the
        // conversion under test: sign * 2^(e - bias) * (1 + m / 2^bits), subnormals 2^(1 - bias) * m / 2^bits.
        static double Float(int sign, int exponent, int mantissa, int bias, int mantissaBits) => (sign == 0 ? 1 : -1)
            * (exponent == 0 ? Math.Pow(2, 1 - bias) * mantissa / (1 << mantissaBits) : Math.Pow(2, exponent - bias) * (1 + (double)mantissa / (1 << mantissaBits)));

        var cases = new (SafeTensorsDType DType, byte[] Bytes, double[] Expected)[]
        {
            (SafeTensorsDType.Bool, [0, 1, 7], [0, 1, 1]),
            (SafeTensorsDType.U8, [0, 200, 255], [0, 200, 255]),
            (SafeTensorsDType.I8, [0x80, 0xFF, 0x7F], [-128, -1, 127]),
            (SafeTensorsDType.I16, [0x00, 0x80, 0xFE, 0xFF], [-32768, -2]),
            (SafeTensorsDType.U16, [0xFF, 0xFF, 0x01, 0x00], [65535, 1]),
            (SafeTensorsDType.I32, [0x00, 0x00, 0x00, 0x80, 0x39, 0x30, 0, 0], [int.MinValue, 12345]),
            (SafeTensorsDType.U32, [0xFF, 0xFF, 0xFF, 0xFF], [uint.MaxValue]),
            (SafeTensorsDType.I64, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [-2]),
            (SafeTensorsDType.U64, [0, 0, 0, 0, 0, 0, 0, 0x80], [Math.Pow(2, 63)]),
            // F16 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504 (max), 0x0001 = 2^-24 (smallest subnormal).
            (SafeTensorsDType.F16, [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00],
                [Float(0, 15, 0, 15, 10), Float(1, 16, 0, 15, 10), Float(0, 30, 1023, 15, 10), Float(0, 0, 1, 15, 10)]),
            // BF16 0x3FC0 = 1.5, 0xC2F7 = -123.5.
            (SafeTensorsDType.BF16, [0xC0, 0x3F, 0xF7, 0xC2], [Float(0, 127, 64, 127, 7), Float(1, 133, 0x77, 127, 7)]),
            // E4M3: 0x38 = 1, 0x7E = 448 (max), 0x01 = 2^-9 (smallest subnormal), 0xB4 = -0.75.
            // 0x7F (all exponent and mantissa bits set) is e4m3fn's NaN; the format has no infinities.
            (SafeTensorsDType.F8E4M3, [0x38, 0x7E, 0x01, 0xB4, 0x7F],
                [Float(0, 7, 0, 7, 3), Float(0, 15, 6, 7, 3), Float(0, 0, 1, 7, 3), Float(1, 6, 4, 7, 3), double.NaN]),
            // E5M2: 0x3C = 1, 0x7B = 57344 (max), 0x01 = 2^-16.
            (SafeTensorsDType.F8E5M2, [0x3C, 0x7B, 0x01], [Float(0, 15, 0, 15, 2), Float(0, 30, 3, 15, 2), Float(0, 0, 1, 15, 2)]),
            (SafeTensorsDType.F64, BitConverter.GetBytes(0.1), [(float)0.1]),
        };

        using var directory = new TempDirectory();
        var writer = new SafeTensorsWriter();
        foreach (var (dtype, bytes, expected) in cases) writer.Add(dtype.SpecName(), dtype, [expected.Length], bytes);
        string path = directory.File("dtypes.safetensors");
        writer.Save(path);

        using var file = SafeTensorsFile.Open(path);
        foreach (var (dtype, _, expected) in cases)
        {
            float[] actual = file.ReadFloats(dtype.SpecName());
            Assert.Equal(dtype, file.GetTensor(dtype.SpecName()).DType);
            // Every expected value is a float exactly (NaN compares equal to NaN here), except F64's 0.1, which is rounded once to the nearest float.
            Assert.Equal(expected.Select(v => (float)v), actual);
        }
    }

    [Fact]
    public void Empty_tensors_and_a_file_with_only_metadata_are_valid()
    {
        using var directory = new TempDirectory();
        string empty = directory.File("empty.safetensors");
        new SafeTensorsWriter().AddMetadata("k", "v").Save(empty);
        using (var file = SafeTensorsFile.Open(empty))
        {
            Assert.Empty(file.Tensors);
            Assert.Equal(0, file.DataLength);
            Assert.Equal("v", file.Metadata["k"]);
        }

        string zeroSized = directory.File("zero.safetensors");
        new SafeTensorsWriter().AddFloats("none", [], [0, 3]).AddFloats("also_none", [], [2, 0]).AddFloats("x", [4f], [1]).Save(zeroSized);
        using (var file = SafeTensorsFile.Open(zeroSized))
        {
            Assert.Equal([0L, 3L], file.GetTensor("none").Shape);
            Assert.Empty(file.ReadFloats("none"));
            Assert.Equal([4f], file.ReadFloats("x"));
        }
    }

    [Fact]
    public void The_writer_rejects_a_repeated_name_a_negative_dimension_and_data_that_does_not_fit_the_shape()
    {
        var writer = new SafeTensorsWriter().AddFloats("w", [1f, 2f], [2]);
        Assert.Contains("'w' was already added", Assert.Throws<ArgumentException>(() => writer.AddFloats("w", [1f], [1])).Message, StringComparison.Ordinal);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => writer.AddFloats("n", [], [-1])).Message, StringComparison.Ordinal);
        var error = Assert.Throws<ArgumentException>(() => writer.AddFloats("b", [1f, 2f, 3f], [2, 2]));
        Assert.Contains("Tensor 'b': F32 with shape [2, 2] needs 16 bytes (4 elements), but 12 bytes were given.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => writer.AddFloats("__metadata__", [1f], [1]));
        Assert.Throws<ArgumentException>(() => writer.AddMetadata("bad", "lone \ud800 surrogate"));
        Assert.Equal(1, writer.Count);
    }
}
