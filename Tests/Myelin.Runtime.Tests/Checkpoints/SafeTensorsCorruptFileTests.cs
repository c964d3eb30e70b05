using System.Buffers.Binary;
using System.Text;
using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

public sealed class SafeTensorsCorruptFileTests
{
    /// <summary>A file from a header given as text, with <paramref name="dataLength"/> bytes of data and optionally a false header length.</summary>
    private static byte[] Build(string header, int dataLength, ulong? declaredHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Build(byte[] json, int dataLength)
    {
        var bytes = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private const string A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    public static TheoryData<string, byte[], string> CorruptFiles => new()
    {
        { "shorter than 8 bytes", [1, 2, 3, 4, 5], "5 bytes long, too short for the 8-byte header length" },
        { "empty file", [], "0 bytes long" },
        { "header longer than the file", Build("{}", 0, declaredHeaderLength: 1000), "the header length is 1000 bytes, but only 2 bytes follow the length prefix; the file is truncated" },
        { "absurd header length", Build("{}", 0, declaredHeaderLength: 1UL << 40), "the header length is 1099511627776 bytes, above the 100000000-byte limit" },
        { "header length zero", Build("", 4), "the header length is 0" },
        { "header not an object", Build("[1, 2]", 0), "must start with '{' but its first byte is 0x5B" },
        { "invalid UTF-8", Build([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 0), "not valid UTF-8 (first invalid byte at header offset 2)" },
        { "invalid JSON", Build("{\"a\": }", 0), "the header is not valid JSON" },
        { "unterminated JSON", Build("{\"a\":{\"dtype\":\"F32\"", 0), "the header is not valid JSON" },
        { "data after the JSON object", Build("{} {}", 0), "the header is not valid JSON" },
        { "lone surrogate escape", Build("{\"\\ud800\":{}}", 0), "a key at header offset 1 is not a valid string" },
        { "tensor entry not an object", Build("{\"a\":[1]}", 0), "tensor 'a' is an array instead of an object" },
        { "missing dtype", Build("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "tensor 'a' has no dtype" },
        { "missing shape and offsets", Build("{\"a\":{\"dtype\":\"F32\"}}", 8), "tensor 'a' has no shape, no data_offsets" },
        { "dtype not a string", Build("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "tensor 'a' has a dtype that is a number" },
        { "unknown dtype", Build("{\"a\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "tensor 'a' has the unknown dtype \"F128\"" },
        { "negative dimension", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8), "tensor 'a' has shape[1] = -1, but it must be a non-negative integer" },
        { "string dimension with a lone surrogate", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"\\ud800\"],\"data_offsets\":[0,8]}}", 8), "shape[0] = \"\\ud800\"" },
        { "fractional dimension", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8), "shape[0] = 1.5" },
        { "shape overflow", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "overflows 64 bits" },
        { "three offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", 8), "tensor 'a' has 3 data_offsets, but needs exactly 2" },
        { "reversed offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "data_offsets [8, 0], which end before they begin" },
        { "size not shape times dtype", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "tensor 'a' is F32 with shape [3], so it needs 12 bytes, but its data_offsets [0, 8] span 8" },
        { "offsets beyond the data", Build("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[100,104]}}", 8), "tensor 'b' has data_offsets [100, 104], past the end of the 8 bytes of data" },
        { "overlapping tensors", Build("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "tensor 'b' (bytes [4, 8)) overlaps tensor 'a' (bytes [0, 8))" },
        { "gap between tensors", Build("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16), "the data bytes [8, 12) between tensors 'a' and 'b' belong to no tensor" },
        { "gap before the first tensor", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "the data bytes [0, 4) before tensor 'a' belong to no tensor" },
        { "bytes after the last tensor", Build("{" + A + "}", 12), "the tensors cover 8 bytes of data, but 12 bytes follow the header" },
        { "truncated data", Build("{" + A + "}", 6), "past the end of the 6 bytes of data after the header; the file is truncated" },
        { "duplicate tensor names", Build("{" + A + "," + A + "}", 8), "the header lists tensor 'a' twice" },
        { "duplicate metadata", Build("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "two __metadata__ entries" },
        { "duplicate metadata key", Build("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "metadata key 'k' appears twice" },
        { "metadata value not a string", Build("{\"__metadata__\":{\"epoch\":3}}", 0), "metadata value 'epoch' is a number, but safetensors metadata values must be strings" },
        { "metadata not an object", Build("{\"__metadata__\":\"pt\"}", 0), "__metadata__ must be an object of strings, but it is a string" },
        { "duplicate field in a tensor", Build("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "tensor 'a' has two dtype fields" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void A_corrupt_file_is_an_InvalidDataException_naming_the_file_and_the_problem(string problem, byte[] bytes, string expectedMessage)
    {
        using var directory = new TempDirectory();
        string path = directory.File(problem.Replace(' ', '_') + ".safetensors");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());

        Assert.Contains($"'{path}' is not a valid safetensors file", error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_header_may_be_padded_with_spaces_and_may_carry_unknown_fields()
    {
        using var directory = new TempDirectory();
        string path = directory.File("padded.safetensors");
        byte[] bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"future\":{\"x\":[1,2]}},\"__metadata__\":null}     ", 8);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 8), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 4), -2f);
        File.WriteAllBytes(path, bytes);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([1.5f, -2f], file.ReadFloats("a"));
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Every_truncation_of_a_checkpoint_is_an_InvalidDataException_and_never_another_error()
    {
        using var directory = new TempDirectory();
        string original = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), original);
        byte[] bytes = File.ReadAllBytes(original);
        string path = directory.File("cut.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Random_damage_to_the_header_is_either_harmless_or_an_InvalidDataException()
    {
        using var directory = new TempDirectory();
        string original = directory.File("model.safetensors");
        Checkpoint.Save(FakeNetwork.Standard(1), original);
        byte[] bytes = File.ReadAllBytes(original);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var random = new SeededRandom(2024);
        string path = directory.File("damaged.safetensors");
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] damaged = bytes.ToArray();
            damaged[random.NextInt(headerEnd)] = (byte)random.NextInt(256);
            File.WriteAllBytes(path, damaged);
            try
            {
                using var file = SafeTensorsFile.Open(path);
                foreach (var tensor in file.Tensors) file.ReadFloats(tensor.Name);
            }
            catch (InvalidDataException error)
            {
                Assert.Contains(path, error.Message, StringComparison.Ordinal);
                rejected++;
            }
        }
        // Most single-byte changes break the JSON or a number; some (inside a name or a metadata value) are harmless.
        Assert.InRange(rejected, 100, 300);
    }
}
