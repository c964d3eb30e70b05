using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Myelin.Benchmarks.Torch;

/// <summary>
/// The benchmarked networks written as a PyTorch user would: <c>nn.Sequential</c> of stock modules, float32, CPU.
/// Modules carry Myelin's layer names (<c>conv1</c>, <c>dense1</c>, ...), so the parameter names (<c>dense1.weight</c>)
/// and layouts (<c>[out, in]</c>, <c>[out, in, kh, kw]</c>) are the same on both sides and weights copy across by name.
/// </summary>
internal static class TorchModels
{
    /// <summary>784-128-10 with ReLU: the twin of <see cref="Networks.Mlp"/>.</summary>
    public static Sequential Mlp() => nn.Sequential(
        ("dense1", nn.Linear(784, 128)),
        ("relu1", nn.ReLU()),
        ("dense2", nn.Linear(128, 10)));

    /// <summary>LeNet-5 with 3x3 kernels: the twin of <see cref="Networks.LeNet5"/>.</summary>
    public static Sequential LeNet5() => nn.Sequential(
        ("conv1", nn.Conv2d(1, 6, 3)),       // [n, 6, 26, 26]
        ("relu1", nn.ReLU()),
        ("maxpool1", nn.MaxPool2d(2)),       // [n, 6, 13, 13]
        ("conv2", nn.Conv2d(6, 16, 3)),      // [n, 16, 11, 11]
        ("relu2", nn.ReLU()),
        ("maxpool2", nn.MaxPool2d(2)),       // [n, 16, 5, 5]
        ("flatten1", nn.Flatten()),          // [n, 400]
        ("dense1", nn.Linear(400, 120)),
        ("relu3", nn.ReLU()),
        ("dense2", nn.Linear(120, 10)));

    /// <summary>The three-convolution CNN: the twin of <see cref="Networks.Cnn"/>.</summary>
    public static Sequential Cnn() => nn.Sequential(
        ("conv1", nn.Conv2d(1, 32, 3)),      // [n, 32, 26, 26]
        ("relu1", nn.ReLU()),
        ("maxpool1", nn.MaxPool2d(2)),       // [n, 32, 13, 13]
        ("conv2", nn.Conv2d(32, 64, 3)),     // [n, 64, 11, 11]
        ("relu2", nn.ReLU()),
        ("maxpool2", nn.MaxPool2d(2)),       // [n, 64, 5, 5]
        ("conv3", nn.Conv2d(64, 64, 3)),     // [n, 64, 3, 3]
        ("relu3", nn.ReLU()),
        ("flatten1", nn.Flatten()),          // [n, 576]
        ("dense1", nn.Linear(576, 64)),
        ("relu4", nn.ReLU()),
        ("dense2", nn.Linear(64, 10)));

    /// <summary>The three-block ResNet: the twin of <see cref="Samples.Mnist.MnistResNet"/> (a module of its own: its forward adds shortcuts).</summary>
    public static nn.Module<Tensor, Tensor> ResNet() => new TorchResNet();
}
