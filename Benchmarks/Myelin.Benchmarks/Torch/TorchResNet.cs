using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Myelin.Benchmarks.Torch;

/// <summary>
/// The twin of <see cref="Samples.Mnist.MnistResNet"/> as a PyTorch user writes a ResNet: an <c>nn.Module</c> whose
/// <c>forward</c> adds each block's shortcut. The fields carry Myelin's layer names, so the parameter names
/// (<c>block2_shortcut.weight</c>, <c>stem_bn.bias</c>) match and the weights copy across by name. Convolutions before
/// a batch norm have no bias, as in torchvision's ResNets.
/// </summary>
internal sealed class TorchResNet : nn.Module<Tensor, Tensor>
{
    // Field names are the PyTorch module names; RegisterComponents registers them under these names.
#pragma warning disable IDE1006 // naming: these are PyTorch module names, not C# field names
    private readonly Conv2d stem = Conv(1, 16, 3, 1, 1);
    private readonly BatchNorm2d stem_bn = nn.BatchNorm2d(16);
    private readonly Conv2d block1_conv1 = Conv(16, 16, 3, 1, 1);
    private readonly BatchNorm2d block1_bn1 = nn.BatchNorm2d(16);
    private readonly Conv2d block1_conv2 = Conv(16, 16, 3, 1, 1);
    private readonly BatchNorm2d block1_bn2 = nn.BatchNorm2d(16);
    private readonly Conv2d block2_conv1 = Conv(16, 32, 3, 2, 1);
    private readonly BatchNorm2d block2_bn1 = nn.BatchNorm2d(32);
    private readonly Conv2d block2_conv2 = Conv(32, 32, 3, 1, 1);
    private readonly BatchNorm2d block2_bn2 = nn.BatchNorm2d(32);
    private readonly Conv2d block2_shortcut = Conv(16, 32, 1, 2, 0);
    private readonly BatchNorm2d block2_shortcut_bn = nn.BatchNorm2d(32);
    private readonly Conv2d block3_conv1 = Conv(32, 64, 3, 2, 1);
    private readonly BatchNorm2d block3_bn1 = nn.BatchNorm2d(64);
    private readonly Conv2d block3_conv2 = Conv(64, 64, 3, 1, 1);
    private readonly BatchNorm2d block3_bn2 = nn.BatchNorm2d(64);
    private readonly Conv2d block3_shortcut = Conv(32, 64, 1, 2, 0);
    private readonly BatchNorm2d block3_shortcut_bn = nn.BatchNorm2d(64);
    private readonly Linear head = nn.Linear(64, 10);
#pragma warning restore IDE1006

    public TorchResNet() : base("MnistResNet") => RegisterComponents();

    /// <summary>[n, 1, 28, 28] -> [n, 10] logits.</summary>
    public override Tensor forward(Tensor input)
    {
        Tensor x = F.relu(stem_bn.forward(stem.forward(input)));                                  // [n, 16, 28, 28]
        Tensor y = F.relu(block1_bn1.forward(block1_conv1.forward(x)));
        x = F.relu(x + block1_bn2.forward(block1_conv2.forward(y)));                              // identity shortcut
        y = F.relu(block2_bn1.forward(block2_conv1.forward(x)));                                  // [n, 32, 14, 14]
        x = F.relu(block2_bn2.forward(block2_conv2.forward(y)) + block2_shortcut_bn.forward(block2_shortcut.forward(x)));
        y = F.relu(block3_bn1.forward(block3_conv1.forward(x)));                                  // [n, 64, 7, 7]
        x = F.relu(block3_bn2.forward(block3_conv2.forward(y)) + block3_shortcut_bn.forward(block3_shortcut.forward(x)));
        return head.forward(x.mean([2L, 3L]));                                                     // global average pool
    }

    private static Conv2d Conv(long input, long output, long kernel, long stride, long padding) =>
        nn.Conv2d(input, output, kernel, stride: stride, padding: padding, bias: false);
}
