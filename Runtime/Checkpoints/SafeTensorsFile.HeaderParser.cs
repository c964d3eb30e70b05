using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Myelin.Checkpoints;

public sealed partial class SafeTensorsFile
{
    /// <summary>
    /// Parses and validates a header with <see cref="Utf8JsonReader"/> (no reflection, so it is AOT and trim safe).
    /// Every failure becomes an <see cref="System.IO.InvalidDataException"/> that names the file and, where there is
    /// one, the tensor.
    /// </summary>
    private static class HeaderParser
    {
        public const string MetadataKey = "__metadata__";

        public static (IReadOnlyList<SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) Parse(
            ReadOnlySpan<byte> header, long dataLength, string path)
        {
            if (header.IsEmpty) throw Corrupt(path, "the header length is 0, so there is no JSON header");
            // The reference implementation requires the JSON to start right away (padding goes at the end only).
            if (header[0] != (byte)'{')
                throw Corrupt(path, $"the header must start with '{{' but its first byte is 0x{header[0]:X2}; the file is corrupt or not a safetensors file");
            if (!Utf8.IsValid(header))
                throw Corrupt(path, $"the header is not valid UTF-8 (first invalid byte at header offset {FirstInvalidUtf8(header)})");

            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
                reader.Read();
                while (Next(ref reader) != JsonTokenType.EndObject)
                {
                    string key = GetString(ref reader, path, "a key");
                    if (!seen.Add(key))
                        throw Corrupt(path, key == MetadataKey ? "the header has two __metadata__ entries" : $"the header lists tensor '{key}' twice");
                    Next(ref reader);
                    if (key == MetadataKey) ReadMetadata(ref reader, metadata, path);
                    else tensors.Add(ReadTensor(ref reader, key, path));
                }
                // Only whitespace (the padding) may follow the root object; Read throws on anything else.
                if (reader.Read()) throw Corrupt(path, $"the header has data after its JSON object at header offset {reader.TokenStartIndex}");
            }
            catch (JsonException e)
            {
                throw Corrupt(path, $"the header is not valid JSON ({e.Message})", e);
            }

            ValidateLayout(tensors, dataLength, path);
            return (tensors, metadata);
        }

