using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Gpu;

namespace Myelin.Samples.Mnist;

/// <summary>A network the app can train: its command-line name, a description, and a factory taking the initialisation seed.</summary>
/// <param name="Name">The name used with <c>--model</c> and stored in checkpoints (<c>model=lenet</c>).</param>
/// <param name="Description">What it is, for headers and help.</param>
/// <param name="Create">Builds the network with its weights initialised from the seed.</param>
/// <param name="NetworkType">The generated class, to recognise checkpoints that lack the <c>model</c> metadata.</param>
/// <param name="DefaultBatchSize">The batch size <c>train</c> uses when <c>--batch</c> is not given.</param>
/// <param name="CosineSchedule">Whether <c>train</c> decays the learning rate along a half cosine to 0 over the run by default.</param>
/// <param name="RawPixels">
/// Whether <c>train</c> feeds raw pixels in [0, 1] by default, as the recipe of the model's PyTorch baseline does (the
/// sequential-MNIST LSTM and GRU), instead of <c>(x - 0.1307) / 0.3081</c>.
/// </param>
/// <param name="CreateOnDevice">
/// Builds the generated device twin (<c>Model.Gpu</c>) on a device from the seed and a batch capacity, for
/// <c>train --device gpu</c>; null for a model without device code.
/// </param>
internal sealed record ModelInfo(string Name, string Description, Func<int, ITrainableNetwork> Create, Type NetworkType, int DefaultBatchSize,
    bool CosineSchedule = false, Func<GpuDevice, int, int, ITrainableNetwork>? CreateOnDevice = null, bool RawPixels = false);

/// <summary>A pair for the <c>transfer</c> command: a network for the digits 0–4 and one for 5–9 that share their body's layer names.</summary>
/// <param name="Name">The name used with <c>transfer --model</c>.</param>
/// <param name="Description">What it is.</param>
/// <param name="CreatePretrain">Builds the 0–4 network.</param>
/// <param name="CreateFinetune">Builds the 5–9 network (same body, a head with another name).</param>
/// <param name="BodyLayers">The shared body's layers with parameters, frozen for fine-tuning.</param>
internal sealed record TransferModels(
    string Name, string Description, Func<int, ITrainableNetwork> CreatePretrain, Func<int, ITrainableNetwork> CreateFinetune, IReadOnlyList<string> BodyLayers);

/// <summary>The networks of <c>Models.cs</c> by name.</summary>
internal static class ModelCatalog
{
    /// <summary>The networks of <c>train</c>, in the order help lists them.</summary>
    public static IReadOnlyList<ModelInfo> Models { get; } =
    [
        // Batch sizes: over seeds 1-5 the CNN's last epoch at batch 32 swings between 95.9% and 97.5% held out (a large
        // step count with Adam at 1e-3 is noisy late in training); at batch 64 it ends between 97.1% and 98.0%.
        new("mlp", "MLP 784-128-10", seed => new MnistMlp(seed), typeof(MnistMlp), DefaultBatchSize: 32,
            CreateOnDevice: (device, seed, batch) => new MnistMlp.Gpu(device, seed, batch)),
        new("lenet", "LeNet-5 with 3x3 kernels", seed => new LeNet5(seed), typeof(LeNet5), DefaultBatchSize: 32,
            CreateOnDevice: (device, seed, batch) => new LeNet5.Gpu(device, seed, batch)),
        new("cnn", "three-convolution CNN", seed => new MnistCnn(seed), typeof(MnistCnn), DefaultBatchSize: 64,
            CreateOnDevice: (device, seed, batch) => new MnistCnn.Gpu(device, seed, batch)),
        // The ResNet's held-out accuracy still swings by a point between epochs at a constant rate; a cosine decay to 0
        // over the run makes the last epochs both the best and stable.
        new("resnet", "ResNet: three residual blocks with batch norm", seed => new MnistResNet(seed), typeof(MnistResNet), DefaultBatchSize: 64,
            CosineSchedule: true, CreateOnDevice: (device, seed, batch) => new MnistResNet.Gpu(device, seed, batch)),
        // Sequential MNIST: 28 steps of one 28-pixel row each, with the recipe of PyTorch's nn.LSTM / nn.GRU baselines
        // (Adam 1e-3, batch 32, raw pixels in [0, 1]).
        new("lstm", "LSTM(128) over 28 rows, last step -> Dense(10)", seed => new MnistLstm(seed), typeof(MnistLstm), DefaultBatchSize: 32,
            RawPixels: true, CreateOnDevice: (device, seed, batch) => new MnistLstm.Gpu(device, seed, batch)),
        new("gru", "GRU(128) over 28 rows, last step -> Dense(10)", seed => new MnistGru(seed), typeof(MnistGru), DefaultBatchSize: 32,
            RawPixels: true, CreateOnDevice: (device, seed, batch) => new MnistGru.Gpu(device, seed, batch)),
    ];

    /// <summary>The pairs of <c>transfer</c>.</summary>
    public static IReadOnlyList<TransferModels> TransferPairs { get; } =
    [
        new("mlp", "MLP: body 784-256, head 256-128-5", seed => new MlpDigits04(seed), seed => new MlpDigits59(seed), ["body1"]),
        new("lenet", "LeNet-5: two-convolution body, head 400-120-5", seed => new LeNetDigits04(seed), seed => new LeNetDigits59(seed), ["body1", "body2"]),
    ];

    /// <summary>The <c>train</c> model names.</summary>
    public static IReadOnlyList<string> Names { get; } = Models.Select(m => m.Name).ToArray();

    /// <summary>The <c>transfer</c> model names.</summary>
    public static IReadOnlyList<string> TransferNames { get; } = TransferPairs.Select(m => m.Name).ToArray();

    /// <summary>The model called <paramref name="name"/>; the option parser has already checked it is one of <see cref="Names"/>.</summary>
    public static ModelInfo Get(string name) => Models.First(m => m.Name == name);

    /// <summary>The transfer pair called <paramref name="name"/>.</summary>
    public static TransferModels GetTransfer(string name) => TransferPairs.First(m => m.Name == name);

    /// <summary>The model stored in a checkpoint: by its <c>model</c> metadata, or else by the generated class name Myelin writes.</summary>
    /// <param name="modelName">The <c>model</c> metadata value, if any.</param>
    /// <param name="networkType">The <c>myelin.network</c> metadata value (a full type name), if any.</param>
    public static ModelInfo? Find(string? modelName, string? networkType)
    {
        if (modelName is not null) return Models.FirstOrDefault(m => m.Name == modelName);
        return networkType is null ? null : Models.FirstOrDefault(m => m.NetworkType.FullName == networkType);
    }
}
