using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Samples.Mnist.Commands;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>One option of a command: its name (<c>--epochs</c>), the placeholder of its value (null for a flag), and its help line.</summary>
/// <param name="Name">The option as typed, with the leading dashes.</param>
/// <param name="ValueName">The value's placeholder in help (<c>N</c>, <c>PATH</c>), or null when the option is a flag.</param>
/// <param name="Description">One line of help, ending with the default where there is one.</param>
internal sealed record OptionSpec(string Name, string? ValueName, string Description)
{
    /// <summary>Whether the option takes no value.</summary>
    public bool IsFlag => ValueName is null;
}

/// <summary>A command: its name, a one-line summary, its options, examples, and how to turn parsed options into typed ones.</summary>
/// <param name="Name">The command as typed (<c>train</c>).</param>
/// <param name="Summary">One line for the command list.</param>
/// <param name="Options">Every option the command accepts (besides <c>--help</c>).</param>
/// <param name="Examples">Command lines shown at the end of the command's help.</param>
/// <param name="Bind">Reads and validates the options into the command's options record; throws <see cref="UsageException"/>.</param>
internal sealed record CommandSpec(
    string Name, string Summary, IReadOnlyList<OptionSpec> Options, IReadOnlyList<string> Examples, Func<ParsedOptions, CommandOptions> Bind);

/// <summary>Base of the typed, validated options of each command.</summary>
internal abstract record CommandOptions;

/// <summary>What the command line asks for: a command to run with its options, or help (for one command or in general).</summary>
/// <param name="Command">The command; null with <paramref name="ShowHelp"/> for the general help.</param>
/// <param name="ShowHelp">Whether to print help instead of running.</param>
/// <param name="Options">The command's options; null when help is shown.</param>
internal sealed record Invocation(CommandSpec? Command, bool ShowHelp, CommandOptions? Options);

/// <summary>
/// The hand-written parser of <c>myelin-mnist [command] [options]</c>. Options are <c>--name value</c> or
/// <c>--name=value</c>; flags take no value. No arguments, or arguments that start with an option, mean <c>train</c>.
/// Every mistake is a <see cref="UsageException"/> whose message names the option and the value.
/// </summary>
internal static class CommandLine
{
    /// <summary>The app's name in help and messages.</summary>
    public const string AppName = "myelin-mnist";

    /// <summary>The command that runs when none is named.</summary>
    public const string DefaultCommand = "train";

    private static readonly string[] HelpNames = ["--help", "-h", "-?"];

    /// <summary>Every command, in the order help lists them.</summary>
    public static IReadOnlyList<CommandSpec> Commands { get; } =
        [TrainOptions.Spec, EvaluateOptions.Spec, PredictOptions.Spec, TransferOptions.Spec, ExportOptions.Spec, QuantizeOptions.Spec];

    /// <summary>Parses the whole command line.</summary>
    /// <exception cref="UsageException">An unknown command or option, a missing or invalid value.</exception>
    public static Invocation Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0) return Bind(Find(DefaultCommand), []);

        string first = args[0];
        if (HelpNames.Contains(first, StringComparer.Ordinal)) return new Invocation(null, true, null);
        if (first == "help")
        {
            if (args.Count == 1) return new Invocation(null, true, null);
            return new Invocation(FindOrThrow(args[1]), true, null);
        }
        if (first.StartsWith('-')) return Bind(Find(DefaultCommand), args);
        return Bind(FindOrThrow(first), args.Skip(1).ToArray());
    }

    /// <summary>Parses <paramref name="args"/> (the part after the command name) against <paramref name="command"/>'s options.</summary>
    private static Invocation Bind(CommandSpec command, IReadOnlyList<string> args)
    {
        var parsed = ParsedOptions.Parse(command, args, out bool help);
        return help ? new Invocation(command, true, null) : new Invocation(command, false, command.Bind(parsed));
    }

    private static CommandSpec Find(string name) => Commands.First(c => c.Name == name);

    private static CommandSpec FindOrThrow(string name)
    {
        var command = Commands.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
        if (command is not null) return command;
        string names = string.Join(", ", Commands.Select(c => c.Name));
        throw new UsageException($"Unknown command '{name}'{Suggest(name, Commands.Select(c => c.Name))}; the commands are {names}. Run '{AppName} --help' for help.");
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

    /// <summary>Levenshtein distance: insertions, deletions and substitutions each cost 1.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>Whether <paramref name="arg"/> asks for help.</summary>
    internal static bool IsHelp(string arg) => HelpNames.Contains(arg, StringComparer.Ordinal);
}
