using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using MnistFiles = Myelin.Data.Mnist;
using Myelin.Gpu;
using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Commands;

namespace Myelin.Samples.Tests;

/// <summary>
/// <c>train --device</c>: the generated device twin trains through ILGPU (its CPU simulator here, which runs the same
/// kernels as a GPU), saves a checkpoint the CPU network evaluates to the same accuracy, and a missing GPU is reported
/// before anything loads.
/// </summary>
public sealed class DeviceTests
{
    [Fact]
    public void Training_on_ILGPUs_CPU_accelerator_learns_and_saves_a_checkpoint_the_CPU_network_evaluates_the_same()
    {
        // The simulator runs every GPU thread in turn, so the run uses 900 of the bundled digits as official files.
        using var temp = new TempDirectory();
        string data = temp.File("mnist");
        WriteOfficialFiles(data, trainCount: 600, testCount: 300);
        string model = temp.File("mlp.safetensors");
        var trained = AppHarness.Run("train", "--model", "mlp", "--epochs", "2", "--batch", "64", "--data", data, "--device", "ilgpu-cpu", "--save", model);
        Assert.Equal((0, ""), (trained.ExitCode, trained.Errors));
        Assert.Contains("on CPU", trained.Output, StringComparison.OrdinalIgnoreCase);
        var (correct, total) = EndToEndTests.HeldOut(trained.Output);
        Assert.Equal(300, total);
        Assert.True(correct > 0.60 * total, $"held-out accuracy {correct} / {total} is not above 60% (chance is 10%) after two epochs of 600 digits on the device");

        // The device and the SIMD code compute the same network: the CPU evaluation of the saved weights may differ by
        // a few digits whose two best logits are within float32 rounding of each other, not more.
        var evaluated = AppHarness.Run("evaluate", "--load", model, "--data", data);
        Assert.Equal((0, ""), (evaluated.ExitCode, evaluated.Errors));
        var (cpuCorrect, cpuTotal) = EndToEndTests.HeldOut(evaluated.Output);
        Assert.Equal(total, cpuTotal);
        Assert.InRange(cpuCorrect, correct - 2, correct + 2);
    }

    [Fact]
    public void Without_a_GPU_device_gpu_fails_at_once_naming_the_option_and_the_devices_found()
    {
        if (GpuDevice.FindDevices().Any(d => d.Kind != DeviceKind.Cpu)) return; // this machine has a GPU: nothing to refuse

        var result = AppHarness.Run("train", "--model", "mlp", "--device", "gpu");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--device gpu", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Epoch", result.Output, StringComparison.Ordinal); // nothing trained
    }

    [Fact]
    public void An_unknown_device_is_a_usage_error_listing_the_devices()
    {
        var error = Assert.Throws<UsageException>(() => CommandLine.Parse(["train", "--device", "tpu"]));
        Assert.Contains("tpu", error.Message, StringComparison.Ordinal);
        foreach (string device in TrainOptions.Devices) Assert.Contains(device, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu", "mlp")]
    [InlineData("gpu", "mlp")]
    [InlineData("ilgpu-cpu", "mlp")]
    [InlineData("gpu", "lstm")]
    [InlineData("ilgpu-cpu", "gru")]
    public void The_device_option_binds_for_every_model_the_sequence_models_included(string device, string model)
    {
        var options = Assert.IsType<TrainOptions>(CommandLine.Parse(["train", "--model", model, "--device", device]).Options);
        Assert.Equal(device, options.Device);
    }

    [Fact]
    public void The_LSTM_trains_on_ILGPUs_CPU_accelerator_and_its_checkpoint_evaluates_the_same_on_the_CPU()
    {
        // 28 steps of a 128-unit layer are slow on the simulator (about 20 s here): one batch of 32 digits, and 32 held
        // out; the GRU's kernels are checked against the CPU network in Myelin.Gpu.Tests.
        const string model = "lstm";
        using var temp = new TempDirectory();
        string data = temp.File("mnist");
        WriteOfficialFiles(data, trainCount: 32, testCount: 32);
        string saved = temp.File(model + ".safetensors");
        var trained = AppHarness.Run("train", "--model", model, "--epochs", "1", "--batch", "32", "--data", data, "--device", "ilgpu-cpu", "--save", saved);
        Assert.Equal((0, ""), (trained.ExitCode, trained.Errors));
        Assert.Contains("on CPU", trained.Output, StringComparison.OrdinalIgnoreCase);
        var (correct, total) = EndToEndTests.HeldOut(trained.Output);
        Assert.Equal(32, total);

        var evaluated = AppHarness.Run("evaluate", "--load", saved, "--data", data);
        Assert.Equal((0, ""), (evaluated.ExitCode, evaluated.Errors));
        var (cpuCorrect, cpuTotal) = EndToEndTests.HeldOut(evaluated.Output);
        Assert.Equal(total, cpuTotal);
        Assert.InRange(cpuCorrect, correct - 1, correct + 1);
    }

    /// <summary>
    /// The first bundled digits as the four official IDX files (big-endian counts and sizes, one byte per pixel or
    /// label) that <c>--data</c> reads; the bundled pixels are bytes divided by 255, so they survive the round trip.
    /// </summary>
    private static void WriteOfficialFiles(string directory, int trainCount, int testCount)
    {
        Directory.CreateDirectory(directory);
        var (all, _) = MnistFiles.SplitBundled(MnistFiles.LoadBundled());
        Write(all, 0, trainCount, Path.Combine(directory, "train-images-idx3-ubyte"), Path.Combine(directory, "train-labels-idx1-ubyte"));
        Write(all, trainCount, testCount, Path.Combine(directory, "t10k-images-idx3-ubyte"), Path.Combine(directory, "t10k-labels-idx1-ubyte"));

        static void Write(Myelin.Data.Dataset digits, int start, int count, string images, string labels)
        {
            using (var writer = new BinaryWriter(File.Create(images)))
            {
                foreach (int header in new[] { 2051, count, 28, 28 }) writer.Write(BinaryPrimitives.ReverseEndianness(header));
                for (int i = start; i < start + count; i++)
                    foreach (float pixel in digits.Sample(i)) writer.Write((byte)Math.Round(pixel * 255));
            }
            using (var writer = new BinaryWriter(File.Create(labels)))
            {
                foreach (int header in new[] { 2049, count }) writer.Write(BinaryPrimitives.ReverseEndianness(header));
                for (int i = start; i < start + count; i++) writer.Write((byte)digits.Label(i));
            }
        }
    }
}
