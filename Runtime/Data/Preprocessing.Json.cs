using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Myelin.Data;

public sealed partial class Preprocessing
{
    /// <summary>The version of the JSON layout <see cref="ToJson"/> writes; <see cref="FromJson"/> refuses others.</summary>
    public const int JsonVersion = 1;

    // The JSON keys, one place for writer and reader.
    private const string VersionKey = "version";
    private const string FeatureCountKey = "feature_count";
    private const string FeatureNamesKey = "feature_names";
    private const string ScalingKey = "feature_scaling";
    private const string KindKey = "kind";
    private const string ScopeKey = "scope";
    private const string MeanKey = "mean";
    private const string StdKey = "std";
    private const string MinKey = "min";
    private const string MaxKey = "max";
    private const string LowKey = "low";
    private const string HighKey = "high";
    private const string ClassesKey = "classes";
    private const string TargetScalingKey = "target_scaling";
    private const string StandardizeKind = "standardize";
    private const string MinMaxKind = "min_max";

    /// <summary>
    /// The preprocessing as compact JSON, for a checkpoint's metadata. Floats are written in their shortest
    /// round-trip form, so <see cref="FromJson"/> restores every statistic bit for bit. Written with
    /// <see cref="Utf8JsonWriter"/>, without reflection, so it is Native AOT safe.
    /// </summary>
    /// <example><c>{"version":1,"feature_count":4,"feature_names":["sepal length",...],"feature_scaling":{"kind":"standardize","scope":"PerFeature","mean":[...],"std":[...]},"classes":["setosa","versicolor","virginica"]}</c></example>
    /// <exception cref="NotSupportedException">The feature scaler is neither a <see cref="Normalization"/> nor a <see cref="MinMaxScaling"/>.</exception>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            json.WriteNumber(VersionKey, JsonVersion);
            json.WriteNumber(FeatureCountKey, FeatureCount);
            if (FeatureNames is not null) WriteStrings(json, FeatureNamesKey, FeatureNames);
            switch (Features)
            {
                case null:
                    break;
                case Normalization normalization:
                    json.WriteStartObject(ScalingKey);
                    json.WriteString(KindKey, StandardizeKind);
                    json.WriteString(ScopeKey, normalization.Scope.ToString());
                    WriteFloats(json, MeanKey, normalization.Mean);
                    WriteFloats(json, StdKey, normalization.Std);
                    json.WriteEndObject();
                    break;
                case MinMaxScaling minMax:
                    json.WriteStartObject(ScalingKey);
                    json.WriteString(KindKey, MinMaxKind);
                    WriteFloats(json, MinKey, minMax.Min);
                    WriteFloats(json, MaxKey, minMax.Max);
                    json.WriteNumber(LowKey, minMax.Low);
                    json.WriteNumber(HighKey, minMax.High);
                    json.WriteEndObject();
                    break;
                default:
                    throw new NotSupportedException($"A {Features.GetType().Name} cannot be saved: only Normalization and MinMaxScaling can.");
            }
            if (Classes is not null) WriteStrings(json, ClassesKey, Classes.Classes);
            if (Targets is not null)
            {
                json.WriteStartObject(TargetScalingKey);
                WriteFloats(json, MeanKey, Targets.Mean);
                WriteFloats(json, StdKey, Targets.Std);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where it comes from, for errors, e.g. <c>'iris.safetensors' metadata 'myelin.preprocessing'</c>.</param>
    /// <exception cref="InvalidDataException">The JSON is malformed, of another version, or inconsistent; the message names <paramref name="source"/> and the key.</exception>
    public static Preprocessing FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(source, "is not a JSON object");
            int version = Required(root, VersionKey, source).GetInt32();
            if (version != JsonVersion)
                throw Invalid(source, $"has version {version}; this runtime reads version {JsonVersion}. Load it with a matching Myelin runtime");
            int featureCount = Required(root, FeatureCountKey, source).GetInt32();
            string[]? names = root.TryGetProperty(FeatureNamesKey, out var namesElement) ? ReadStrings(namesElement) : null;
            IFeatureScaler? scaler = root.TryGetProperty(ScalingKey, out var scaling) ? ReadScaler(scaling, source) : null;
            LabelEncoder? classes = root.TryGetProperty(ClassesKey, out var classesElement) ? new LabelEncoder(ReadStrings(classesElement)) : null;
            TargetScaling? targets = null;
            if (root.TryGetProperty(TargetScalingKey, out var targetElement))
                targets = new TargetScaling(ReadFloats(Required(targetElement, MeanKey, source)), ReadFloats(Required(targetElement, StdKey, source)));
            return new Preprocessing(featureCount, names, scaler, classes, targets);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            // JsonElement throws InvalidOperationException for a value of the wrong kind, FormatException for a
            // number that does not fit; the constructors throw ArgumentException for inconsistent parts.
            throw Invalid(source, $"is not a valid preprocessing: {e.Message}", e);
        }
    }

    private static IFeatureScaler ReadScaler(JsonElement scaling, string source)
    {
        string? kind = Required(scaling, KindKey, source).GetString();
        switch (kind)
        {
            case StandardizeKind:
                float[] mean = ReadFloats(Required(scaling, MeanKey, source));
                float[] std = ReadFloats(Required(scaling, StdKey, source));
                string? scope = Required(scaling, ScopeKey, source).GetString();
                return scope switch
                {
                    nameof(NormalizationScope.PerFeature) => Normalization.PerFeature(mean, std),
                    nameof(NormalizationScope.PerChannel) => Normalization.PerChannel(mean, std),
                    nameof(NormalizationScope.Scalar) when mean.Length == 1 && std.Length == 1 => Normalization.Scalar(mean[0], std[0]),
                    _ => throw Invalid(source, $"has the unknown or inconsistent normalization scope '{scope}'"),
                };
            case MinMaxKind:
                return new MinMaxScaling(
                    ReadFloats(Required(scaling, MinKey, source)), ReadFloats(Required(scaling, MaxKey, source)),
                    Required(scaling, LowKey, source).GetSingle(), Required(scaling, HighKey, source).GetSingle());
            default:
                throw Invalid(source, $"has the unknown feature scaling '{kind}' (known: '{StandardizeKind}', '{MinMaxKind}')");
        }
    }

    private static JsonElement Required(JsonElement parent, string key, string source) =>
        parent.TryGetProperty(key, out var value) ? value : throw Invalid(source, $"has no '{key}'");

    private static void WriteStrings(Utf8JsonWriter json, string key, IReadOnlyList<string> values)
    {
        json.WriteStartArray(key);
        foreach (string value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }

    private static void WriteFloats(Utf8JsonWriter json, string key, ReadOnlySpan<float> values)
    {
        json.WriteStartArray(key);
        foreach (float value in values) json.WriteNumberValue(value);
        json.WriteEndArray();
    }

    private static string[] ReadStrings(JsonElement array)
    {
        var values = new string[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray()) values[i++] = item.GetString() ?? throw new FormatException($"element {i - 1} of a name list is null");
        return values;
    }

    private static float[] ReadFloats(JsonElement array)
    {
        var values = new float[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray()) values[i++] = item.GetSingle();
        return values;
    }

    private static InvalidDataException Invalid(string source, string problem, Exception? inner = null) => new($"{source} {problem}.", inner);
}
