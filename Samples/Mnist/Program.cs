using System;
using System.Threading;
using Myelin.Samples.Mnist.Cli;
using Spectre.Console;

// myelin-mnist: `dotnet run --project Samples/Mnist -c Release -- [command] [options]`; no arguments trains the MLP.
// Results go to stdout and errors to stderr. A redirected stdout (CI, a pipe) gets plain one-line-per-epoch output
// instead of the live progress bars.
var console = AnsiConsole.Create(new AnsiConsoleSettings
{
    Out = new AnsiConsoleOutput(Console.Out),
    Interactive = Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
});
// Spectre wraps at the terminal width, which a redirected stream does not have (it assumes 80); a log should keep
// each epoch on one line instead.
if (Console.IsOutputRedirected) console.Profile.Width = RedirectedWidth;
var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
// An error is one line, whatever its length.
if (Console.IsErrorRedirected) errors.Profile.Width = ErrorWidth;

// The first Ctrl+C asks training to stop after the current batch; a second one ends the process at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    cancellation.Cancel();
};

return App.Run(args, console, errors, cancellation.Token);

/// <summary>The entry point's constants.</summary>
internal static partial class Program
{
    /// <summary>The line width when output goes to a file or pipe.</summary>
    private const int RedirectedWidth = 160;

    /// <summary>The line width of errors going to a file or pipe: wide enough that no message wraps.</summary>
    private const int ErrorWidth = 4096;
}
