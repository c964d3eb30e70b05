using System;
using System.IO;
using System.Linq;
using System.Threading;
using Myelin.Checkpoints;
using Myelin.Training;

namespace Myelin.Samples.Tabular;

/// <summary>
/// <c>myelin-tabular</c> without the process around it: parses the command line, runs the command, and turns every
/// expected failure into one "error:" line on <c>errors</c> and an exit code. Tests call it directly.
/// </summary>
internal static class App
{
    /// <summary>The app's name in help and messages.</summary>
    public const string Name = "myelin-tabular";

    /// <summary>Runs the command line <paramref name="args"/> and returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            string command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "train";
            string[] rest = command == "train" && (args.Length == 0 || args[0].StartsWith('-')) ? args : args[1..];
            if (args.Length == 0 || rest.Contains("--help") || rest.Contains("-h") || command is "help" or "--help")
            {
                Help.Write(output, command is "predict" or "models" ? command : "train");
                return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Success;
            }
            return command switch
            {
                "train" => TrainCommand.Run(TrainOptions.Bind(Arguments.Parse(rest, TrainOptions.Options, command)), output, cancellation),
                "predict" => PredictCommand.Run(PredictOptions.Bind(Arguments.Parse(rest, PredictOptions.Options, command)), output),
                "models" => ListModels(rest, output),
                _ => throw new UsageException($"Unknown command '{command}'{Arguments.Suggest(command, ["train", "predict", "models"])}; the commands are train, predict and models."),
            };
        }
        catch (UsageException e)
        {
            return Fail(errors, e.Message, e.ExitCode);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CheckpointMismatchException or UnauthorizedAccessException
                                      or TrainingDivergedException or ArgumentException or InvalidOperationException)
        {
            // The runtime's messages already name the file, the line, the column or the tensor.
            return Fail(errors, e.Message, ExitCodes.Failure);
        }
    }

    private static int ListModels(string[] rest, TextWriter output)
    {
        if (rest.Length > 0) throw new UsageException($"'models' takes no options, but got '{rest[0]}'.");
        output.WriteLine("Networks this app can train (declared in Samples/Tabular/Networks.cs):");
        foreach (var model in ModelCatalog.Models) output.WriteLine("  " + model.Describe());
        return ExitCodes.Success;
    }

    private static int Fail(TextWriter errors, string message, int exitCode)
    {
        errors.WriteLine("error: " + message);
        return exitCode;
    }
}
