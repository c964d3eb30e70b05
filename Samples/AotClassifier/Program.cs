using System;
using System.IO;
using Myelin;
using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Quantization;

// myelin-classify <checkpoint.safetensors> [index]
// Loads LeNet-5 weights saved by `myelin-mnist train --model lenet --save lenet.safetensors`, or the int8 network
// `myelin-mnist quantize --load lenet.safetensors --out lenet.int8.safetensors` made of them, then classifies the
// held-out digit at [index], or all 2,000 of them when no index is given.
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: myelin-classify <lenet.safetensors | lenet.int8.safetensors> [held-out index 0-1999]");
    return 2;
}

try
{
    // The checkpoint's metadata says which: an int8 one runs the generated LeNet5.Int8, int8 weights and int32 sums.
    INetwork network;
    if (Int8Checkpoint.IsInt8(args[0]))
    {
        var int8 = new LeNet5.Int8();
        Int8Checkpoint.Load(int8, args[0]);
        network = int8;
    }
    else
    {
        var float32 = new LeNet5();
        Checkpoint.Load(float32, args[0]);
        float32.IsTraining = false;
        network = float32;
    }
    // The sample trains on normalised pixels; a checkpoint saved with --no-normalize would say normalize=none.
    var normalization = Normalization.Scalar(Mnist.PixelMean, Mnist.PixelStd);

    Span<float> probabilities = stackalloc float[LeNet5.OutputSize];
    if (args.Length == 2)
    {
        if (!int.TryParse(args[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            Console.Error.WriteLine($"myelin-classify: the index '{args[1]}' is not a whole number; give a held-out digit from 0 to 1999.");
            return 2;
        }
        var (digit, label) = HeldOutDigit.Read(index, normalization);
        int predicted = network.PredictClass(digit, probabilities);
        Console.WriteLine($"digit {index}: predicted {predicted} ({probabilities[predicted]:P1}), label {label}");
        return 0;
    }

    var (_, heldOut) = Mnist.SplitBundled(Mnist.LoadBundled());
    heldOut = normalization.Transform(heldOut);
    int correct = 0;
    for (int i = 0; i < heldOut.Count; i++)
    {
        if (network.PredictClass(heldOut.Sample(i)) == heldOut.Label(i)) correct++;
    }
    Console.WriteLine($"held-out accuracy: {(double)correct / heldOut.Count:P2} ({correct} / {heldOut.Count})");
    return 0;
}
catch (Exception error) when (error is IOException or InvalidDataException or CheckpointMismatchException or ArgumentException)
{
    Console.Error.WriteLine($"myelin-classify: {error.Message}");
    return 1;
}

/// <summary>
/// LeNet-5 as in the MNIST sample: the same attributes give the same parameter names, so its checkpoints load; with
/// Int8 = true, as there, so that its int8 checkpoints load into the generated LeNet5.Int8.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Int8 = true)]
[Input(1, 28, 28)]
[Conv2D(6, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU)]
[Dense(10)]
public partial class LeNet5;
