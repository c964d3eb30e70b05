using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Samples.Mnist.Cli;

namespace Myelin.Samples.Mnist.Commands;

/// <summary>The options of <c>train</c>, validated.</summary>
/// <param name="Model">One of <see cref="ModelCatalog.Names"/>.</param>
/// <param name="Epochs">Epochs to train, at least 1.</param>
/// <param name="BatchSize">Samples per batch, at least 1.</param>
/// <param name="Optimizer">One of <see cref="TrainOptions.Optimizers"/>.</param>
/// <param name="LearningRate">Above 0.</param>
/// <param name="Momentum">SGD's or RMSprop's momentum (0.9 for SGD and 0 for RMSprop by default); 0 for Adam and AdamW.</param>
/// <param name="WeightDecay">L2 penalty (Adam, SGD, RMSprop) or decoupled decay (AdamW); 0 by default, 0.01 for AdamW.</param>
/// <param name="Seed">Seeds the weights and the shuffling.</param>
/// <param name="SavePath">Where to save the trained network, or null.</param>
/// <param name="PlotPath">Where to write the learning curves as a PNG, or null.</param>
/// <param name="DataDirectory">A folder with the official MNIST files, or null for the bundled digits.</param>
/// <param name="EarlyStoppingPatience">Epochs without a better validation loss before stopping, or null to train every epoch.</param>
/// <param name="Normalize">Whether inputs are normalised as (x - 0.1307) / 0.3081.</param>
/// <param name="Schedule">One of <see cref="TrainOptions.Schedules"/>: a constant learning rate, or a half cosine to 0 over the run.</param>
/// <param name="Device">One of <see cref="TrainOptions.Devices"/>: the generated SIMD CPU code, a GPU, or ILGPU's CPU simulator.</param>
/// <param name="Augment">The transforms applied to the training digits (with the fill set to the inputs' background), or null for none.</param>
internal sealed record TrainOptions(
    string Model, int Epochs, int BatchSize, string Optimizer, double LearningRate, double Momentum, double WeightDecay, int Seed,
    string? SavePath, string? PlotPath, string? DataDirectory, int? EarlyStoppingPatience, bool Normalize, string Schedule = "constant",
    string Device = "cpu", Augment? Augment = null) : CommandOptions
{
    /// <summary>
    /// The recipe of <c>--augment</c>: shifts of up to 2 pixels, turns of up to 10 degrees and sizes within 10%, the
    /// variation of handwriting that keeps a 28x28 digit inside its frame and a 6 from turning into a 9.
    /// </summary>
    public const string DefaultAugmentRecipe = "shift=2,rotate=10,scale=0.1";

    /// <summary>The devices of <c>--device</c>.</summary>
    public static IReadOnlyList<string> Devices { get; } = ["cpu", "gpu", "ilgpu-cpu"];

    /// <summary>The learning-rate schedules of <c>--schedule</c>.</summary>
    public static IReadOnlyList<string> Schedules { get; } = ["constant", "cosine"];

    /// <summary>The defaults of the README's main command.</summary>
    public const int DefaultEpochs = 10, DefaultSeed = 1;

    /// <summary>The default learning rate, for every optimizer.</summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>The default model.</summary>
    public const string DefaultModel = "mlp";

    /// <summary>The default optimizer.</summary>
    public const string DefaultOptimizer = "adam";

    /// <summary>The optimizers of <c>--optimizer</c>.</summary>
    public static IReadOnlyList<string> Optimizers { get; } = ["adam", "adamw", "sgd", "rmsprop"];

    /// <summary>The command's definition for the parser and help.</summary>
    public static CommandSpec Spec { get; } = new(
        "train",
        "Train a network on MNIST; report per-epoch metrics, held-out accuracy and a confusion matrix (the default command).",
        [
            new("--model", "NAME", $"The network: {string.Join(", ", ModelCatalog.Models.Select(m => $"{m.Name} ({m.Description})"))}. Default {DefaultModel}."),
            new("--epochs", "N", $"Epochs to train. Default {DefaultEpochs}."),
            new("--batch", "N", $"Samples per batch. Default {string.Join(", ", ModelCatalog.Models.Select(m => $"{m.DefaultBatchSize} for {m.Name}"))}."),
            new("--optimizer", "NAME", $"{string.Join(", ", Optimizers)}. Default {DefaultOptimizer}."),
            new("--lr", "RATE", "Learning rate. Default 1e-3."),
            new("--schedule", "NAME", $"Learning rate over the run: constant, or cosine (a half cosine from --lr to 0). Default {string.Join(", ", ModelCatalog.Models.Select(m => $"{(m.CosineSchedule ? "cosine" : "constant")} for {m.Name}"))}."),
            new("--momentum", "M", "Momentum of sgd (default 0.9) and rmsprop (default 0)."),
            new("--weight-decay", "W", "Weight decay: L2 for adam, sgd and rmsprop, decoupled for adamw. Default 0 (0.01 for adamw)."),
            new("--seed", "N", $"Seeds the initial weights and the shuffling. Default {DefaultSeed}."),
            new("--save", "PATH", "Save the trained network as a safetensors checkpoint (with its model name and normalisation)."),
            new("--plot", "PATH", "Write training and validation loss and accuracy curves to a PNG."),
            new("--data", "DIR", "A folder with the official MNIST files (train-/t10k- images and labels, optionally .gz). Default: the 10,000 bundled digits, 8,000 to train and 2,000 held out."),
            new("--early-stopping", "PATIENCE", "Stop after PATIENCE epochs without a lower validation loss, keeping the best epoch's weights."),
            new("--no-normalize", null, "Feed raw pixels in [0, 1] instead of (x - 0.1307) / 0.3081 (lstm and gru always do)."),
            new("--device", "NAME", "cpu (the generated SIMD code), gpu (CUDA, then OpenCL, through ILGPU; an error lists the devices when there is none) or ilgpu-cpu (ILGPU's CPU simulator: the GPU kernels, slowly). Default cpu."),
            new("--augment", null, $"Augment the training digits, a new random variant of each every epoch (validation digits are left as they are): {DefaultAugmentRecipe}, i.e. shifts of up to 2 pixels, turns of up to 10 degrees, sizes within 10%, filled with the background."),
            new("--augment-recipe", "RECIPE", "Augment with these transforms instead (implies --augment), comma-separated: shift=PIXELS, rotate=DEGREES, scale=FRACTION, elastic=ALPHA[:SIGMA] (elastic distortion, e.g. 34:4), erase=P[:MIN_AREA[:MAX_AREA[:MIN_ASPECT]]] (random erasing, e.g. 0.5:0.02:0.33:0.3)."),
        ],
        [
            $"{CommandLine.AppName}",
            $"{CommandLine.AppName} train --model lenet --epochs 10 --save lenet.safetensors --plot lenet.png",
            $"{CommandLine.AppName} train --optimizer sgd --lr 0.05 --momentum 0.9 --early-stopping 2",
            $"{CommandLine.AppName} train --model resnet --device gpu --batch 256",
            $"{CommandLine.AppName} train --model cnn --epochs 30 --schedule cosine --augment",
        ],
        Bind);

    /// <summary>The optimizer the options describe.</summary>
    public IOptimizer CreateOptimizer() => Optimizer switch
    {
        "adam" => new Adam(LearningRate, weightDecay: WeightDecay),
        "adamw" => new AdamW(LearningRate, weightDecay: WeightDecay),
        "sgd" => new Sgd(LearningRate, momentum: Momentum, weightDecay: WeightDecay),
        "rmsprop" => new RmsProp(LearningRate, weightDecay: WeightDecay, momentum: Momentum),
        _ => throw new System.InvalidOperationException($"No optimizer is called '{Optimizer}'."),
    };

    /// <summary>The learning-rate schedule for <paramref name="optimizer"/>, or null for a constant rate.</summary>
    public ILearningRateSchedule? CreateSchedule(IOptimizer optimizer) =>
        Schedule == "cosine" ? new CosineAnnealingLR(optimizer, Epochs) : null;

    /// <summary>"adam lr 0.001" with the momentum, weight decay and schedule when they matter.</summary>
    public string DescribeOptimizer()
    {
        var c = CultureInfo.InvariantCulture;
        string text = string.Create(c, $"{Optimizer} lr {LearningRate:G4}");
        if (Schedule == "cosine") text += " cosine to 0";
        if (Optimizer is "sgd" or "rmsprop" && Momentum > 0) text += string.Create(c, $" momentum {Momentum:G4}");
        if (WeightDecay > 0) text += string.Create(c, $" weight decay {WeightDecay:G4}");
        return text;
    }

    private static TrainOptions Bind(ParsedOptions options)
    {
        string optimizer = options.Choice("--optimizer", DefaultOptimizer, Optimizers, "optimizer");
        bool takesMomentum = optimizer is "sgd" or "rmsprop";
        if (options.Has("--momentum") && !takesMomentum)
            throw new UsageException($"Option --momentum applies to sgd and rmsprop, not {optimizer}; drop it or choose --optimizer sgd.");
        double momentum = options.Number("--momentum", optimizer == "sgd" ? 0.9 : 0, positive: false);
        if (momentum >= 1) throw new UsageException($"Invalid value '{options.Text("--momentum")}' for --momentum: expected a number from 0 up to (not including) 1.");

        string? plot = options.Text("--plot");
        if (plot is not null && !OutputPath.HasExtension(plot, ".png"))
            throw new UsageException($"Invalid value '{plot}' for --plot: the curves are written as a PNG, so the path must end in .png.");

        string model = options.Choice("--model", DefaultModel, ModelCatalog.Names, "model");
        bool normalize = !options.Flag("--no-normalize") && !ModelCatalog.Get(model).RawPixels;
        return new TrainOptions(
            Model: model,
            Epochs: options.Int("--epochs", DefaultEpochs, min: 1, max: 10_000),
            BatchSize: options.Int("--batch", ModelCatalog.Get(model).DefaultBatchSize, min: 1, max: 65_536),
            Optimizer: optimizer,
            LearningRate: options.Number("--lr", DefaultLearningRate, positive: true),
            Momentum: momentum,
            WeightDecay: options.Number("--weight-decay", optimizer == "adamw" ? 1e-2 : 0, positive: false),
            Seed: options.Int("--seed", DefaultSeed),
            SavePath: options.Text("--save"),
            PlotPath: plot,
            DataDirectory: options.Text("--data"),
            EarlyStoppingPatience: options.Has("--early-stopping") ? options.Int("--early-stopping", 0, min: 0) : null,
            Normalize: normalize,
            Schedule: options.Choice("--schedule", ModelCatalog.Get(model).CosineSchedule ? "cosine" : "constant", Schedules, "schedule"),
            Device: ChooseDevice(options, model),
            Augment: BindAugment(options, normalize));
    }

    private static string ChooseDevice(ParsedOptions options, string model)
    {
        string device = options.Choice("--device", "cpu", Devices, "device");
        if (device != "cpu" && ModelCatalog.Get(model).CreateOnDevice is null)
            throw new UsageException($"Model {model} has no device code; train it with --device cpu.");
        return device;
    }

    /// <summary>
    /// The recipe of <c>--augment-recipe</c>, or the default one for <c>--augment</c>, filled with the inputs' background:
    /// a blank pixel (0) as the normalisation maps it, so that a digit shifted or turned inside its frame meets the same
    /// background as in the data.
    /// </summary>
    private static Augment? BindAugment(ParsedOptions options, bool normalize)
    {
        string? text = options.Text("--augment-recipe");
        if (text is null && !options.Flag("--augment")) return null;
        Augment augment;
        try
        {
            augment = Augment.Parse(text ?? DefaultAugmentRecipe);
        }
        catch (System.FormatException error)
        {
            throw new UsageException($"Invalid value for --augment-recipe: {error.Message}");
        }
        if (augment.FillValue != 0) throw new UsageException("Option --augment-recipe sets the fill itself (the inputs' background); leave 'fill' out.");
        float[] background = [0f];
        if (normalize) ModelFile.Standard.TransformInPlace(background, 1);
        return augment.IsIdentity ? null : augment.Fill(background[0]);
    }
}
