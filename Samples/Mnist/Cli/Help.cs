using System;
using System.Collections.Generic;
using System.Linq;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>The <c>--help</c> texts, written from the command and option specs so that help and parser cannot disagree.</summary>
internal static class Help
{
    /// <summary>The app's help: what it does, the commands, and how to get a command's help.</summary>
    public static void WriteGeneral(IAnsiConsole console)
    {
        console.MarkupLine($"[bold]{CommandLine.AppName}[/]: train and inspect MNIST digit classifiers compiled by Myelin.");
        console.WriteLine();
        console.MarkupLine($"Usage: {CommandLine.AppName} [[command]] [[options]]");
        console.MarkupLine($"       (no command runs '{CommandLine.DefaultCommand}' with its defaults on the bundled digits)");
        console.WriteLine();
        console.MarkupLine("[bold]Commands:[/]");
        WriteTable(console, CommandLine.Commands.Select(c => (c.Name, c.Summary)).ToList());
        console.WriteLine();
        console.MarkupLine($"Run '{CommandLine.AppName} <command> --help' for a command's options.");
    }

    /// <summary>A command's help: usage, summary, every option with its default, and examples.</summary>
    public static void WriteCommand(IAnsiConsole console, CommandSpec command)
    {
        console.MarkupLine($"Usage: {CommandLine.AppName} {command.Name} [[options]]");
        console.WriteLine();
        console.WriteLine(command.Summary);
        console.WriteLine();
        console.MarkupLine("[bold]Options:[/]");
        WriteTable(console, command.Options
            .Append(new OptionSpec("--help", null, "Show this help."))
            .Select(o => (o.IsFlag ? o.Name : $"{o.Name} <{o.ValueName}>", o.Description))
            .ToList());
        if (command.Examples.Count == 0) return;
        console.WriteLine();
        console.MarkupLine("[bold]Examples:[/]");
        foreach (string example in command.Examples) console.WriteLine("  " + example);
    }

    /// <summary>
    /// Two columns, "  name  description", with the descriptions word-wrapped to the console width (at most
    /// <see cref="MaxWidth"/>) and aligned. Written as plain lines so that help has no trailing padding.
    /// </summary>
    private static void WriteTable(IAnsiConsole console, IReadOnlyList<(string Name, string Text)> rows)
    {
        const int indent = 2, gap = 2;
        int nameWidth = rows.Max(r => r.Name.Length);
        int textWidth = Math.Max(30, Math.Min(console.Profile.Width, MaxWidth) - indent - nameWidth - gap);
        foreach (var (name, text) in rows)
        {
            var lines = Wrap(text, textWidth);
            for (int i = 0; i < lines.Count; i++)
            {
                string left = i == 0 ? name.PadRight(nameWidth) : new string(' ', nameWidth);
                console.WriteLine(new string(' ', indent) + left + new string(' ', gap) + lines[i]);
            }
        }
    }

    /// <summary>The help's widest line.</summary>
    private const int MaxWidth = 110;

    /// <summary>Greedy word wrap; a word longer than the width gets a line of its own.</summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) lines.Add(line.ToString());
        return lines;
    }
}
