using Myelin;
using Myelin.Checkpoints;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;
using Myelin.Samples.Mnist;

// Trains MLP, LeNet-5 and the ResNet of the MNIST sample for one epoch on 640 bundled digits, saves each as safetensors
// and ONNX, and writes 16 held-out digits (normalised) and each network's eval-mode logits for them, as raw float32.
string outDir = args.Length > 0 ? args[0] : "interop";
Directory.CreateDirectory(outDir);
var (train, test) = Mnist.SplitBundled(Mnist.LoadBundled());
var norm = Normalization.Scalar(0.1307f, 0.3081f);
var small = norm.Transform(train.Slice(0, 640));
var heldOut = norm.Transform(test.Slice(0, 16));
foreach (var (name, net) in new (string, ITrainableNetwork)[] { ("lenet", new LeNet5(1)), ("resnet", new MnistResNet(1)), ("mlp", new MnistMlp(1)) })
{
    net.Fit(small, new FitOptions { Epochs = 1, BatchSize = 64, Optimizer = new Adam(1e-3), Seed = 1 });
    Checkpoint.Save(net, Path.Combine(outDir, name + ".safetensors"));
    Onnx.Export(net, Path.Combine(outDir, name + ".onnx"));
    net.IsTraining = false;
    net.EnsureBatchCapacity(16);
    var logits = new float[16 * net.OutputSize];
    net.Forward(heldOut.Features, logits, 16);
    File.WriteAllBytes(Path.Combine(outDir, name + ".logits.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(logits.AsSpan()).ToArray());
    Console.WriteLine($"{name}: {logits[0]} {logits[1]}");
}
File.WriteAllBytes(Path.Combine(outDir, "inputs.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(heldOut.Features).ToArray());
