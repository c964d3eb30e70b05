using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Samples.Mnist.Cli;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>The options of <c>transfer</c>.</summary>
/// <param name="Model">One of <see cref="ModelCatalog.TransferNames"/>.</param>
/// <param name="Epochs">Pretraining epochs on the digits 0–4.</param>
/// <param name="FinetuneEpochs">Epochs of fine-tuning on 5–9, and of the from-scratch baseline.</param>
/// <param name="Samples">Training digits 5–9 for fine-tuning and the baseline; 0 for all of them.</param>
/// <param name="Seed">Seeds the weights, the shuffling and the choice of the samples.</param>
/// <param name="LearningRate">Adam's learning rate for pretraining and for the from-scratch baseline.</param>
/// <param name="FinetuneLearningRate">Adam's learning rate for fine-tuning.</param>
/// <param name="Freeze">The body layers frozen while fine-tuning; null for the whole body, empty for none.</param>
internal sealed record TransferOptions(
    string Model, int Epochs, int FinetuneEpochs, int Samples, int Seed, double LearningRate, double FinetuneLearningRate,
    IReadOnlyList<string>? Freeze) : CommandOptions
{
    /// <summary>
    /// Defaults that finish in well under a minute and show the effect: with few labelled digits (200) and a short budget,
    /// LeNet's pretrained convolutions give the new head features that training from scratch has not learned yet.
    /// </summary>
    public const int DefaultEpochs = 5, DefaultFinetuneEpochs = 5, DefaultSamples = 200, DefaultSeed = 1;

    /// <summary>The default learning rates.</summary>
    public const double DefaultLearningRate = 1e-3, DefaultFinetuneLearningRate = 1e-3;

    /// <summary>The default model.</summary>
    public const string DefaultModel = "lenet";

    /// <summary>The command's definition for the parser and help.</summary>
    public static CommandSpec Spec { get; } = new(
        "transfer",
        "Transfer learning: pretrain on the digits 0–4, fine-tune a new head on 5–9 with the body frozen, and compare with training from scratch.",
        [
            new("--model", "NAME", $"The network pair: {string.Join(", ", ModelCatalog.TransferPairs.Select(m => $"{m.Name} ({m.Description})"))}. Default {DefaultModel}."),
            new("--epochs", "N", $"Pretraining epochs on the digits 0–4. Default {DefaultEpochs}."),
            new("--finetune-epochs", "N", $"Epochs on the digits 5–9, for fine-tuning and for the from-scratch baseline alike. Default {DefaultFinetuneEpochs}."),
            new("--samples", "N", $"Training digits 5–9 to use (a seeded random subset); 0 for all. Default {DefaultSamples}."),
            new("--seed", "N", $"Seeds the weights, the shuffling and the subset. Default {DefaultSeed}."),
            new("--lr", "RATE", "Adam's learning rate for pretraining and for the from-scratch baseline. Default 1e-3."),
            new("--finetune-lr", "RATE", "Adam's learning rate for fine-tuning. Default 1e-3."),
            new("--freeze", "LAYERS", "The body layers to freeze while fine-tuning, comma-separated (body1,body2), or 'none'. Default: the whole body."),
        ],
        [
            $"{CommandLine.AppName} transfer",
            $"{CommandLine.AppName} transfer --samples 50 --finetune-epochs 10 --freeze none",
        ],
        Bind);

    private static TransferOptions Bind(ParsedOptions options) => new(
        Model: options.Choice("--model", DefaultModel, ModelCatalog.TransferNames, "model"),
        Epochs: options.Int("--epochs", DefaultEpochs, min: 1, max: 10_000),
        FinetuneEpochs: options.Int("--finetune-epochs", DefaultFinetuneEpochs, min: 1, max: 10_000),
        Samples: options.Int("--samples", DefaultSamples, min: 0),
        Seed: options.Int("--seed", DefaultSeed),
        LearningRate: options.Number("--lr", DefaultLearningRate, positive: true),
        FinetuneLearningRate: options.Number("--finetune-lr", DefaultFinetuneLearningRate, positive: true),
        Freeze: ParseFreeze(options));

    private static IReadOnlyList<string>? ParseFreeze(ParsedOptions options)
    {
        string? text = options.Text("--freeze");
        if (text is null) return null;
        if (text == "none") return [];
        string model = options.Choice("--model", DefaultModel, ModelCatalog.TransferNames, "model");
        var body = ModelCatalog.GetTransfer(model).BodyLayers;
        var layers = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (string layer in layers)
        {
            if (!body.Contains(layer))
                throw new UsageException($"Invalid value '{text}' for --freeze: '{layer}' is not a body layer of {model}; its body layers are {string.Join(", ", body)} (or give 'none').");
        }
        return layers;
    }
}
