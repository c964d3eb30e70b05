using System;
using System.Collections.Generic;
using System.Globalization;
using Myelin.Distributed;
using Myelin.Data;
using Myelin.Gpu;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Display;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>
/// <c>train</c>: trains a network on MNIST with a live progress display, then prints the per-epoch table, the held-out
/// confusion matrix and, last, the held-out accuracy; optionally saves the network and plots the learning curves.
/// Started by <c>mpirun -np N</c>, it trains data-parallel: every rank trains its share of each batch, and rank 0
/// alone prints and saves.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(TrainOptions options, CommandContext context) =>
        DataParallelLaunch.IsActive
            ? DataParallelLaunch.Run(world => Train(options, context, world))
            : Train(options, context, world: null);

    /// <param name="options">The command's options.</param>
    /// <param name="context">The console and Ctrl+C.</param>
    /// <param name="world">The ranks of a data-parallel run, or null to train in this process alone.</param>
    private static int Train(TrainOptions options, CommandContext context, MpiCommunicator? world)
    {
        bool writes = world is null || world.Rank == 0;
        var console = world is null ? context.Out : DataParallelLaunch.ConsoleFor(world, context.Out);
        // Checked before training, so that a typo in a path does not cost a whole run.
        if (writes)
        {
            OutputPath.Check("--save", options.SavePath);
            OutputPath.Check("--plot", options.PlotPath);
        }

        // Data-parallel Fit allreduces the host gradient span; a device network's is a host copy of device memory, a
        // combination that is not tested, so it is refused on every rank before anything loads.
        if (world is not null && options.Device != "cpu")
            throw new UsageException($"--device {options.Device} under mpirun: data-parallel training runs the CPU network only; leave out --device or use --device cpu.");
        // The device is opened before the data loads and anything trains, so a missing GPU fails at once.
        using var device = OpenDevice(options.Device);
        var model = ModelCatalog.Get(options.Model);
        var data = MnistData.Load(options.DataDirectory);
        var normalization = options.Normalize ? ModelFile.Standard : null;
        var train = normalization?.Transform(data.Train) ?? data.Train;
        var test = normalization?.Transform(data.Test) ?? data.Test;
        var network = device is null ? model.Create(options.Seed) : model.CreateOnDevice!(device, options.Seed, options.BatchSize);
        using var disposeDevice = network as System.IDisposable;

        var c = CultureInfo.InvariantCulture;
        console.MarkupLine(string.Create(c,
            $"[bold]Training {model.Name}[/] ({Markup.Escape(model.Description)}, {network.Parameters.Length:N0} parameters) on {data.TrainName}, validating on {data.TestName}"));
        if (device is not null) console.MarkupLine(Markup.Escape($"on {device}"));
        string inputs = normalization is null
            ? "raw pixels in [0, 1]"
            : string.Create(c, $"inputs normalised as (x - {normalization.Mean[0]}) / {normalization.Std[0]}");
        console.MarkupLine(Markup.Escape(string.Create(c,
            $"{options.DescribeOptimizer()}, batch {options.BatchSize}, {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")}, seed {options.Seed}, {inputs}")));
        if (world is not null) console.MarkupLine(Markup.Escape(DataParallelLaunch.Describe(world, options.BatchSize, network.Parameters.Length)));
        if (options.Augment is not null) console.MarkupLine(Markup.Escape($"Training digits augmented every epoch: {options.Augment}"));

        var display = TrainingDisplay.For(console);
        var callbacks = new List<Callback> { display.EpochEnd };
        EarlyStopping? earlyStopping = null;
        if (options.EarlyStoppingPatience is int patience)
        {
            earlyStopping = new EarlyStopping("val_loss", patience, restoreBestWeights: true);
            callbacks.Add(earlyStopping);
        }
        var optimizer = options.CreateOptimizer();
        var fitOptions = new FitOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Optimizer = optimizer,
            Schedule = options.CreateSchedule(optimizer),
            Seed = options.Seed,
            Augment = options.Augment,
            ValidationData = test,
            Callbacks = callbacks,
            Progress = display,
            CancellationToken = context.Cancellation,
            Communicator = world,
        };
        var history = display.Run(() => network.Fit(train, fitOptions));
        console.WriteLine();

        if (history.StopReason == "cancelled")
        {
            if (history.Epochs.Count > 0) console.Write(EpochTable.For(history));
            console.MarkupLine(string.Create(c, $"[yellow]Cancelled:[/] {history.Epochs.Count} of {options.Epochs} epochs completed; nothing was saved."));
            return ExitCodes.Cancelled;
        }
        // Every rank ends with the same weights; rank 0 evaluates, saves and plots them.
        if (!writes) return ExitCodes.Success;

        console.Write(EpochTable.For(history));
        if (earlyStopping is { StoppedEpoch: > 0 })
        {
            // StopReason reads "early stopping: val_loss did not improve for ..."; it starts the sentence.
            string reason = char.ToUpperInvariant(history.StopReason[0]) + history.StopReason[1..];
            console.MarkupLine(Markup.Escape(string.Create(c, $"{reason}; restored the weights of epoch {earlyStopping.BestEpoch}.")));
        }

        var evaluation = network.Evaluate(test);
        var matrix = ConfusionMatrix.Compute(network, test);
        if (options.SavePath is not null)
        {
            var metadata = new Dictionary<string, string>
            {
                [ModelFile.EpochsKey] = history.Epochs.Count.ToString(c),
                [ModelFile.AccuracyKey] = matrix.Accuracy.ToString("R", c),
                [ModelFile.OptimizerKey] = options.Optimizer,
                [ModelFile.LearningRateKey] = options.LearningRate.ToString("R", c),
                [ModelFile.BatchKey] = options.BatchSize.ToString(c),
                [ModelFile.SeedKey] = options.Seed.ToString(c),
                [ModelFile.DataKey] = options.DataDirectory is null ? "bundled" : "official",
                [ModelFile.AugmentKey] = options.Augment?.ToString() ?? Augment.NoneRecipe,
            };
            ModelFile.Save(network, options.SavePath, model, normalization, metadata);
            console.MarkupLine($"Saved the network to [blue]{Markup.Escape(options.SavePath)}[/] (model={model.Name}, normalize={ModelFile.Format(normalization)}).");
        }
        if (options.PlotPath is not null)
        {
            CurvePlot.Save(history, options.PlotPath, $"{model.Name} on {data.TrainName}");
            console.MarkupLine($"Wrote the learning curves to [blue]{Markup.Escape(options.PlotPath)}[/].");
        }

        console.Write(matrix.ToTable());
        console.MarkupLine(string.Create(c, $"Held-out loss: {evaluation.Loss:0.0000}"));
        console.MarkupLine($"[bold green]{matrix.AccuracyLine()}[/]");
        return ExitCodes.Success;
    }

    /// <summary>The device of <c>--device</c>, or null for the CPU code; no device of that kind is a usage error naming what ILGPU found.</summary>
    private static GpuDevice? OpenDevice(string device)
    {
        if (device == "cpu") return null;
        try
        {
            return GpuDevice.Create(device == "gpu" ? DeviceKind.Gpu : DeviceKind.Cpu);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            throw new UsageException($"--device {device}: {e.Message}");
        }
    }
}
