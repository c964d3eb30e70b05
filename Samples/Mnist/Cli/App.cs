using System;
using System.IO;
using System.Linq;
using System.Threading;
using Myelin.Checkpoints;
using Myelin.Samples.Mnist.Commands;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>
/// The app's entry point without the process around it: parses the arguments, runs the command on the given consoles
/// and turns every expected failure into one red line and an exit code (<see cref="ExitCodes"/>), never a stack trace.
/// Tests call it with Spectre's <c>TestConsole</c>.
/// </summary>
internal static class App
{
    /// <summary>Runs the command line <paramref name="args"/>.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="console">Where results go.</param>
    /// <param name="errors">Where error lines go; default <paramref name="console"/>.</param>
    /// <param name="cancellation">Ctrl+C: training stops between batches and the exit code is 130.</param>
    /// <returns>The process exit code.</returns>
    public static int Run(string[] args, IAnsiConsole console, IAnsiConsole? errors = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        errors ??= console;
        try
        {
            var invocation = CommandLine.Parse(args);
            if (invocation.ShowHelp)
            {
                if (invocation.Command is null) Help.WriteGeneral(console);
                else Help.WriteCommand(console, invocation.Command);
                return ExitCodes.Success;
            }
            var context = new CommandContext(console, cancellation);
            return invocation.Options switch
            {
                TrainOptions options => TrainCommand.Run(options, context),
                EvaluateOptions options => EvaluateCommand.Run(options, context),
                PredictOptions options => PredictCommand.Run(options, context),
                TransferOptions options => TransferCommand.Run(options, context),
                ExportOptions options => ExportCommand.Run(options, context),
                QuantizeOptions options => QuantizeCommand.Run(options, context),
                _ => throw new InvalidOperationException($"No runner for {invocation.Options?.GetType().Name ?? "no options"}."),
            };
        }
        catch (UsageException e)
        {
            return Fail(errors, e.Message, e.ExitCode);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            errors.MarkupLine("[yellow]Cancelled.[/]");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CheckpointMismatchException or UnauthorizedAccessException
                                      or TrainingDivergedException or ArgumentException)
        {
            // The runtime's messages already name the file, tensor or value; FileNotFoundException is an IOException.
            return Fail(errors, e.Message, ExitCodes.Failure);
        }
        catch (Exception e)
        {
            return Fail(errors, $"unexpected {e.GetType().Name}: {e.Message}", ExitCodes.Failure);
        }
    }

    /// <summary>
    /// Writes "error: message" in red. A multi-line message (a checkpoint mismatch lists each tensor) keeps its first
    /// line red and indents the details below it.
    /// </summary>
    private static int Fail(IAnsiConsole errors, string message, int exitCode)
    {
        string[] lines = message.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        errors.MarkupLine($"[red]error:[/] [red]{Markup.Escape(lines[0])}[/]");
        foreach (string line in lines.Skip(1)) errors.MarkupLine($"  {Markup.Escape(line.Trim())}");
        return exitCode;
    }
}