        private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
        {
            if (reader.TokenType == JsonTokenType.Null) return;
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Corrupt(path, $"__metadata__ must be an object of strings, but it is {Describe(reader.TokenType)}");
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string key = GetString(ref reader, path, "a metadata key");
                if (Next(ref reader) != JsonTokenType.String)
                    throw Corrupt(path, $"metadata value '{key}' is {Describe(reader.TokenType)}, but safetensors metadata values must be strings");
                if (!metadata.TryAdd(key, GetString(ref reader, path, $"metadata value '{key}'")))
                    throw Corrupt(path, $"metadata key '{key}' appears twice");
            }
        }

        private static SafeTensorInfo ReadTensor(ref Utf8JsonReader reader, string name, string path)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Corrupt(path, $"tensor '{name}' is {Describe(reader.TokenType)} instead of an object with dtype, shape and data_offsets");

            string? dtypeName = null;
            long[]? shape = null;
            long[]? offsets = null;
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string field = GetString(ref reader, path, $"a field name of tensor '{name}'");
                Next(ref reader);
                switch (field)
                {
                    case "dtype":
                        if (dtypeName is not null) throw Corrupt(path, $"tensor '{name}' has two dtype fields");
                        if (reader.TokenType != JsonTokenType.String)
                            throw Corrupt(path, $"tensor '{name}' has a dtype that is {Describe(reader.TokenType)} instead of a string such as \"F32\"");
                        dtypeName = GetString(ref reader, path, $"the dtype of tensor '{name}'");
                        break;
                    case "shape":
                        if (shape is not null) throw Corrupt(path, $"tensor '{name}' has two shape fields");
                        shape = ReadIntegers(ref reader, name, "shape", path);
                        break;
                    case "data_offsets":
                        if (offsets is not null) throw Corrupt(path, $"tensor '{name}' has two data_offsets fields");
                        offsets = ReadIntegers(ref reader, name, "data_offsets", path);
                        if (offsets.Length != 2)
                            throw Corrupt(path, $"tensor '{name}' has {offsets.Length} data_offsets, but needs exactly 2: [begin, end]");
                        break;
                    default:
                        // Unknown fields are ignored, as the reference implementation does, for forward compatibility.
                        reader.Skip();
                        break;
                }
            }

            var absent = new List<string>(3);
            if (dtypeName is null) absent.Add("dtype");
            if (shape is null) absent.Add("shape");
            if (offsets is null) absent.Add("data_offsets");
            if (absent.Count > 0) throw Corrupt(path, $"tensor '{name}' has no {string.Join(", no ", absent)}");

            if (!SafeTensorsDTypes.TryParse(dtypeName, out var dtype))
            {
                var known = new List<string>();
                foreach (var candidate in SafeTensorsDTypes.All) known.Add(candidate.SpecName());
                throw Corrupt(path, $"tensor '{name}' has the unknown dtype \"{dtypeName}\"; known dtypes are {string.Join(", ", known)}");
            }

            long begin = offsets![0], end = offsets[1];
            if (begin > end) throw Corrupt(path, $"tensor '{name}' has data_offsets [{begin}, {end}], which end before they begin");
            long expectedBytes;
            try
            {
                long elements = 1;
                foreach (long dimension in shape!) elements = checked(elements * dimension);
                expectedBytes = checked(elements * dtype.ElementSize());
            }
            catch (OverflowException)
            {
                throw Corrupt(path, $"tensor '{name}' has shape {SafeTensorInfo.FormatShape(shape!)}, whose size overflows 64 bits");
            }
            if (end - begin != expectedBytes)
                throw Corrupt(path, $"tensor '{name}' is {dtype.SpecName()} with shape {SafeTensorInfo.FormatShape(shape)}, so it needs {expectedBytes} bytes, but its data_offsets [{begin}, {end}] span {end - begin}");
            return new SafeTensorInfo(name, dtype, shape, begin, end);
        }

        private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, string path)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw Corrupt(path, $"tensor '{name}' has a {field} that is {Describe(reader.TokenType)} instead of an array of integers");
            var values = new List<long>();
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                    throw Corrupt(path, $"tensor '{name}' has {field}[{values.Count}] = {Token(ref reader)}, but it must be a non-negative integer");
                values.Add(value);
            }
            return values.ToArray();
        }

        /// <summary>
        /// Tensors must tile the data buffer: sorted by offset, each begins where the previous ends, the first at 0 and
        /// the last at the end of the file.
        /// </summary>
        private static void ValidateLayout(List<SafeTensorInfo> tensors, long dataLength, string path)
        {
            foreach (var tensor in tensors)
            {
                if (tensor.DataEnd > dataLength)
                    throw Corrupt(path, $"tensor '{tensor.Name}' has data_offsets [{tensor.DataBegin}, {tensor.DataEnd}], past the end of the {dataLength} bytes of data after the header; the file is truncated or the offsets are wrong");
            }

            var sorted = tensors.ToArray();
            Array.Sort(sorted, static (a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
            long covered = 0;
            SafeTensorInfo? previous = null;
            foreach (var tensor in sorted)
            {
                if (tensor.DataBegin < covered)
                    throw Corrupt(path, $"tensor '{tensor.Name}' (bytes [{tensor.DataBegin}, {tensor.DataEnd})) overlaps tensor '{previous!.Name}' (bytes [{previous.DataBegin}, {previous.DataEnd}))");
                if (tensor.DataBegin > covered)
                    throw Corrupt(path, previous is null
                        ? $"the data bytes [0, {tensor.DataBegin}) before tensor '{tensor.Name}' belong to no tensor"
                        : $"the data bytes [{covered}, {tensor.DataBegin}) between tensors '{previous.Name}' and '{tensor.Name}' belong to no tensor");
                covered = tensor.DataEnd;
                previous = tensor;
            }
            if (covered != dataLength)
                throw Corrupt(path, $"the tensors cover {covered} bytes of data, but {dataLength} bytes follow the header; the last {dataLength - covered} belong to no tensor");
        }

        /// <summary>Reads the next token; a header that ends early has already made the reader throw.</summary>
        private static JsonTokenType Next(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType;
        }

        private static string GetString(ref Utf8JsonReader reader, string path, string what)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException e)
            {
                // GetString rejects escapes that decode to lone UTF-16 surrogates.
                throw Corrupt(path, $"{what} at header offset {reader.TokenStartIndex} is not a valid string ({e.Message})", e);
            }
        }

        private static string Token(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null =>
                Encoding.UTF8.GetString(reader.ValueSpan),
            // The raw (still escaped) text: decoding could fail on the very string being reported.
            JsonTokenType.String => "\"" + Encoding.UTF8.GetString(reader.ValueSpan) + "\"",
            var other => Describe(other),
        };

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            _ => token.ToString(),
        };

        private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
        {
            int index = 0;
            while (index < bytes.Length)
            {
                if (Rune.DecodeFromUtf8(bytes[index..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return index;
                index += consumed;
            }
            return -1;
        }
    }
}
