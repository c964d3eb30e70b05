using System.Threading;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Cli;

/// <summary>What a running command writes to and listens to.</summary>
/// <param name="Out">Normal output: progress, tables, results.</param>
/// <param name="Cancellation">Signalled by Ctrl+C; training stops between batches.</param>
internal sealed record CommandContext(IAnsiConsole Out, CancellationToken Cancellation);
