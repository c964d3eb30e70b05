using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>
/// The raw options of one command (name to text), with typed readers that validate a value and, when it is wrong,
/// throw a <see cref="UsageException"/> naming the option, the value and what was expected.
/// </summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, string?> _values;

    private ParsedOptions(CommandSpec command, Dictionary<string, string?> values)
    {
        Command = command;
        _values = values;
    }

    /// <summary>The command the options belong to.</summary>
    public CommandSpec Command { get; }

    /// <summary>Splits <paramref name="args"/> into options of <paramref name="command"/>.</summary>
    /// <param name="command">The command whose options are accepted.</param>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="help">Set when <c>--help</c> appears; the other arguments are then still checked.</param>
    public static ParsedOptions Parse(CommandSpec command, IReadOnlyList<string> args, out bool help)
    {
        help = false;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (CommandLine.IsHelp(arg))
            {
                help = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                string doubled = "--" + arg.TrimStart('-');
                string hint = !arg.StartsWith('-') ? "options are written --name value"
                    : command.Options.Any(o => o.Name == doubled) ? $"options start with two dashes, as in '{doubled}'"
                    : "options start with two dashes";
                throw new UsageException($"Unexpected argument '{arg}' for '{command.Name}': {hint}. Run '{CommandLine.AppName} {command.Name} --help' for the options.");
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            string? inline = equals < 0 ? null : arg[(equals + 1)..];
            var spec = command.Options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException(
                    $"Unknown option '{name}' for '{command.Name}'{CommandLine.Suggest(name, command.Options.Select(o => o.Name))}. " +
                    $"Run '{CommandLine.AppName} {command.Name} --help' for the options.");
            if (values.ContainsKey(name)) throw new UsageException($"Option {name} is given twice; give it once.");

            if (spec.IsFlag)
            {
                if (inline is not null) throw new UsageException($"Option {name} is a flag and takes no value, but got '{inline}'.");
                values[name] = null;
                continue;
            }
            if (inline is null)
            {
                // A following "--x" is the next option, not a value; "-1" is a (negative) value and is validated later.
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"Option {name} needs a value ({spec.ValueName}).");
                inline = args[++i];
            }
            values[name] = inline;
        }
        return new ParsedOptions(command, values);
    }

    /// <summary>Whether the option was given.</summary>
    public bool Has(string name) => _values.ContainsKey(Known(name));

    /// <summary>Whether the flag was given.</summary>
    public bool Flag(string name) => Has(name);

    /// <summary>The option's text, or <paramref name="defaultValue"/> when it was not given; an empty value is an error.</summary>
    public string? Text(string name, string? defaultValue = null)
    {
        if (!_values.TryGetValue(Known(name), out string? value)) return defaultValue;
        if (string.IsNullOrWhiteSpace(value)) throw new UsageException($"Option {name} needs a non-empty value.");
        return value;
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = Text(name);
        if (text is null) return defaultValue;
        string range = (min, max) switch
        {
            (int.MinValue, int.MaxValue) => "",
            (_, int.MaxValue) => string.Create(CultureInfo.InvariantCulture, $" of at least {min:N0}"),
            _ => string.Create(CultureInfo.InvariantCulture, $" from {min:N0} to {max:N0}"),
        };
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            throw new UsageException($"Invalid value '{text}' for {name}: expected a whole number{range}.");
        if (value < min || value > max)
            throw new UsageException($"Invalid value '{text}' for {name}: expected a whole number{range}.");
        return value;
    }

    /// <summary>A finite number; with <paramref name="positive"/> it must be above zero, otherwise at least zero.</summary>
    public double Number(string name, double defaultValue, bool positive)
    {
        string? text = Text(name);
        if (text is null) return defaultValue;
        string expected = positive ? "a number above 0, such as 1e-3" : "a number of at least 0, such as 0.9";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new UsageException($"Invalid value '{text}' for {name}: expected {expected}.");
        if (positive ? !(value > 0) : !(value >= 0))
            throw new UsageException($"Invalid value '{text}' for {name}: expected {expected}.");
        return value;
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), returned as spelled in the list.</summary>
    /// <param name="name">The option.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="choices">The valid values.</param>
    /// <param name="noun">What a value is, for the message: "model", "optimizer".</param>
    public string Choice(string name, string defaultValue, IReadOnlyList<string> choices, string noun)
    {
        string? text = Text(name);
        if (text is null) return defaultValue;
        foreach (string choice in choices)
        {
            if (string.Equals(choice, text, StringComparison.OrdinalIgnoreCase)) return choice;
        }
        throw new UsageException(
            $"Unknown {noun} '{text}' for {name}{CommandLine.Suggest(text.ToLowerInvariant(), choices)}; the {noun}s are {string.Join(", ", choices)}.");
    }

    /// <summary>Guards against a typo in the command code itself: every name read must be one the command declares.</summary>
    private string Known(string name) => Command.Options.Any(o => o.Name == name)
        ? name
        : throw new InvalidOperationException($"Command '{Command.Name}' reads option {name}, which it does not declare.");
}
