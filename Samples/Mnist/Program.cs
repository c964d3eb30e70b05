using System;
using Myelin;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Samples.Mnist;
using Myelin.Training;

string model = args.Length > 0 ? args[0] : "mlp";
int epochs = args.Length > 1 ? int.Parse(args[1]) : 10;
var all = Mnist.LoadBundled();
var (train, test) = Mnist.SplitBundled(all);
int batch = args.Length > 2 ? int.Parse(args[2]) : 64;
if (args.Length > 3 && args[3] == "norm")
{
    var norm = Normalization.Scalar(Mnist.PixelMean, Mnist.PixelStd);
    train = norm.Transform(train);
    test = norm.Transform(test);
}
ITrainableNetwork net = model switch { "lenet" => new LeNet5(1), "cnn" => new MnistCnn(1), _ => new MnistMlp(1) };
Console.WriteLine(net.Summary());
var history = net.Fit(train, new FitOptions { Epochs = epochs, BatchSize = batch, Optimizer = new Adam(1e-3), Seed = 1, ValidationData = test });
foreach (var e in history.Epochs) Console.WriteLine(e);
