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
        var grid = new Grid().AddColumn(new GridColumn().PadLeft(2).NoWrap()).AddColumn();
        foreach (var command in CommandLine.Commands) grid.AddRow(command.Name, Markup.Escape(command.Summary));
        console.Write(grid);
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
        var grid = new Grid().AddColumn(new GridColumn().PadLeft(2).NoWrap()).AddColumn();
        foreach (var option in command.Options.Append(new OptionSpec("--help", null, "Show this help.")))
            grid.AddRow(Markup.Escape(option.IsFlag ? option.Name : $"{option.Name} <{option.ValueName}>"), Markup.Escape(option.Description));
        console.Write(grid);
        if (command.Examples.Count == 0) return;
        console.WriteLine();
        console.MarkupLine("[bold]Examples:[/]");
        foreach (string example in command.Examples) console.WriteLine("  " + example);
    }
}
