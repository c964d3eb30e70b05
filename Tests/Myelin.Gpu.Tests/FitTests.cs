using Myelin.Data;
using Myelin.Gpu.Tests.Infrastructure;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Gpu.Tests;

/// <summary>The runtime's Fit, Evaluate and Predict run on a device network unchanged, and follow the CPU network.</summary>
[Collection(DeviceCollection.Name)]
public sealed class FitTests(DeviceFixture fixture)
{
    /// <summary>Two noisy classes of 12 features: the class shifts the first half of the features up or down.</summary>
    private static Dataset TwoBlobs(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 12];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            for (int j = 0; j < 12; j++)
                features[i * 12 + j] = (float)(random.NextGaussian() * 0.5 + (j < 6 ? (labels[i] == 0 ? -1 : 1) : 0));
        }
        return new Dataset(features, [12], labels, classCount: 5);
    }

    [Fact]
    public void A_short_Fit_on_the_device_learns_and_follows_the_Fit_of_the_CPU_network()
    {
        var train = TwoBlobs(48, seed: 1);
        var validation = TwoBlobs(16, seed: 2);
        FitOptions Options() => new()
        {
            Epochs = 3,
            BatchSize = 16,
            Optimizer = new Sgd(lr: 0.2, momentum: 0.9),
            ValidationData = validation,
            Seed = 5,
        };
        var cpu = new DenseNet(seed: 3);
        using var gpu = new DenseNet.Gpu(fixture.Device, seed: 3);
        var cpuHistory = cpu.Fit(train, Options());
        var gpuHistory = gpu.Fit(train, Options());

        AssertFollows(cpu, cpuHistory, gpu, gpuHistory, "the dense network");

        var cpuEvaluation = cpu.Evaluate(validation);
        var gpuEvaluation = gpu.Evaluate(validation);
        Close.Equal((float)cpuEvaluation.Loss, (float)gpuEvaluation.Loss, "Evaluate's loss", relative: 1e-3, absolute: 1e-4);
        Assert.Equal(cpuEvaluation.Accuracy, gpuEvaluation.Accuracy);
        Close.Equal(cpu.Predict(validation), gpu.Predict(validation), "Predict", relative: 1e-3, absolute: 1e-4);
    }

    /// <summary>
    /// Two classes of sequences of 6 steps of 4 features: the class is the sign of a drift that the first feature
    /// accumulates step by step (zero mean at every single step early on, so the LSTM must carry it through its state).
    /// </summary>
    private static Dataset Drifts(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 24];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            float drift = labels[i] == 0 ? -0.3f : 0.3f;
            for (int t = 0; t < 6; t++)
            {
                for (int f = 0; f < 4; f++)
                    features[i * 24 + t * 4 + f] = (float)(random.NextGaussian() * 0.5) + (f == 0 ? drift * t : 0f);
            }
        }
        return new Dataset(features, [6, 4], labels, classCount: 3);
    }

    [Fact]
    public void A_short_Fit_of_an_LSTM_on_the_device_learns_and_follows_the_Fit_of_the_CPU_network()
    {
        var train = Drifts(48, seed: 1);
        var validation = Drifts(16, seed: 2);
        FitOptions Options() => new()
        {
            Epochs = 3,
            BatchSize = 8,
            Optimizer = new Adam(lr: 0.05),
            ValidationData = validation,
            Seed = 5,
        };
        var cpu = new LstmNet(seed: 3);
        using var gpu = new LstmNet.Gpu(fixture.Device, seed: 3);
        var cpuHistory = cpu.Fit(train, Options());
        var gpuHistory = gpu.Fit(train, Options());

        AssertFollows(cpu, cpuHistory, gpu, gpuHistory, "the LSTM");
        Close.Equal(cpu.Predict(validation), gpu.Predict(validation), "LSTM Predict", relative: 1e-3, absolute: 1e-4);
    }

    /// <summary>Three epochs on each backend: the same metrics every epoch and the same parameters at the end, and the loss fell.</summary>
    private static void AssertFollows(ITrainableNetwork cpu, History cpuHistory, ITrainableNetwork gpu, History gpuHistory, string what)
    {
        Assert.Equal(3, gpuHistory.Epochs.Count);
        for (int e = 0; e < 3; e++)
        {
            foreach (string key in new[] { "loss", "accuracy", "val_loss", "val_accuracy" })
                Close.Equal((float)cpuHistory.Epochs[e].Metrics[key], (float)gpuHistory.Epochs[e].Metrics[key], $"{what}, epoch {e + 1} {key}", relative: 1e-3, absolute: 1e-4);
        }
        Close.Equal(cpu.Parameters, gpu.Parameters, $"{what}: parameters after Fit", relative: 1e-3, absolute: 1e-5);
        Assert.True(gpuHistory.Epochs[^1].Metrics["loss"] < gpuHistory.Epochs[0].Metrics["loss"] * 0.8,
            $"{what}: the training loss went from {gpuHistory.Epochs[0].Metrics["loss"]} to {gpuHistory.Epochs[^1].Metrics["loss"]}");
    }

    [Fact]
    public void Predict_runs_an_inference_only_device_network_like_the_CPU_one()
    {
        var cpu = new InferenceNet(seed: 2);
        using var gpu = new InferenceNet.Gpu(fixture.Device, seed: 2);
        var data = new Dataset(TestData.Inputs(cpu, 7, seed: 4), [4], new float[7], targetSize: 1);
        Close.Equal(cpu.Predict(data, batchSize: 3), gpu.Predict(data, batchSize: 3), "Predict of an inference-only network");
    }
}
