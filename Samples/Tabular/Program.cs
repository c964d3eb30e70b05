using System;
using System.Threading;

namespace Myelin.Samples.Tabular;

/// <summary>The process entry point of <c>myelin-tabular</c>; everything else is in <see cref="App"/>.</summary>
public static class Program
{
    private static int Main(string[] args)
    {
        // The first Ctrl+C stops training after the current batch; a second one ends the process.
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            cancellation.Cancel();
        };
        return App.Run(args, Console.Out, Console.Error, cancellation.Token);
    }
}
