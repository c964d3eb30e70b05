using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Myelin.Samples.Tabular;

/// <summary>One option: its name with dashes, its value's placeholder (null for a flag), and its help line.</summary>
internal sealed record OptionSpec(string Name, string? Value, string Help);

/// <summary>
/// The options of one command line, <c>--name value</c>, <c>--name=value</c> or <c>--flag</c>, with typed readers that
/// name the option and the value in every error.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values;

    private Arguments(Dictionary<string, string?> values) => _values = values;

    /// <summary>Splits <paramref name="args"/> against <paramref name="options"/>.</summary>
    /// <exception cref="UsageException">An unknown, repeated or valueless option, or a stray argument.</exception>
    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> options, string command)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"Unexpected argument '{arg}' for '{command}': options are written --name value.");
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            var spec = options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"Unknown option '{name}' for '{command}'{Suggest(name, options.Select(o => o.Name))}. Run '{App.Name} {command} --help' for the options.");
            if (values.ContainsKey(name)) throw new UsageException($"Option {name} is given twice.");
            if (spec.Value is null)
            {
                if (equals >= 0) throw new UsageException($"Option {name} is a flag and takes no value.");
                values[name] = null;
                continue;
            }
            string? value = equals < 0 ? null : arg[(equals + 1)..];
            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"Option {name} needs a value ({spec.Value}).");
                value = args[++i];
            }
            values[name] = value;
        }
        return new Arguments(values);
    }

    /// <summary>Whether the flag or option was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The option's text, or <paramref name="fallback"/>.</summary>
    public string? Text(string name, string? fallback = null) => _values.TryGetValue(name, out string? value) ? value : fallback;

    /// <summary>The option's text; an error when it is missing.</summary>
    public string Required(string name, string what) =>
        Text(name) ?? throw new UsageException($"Option {name} is required: {what}.");

    /// <summary>The option as an integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Integer(string name, int fallback, int min, int max = int.MaxValue)
    {
        if (Text(name) is not string text) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new UsageException($"Option {name} must be a whole number from {min}{(max == int.MaxValue ? "" : $" to {max}")}, but got '{text}'.");
        return value;
    }

    /// <summary>The option as a number strictly between <paramref name="low"/> and <paramref name="high"/>.</summary>
    public double Number(string name, double fallback, double low, double high)
    {
        if (Text(name) is not string text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > low && value < high))
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"Option {name} must be a number between {low} and {high} (exclusive), but got '{text}'."));
        return value;
    }

    /// <summary>The option as one of <paramref name="choices"/>.</summary>
    public string Choice(string name, string fallback, params string[] choices)
    {
        string value = Text(name, fallback)!;
        if (!choices.Contains(value, StringComparer.Ordinal))
            throw new UsageException($"Option {name} must be one of {string.Join(", ", choices)}, but got '{value}'{Suggest(value, choices)}.");
        return value;
    }

    /// <summary>" (did you mean 'x'?)" for the closest candidate within two edits, or an empty string.</summary>
    internal static string Suggest(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string candidate in candidates)
        {
            int distance = EditDistance(typed, candidate);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        return best is null ? "" : $" (did you mean '{best}'?)";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), Math.Min(previous[j], current[j - 1]) + 1);
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
