using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Display;
using Myelin.Training;
using Spectre.Console;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>
/// <c>transfer</c>: the transfer-learning workflow. (1) Pretrain a network on the digits 0–4; (2) load its weights
/// into a network with the same body and a new head for 5–9 (<c>strict: false</c> reports the heads), freeze the body
/// and fine-tune the head on a few digits; (3) train the same 5–9 network from scratch with the same budget, and
/// compare the held-out accuracies on 5–9.
/// </summary>
internal static class TransferCommand
{
    /// <summary>The class names of the 5–9 task, whose labels are remapped 5..9 to 0..4.</summary>
    private static readonly string[] UpperDigits = ["5", "6", "7", "8", "9"];

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(TransferOptions options, CommandContext context)
    {
        var console = context.Out;
        var c = CultureInfo.InvariantCulture;
        var pair = ModelCatalog.GetTransfer(options.Model);
        var split = MnistData.Load(null);
        var train = ModelFile.Standard.Transform(split.Train);
        var test = ModelFile.Standard.Transform(split.Test);

        // Both tasks are 5-way: 0–4 keep their labels, 5–9 become 0–4.
        var lowerTrain = train.FilterLabels(l => l < 5).RemapLabels(l => l, 5);
        var lowerTest = test.FilterLabels(l => l < 5).RemapLabels(l => l, 5);
        var upperAll = train.FilterLabels(l => l >= 5).RemapLabels(l => l - 5, 5);
        var upperTest = test.FilterLabels(l => l >= 5).RemapLabels(l => l - 5, 5);
        var upperTrain = options.Samples > 0 && options.Samples < upperAll.Count
            ? upperAll.Shuffle(options.Seed).Slice(0, options.Samples)
            : upperAll;

        // 1. Pretraining on 0–4.
        var pretrained = pair.CreatePretrain(options.Seed);
        console.MarkupLine(string.Create(c,
            $"[bold]1. Pretraining[/] {pair.Name} ({Markup.Escape(pair.Description)}, {pretrained.Parameters.Length:N0} parameters) on the digits 0–4: " +
            $"{lowerTrain.Count:N0} training digits, {options.Epochs} epochs, adam lr {options.LearningRate:G4}"));
        var pretraining = Fit(console, "Pretrain", pretrained, lowerTrain, lowerTest, options.Epochs, new Adam(options.LearningRate), options.Seed, context);
        if (pretraining is null) return Cancelled(console);
        var pretrainedMatrix = ConfusionMatrix.Compute(pretrained, lowerTest);
        console.MarkupLine(Markup.Escape(pretrainedMatrix.AccuracyLine("Held-out accuracy on 0–4")));
        console.WriteLine();

        string checkpoint = Path.Combine(Path.GetTempPath(), $"myelin-transfer-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(pretrained, checkpoint);

            // 2. Fine-tuning: same body names, new head name.
            var finetuned = pair.CreateFinetune(options.Seed);
            console.MarkupLine(string.Create(c,
                $"[bold]2. Fine-tuning[/] on the digits 5–9 (labels 5..9 as 0..4): {upperTrain.Count:N0} of {upperAll.Count:N0} training digits, " +
                $"{options.FinetuneEpochs} epochs, adam lr {options.FinetuneLearningRate:G4}"));
            var load = Checkpoint.Load(finetuned, checkpoint, strict: false);
            console.MarkupLine(string.Create(c,
                $"Checkpoint.Load(strict: false): {load.LoadedKeys.Count} tensors loaded, {load.MissingKeys.Count} missing, {load.UnexpectedKeys.Count} unexpected"));
            console.MarkupLine($"  loaded     {Markup.Escape(string.Join(", ", load.LoadedKeys))}");
            console.MarkupLine($"  [yellow]missing[/]    {Markup.Escape(string.Join(", ", load.MissingKeys))} (the new head keeps its fresh initialisation)");
            console.MarkupLine($"  [yellow]unexpected[/] {Markup.Escape(string.Join(", ", load.UnexpectedKeys))} (the old head, ignored)");
            var frozen = options.Freeze ?? pair.BodyLayers;
            finetuned.Freeze(frozen.ToArray());
            console.MarkupLine(string.Create(c,
                $"Froze {(frozen.Count == 0 ? "nothing" : string.Join(", ", frozen))}: training {finetuned.TrainableParameterCount():N0} of {finetuned.Parameters.Length:N0} parameters"));
            var finetuning = Fit(console, "Fine-tune", finetuned, upperTrain, upperTest, options.FinetuneEpochs, new Adam(options.FinetuneLearningRate), options.Seed, context);
            if (finetuning is null) return Cancelled(console);
            var finetunedMatrix = ConfusionMatrix.Compute(finetuned, upperTest);
            console.WriteLine();

            // 3. The baseline: the same network and data, from random weights, every layer trained.
            var scratch = pair.CreateFinetune(options.Seed);
            console.MarkupLine(string.Create(c,
                $"[bold]3. From scratch[/]: the same network on the same {upperTrain.Count:N0} digits for the same {options.FinetuneEpochs} epochs, " +
                $"every layer trained, adam lr {options.LearningRate:G4}"));
            var scratchRun = Fit(console, "Scratch", scratch, upperTrain, upperTest, options.FinetuneEpochs, new Adam(options.LearningRate), options.Seed, context);
            if (scratchRun is null) return Cancelled(console);
            var scratchMatrix = ConfusionMatrix.Compute(scratch, upperTest);
            console.WriteLine();

            var table = new Table().Border(TableBorder.Rounded).Title($"Digits 5–9: {upperTest.Count:N0} held-out digits");
            foreach (string header in (string[])["", "trained parameters", "epochs", "training digits", "held-out accuracy", "time / epoch"])
                table.AddColumn(new TableColumn($"[bold]{header}[/]").RightAligned());
            table.AddRow(Row("pretrained on 0–4, body frozen", finetuned.TrainableParameterCount(), finetuning, upperTrain.Count, finetunedMatrix));
            table.AddRow(Row("from scratch", scratch.TrainableParameterCount(), scratchRun, upperTrain.Count, scratchMatrix));
            console.Write(table);
            console.MarkupLine(string.Create(c,
                $"Pretraining cost {pretraining.Epochs.Count} epochs on {lowerTrain.Count:N0} digits 0–4, {MeanEpochSeconds(pretraining):0.00} s / epoch."));
            console.Write(finetunedMatrix.ToTable(UpperDigits));

            double gain = (finetunedMatrix.Accuracy - scratchMatrix.Accuracy) * 100;
            console.MarkupLine(Markup.Escape(finetunedMatrix.AccuracyLine("Held-out accuracy on 5–9, fine-tuned")));
            console.MarkupLine(Markup.Escape(scratchMatrix.AccuracyLine("Held-out accuracy on 5–9, from scratch")));
            console.MarkupLine(string.Create(c,
                $"[bold]{(gain >= 0 ? "[green]" : "[red]")}Transfer learning: {gain:+0.00;-0.00} points[/] over training from scratch with the same budget.[/]"));
            return ExitCodes.Success;
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    /// <summary>Trains with the live or plain display; null when cancelled.</summary>
    private static History? Fit(IAnsiConsole console, string label, ITrainableNetwork network, Dataset train, Dataset test,
        int epochs, IOptimizer optimizer, int seed, CommandContext context)
    {
        var display = TrainingDisplay.For(console, label);
        var history = display.Run(() => network.Fit(train, new FitOptions
        {
            Epochs = epochs,
            Optimizer = optimizer,
            Seed = seed,
            ValidationData = test,
            Callbacks = [display.EpochEnd],
            Progress = display,
            CancellationToken = context.Cancellation,
        }));
        return history.StopReason == "cancelled" ? null : history;
    }

    private static string[] Row(string name, int trainable, History history, int samples, ConfusionMatrix matrix)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            name,
            trainable.ToString("N0", c),
            history.Epochs.Count.ToString(c),
            samples.ToString("N0", c),
            string.Create(c, $"{matrix.Accuracy * 100:0.00}% ({matrix.Correct:N0} / {matrix.Total:N0})"),
            string.Create(c, $"{MeanEpochSeconds(history):0.000} s"),
        ];
    }

    private static double MeanEpochSeconds(History history) =>
        history.Epochs.Count == 0 ? 0 : history.Epochs.Average(e => e.Duration.TotalSeconds);

    private static int Cancelled(IAnsiConsole console)
    {
        console.MarkupLine("[yellow]Cancelled.[/]");
        return ExitCodes.Cancelled;
    }
}
