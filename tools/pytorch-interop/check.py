"""Loads Myelin's safetensors checkpoints into real PyTorch modules (strict) and Myelin's ONNX files into Python ONNX
Runtime, and compares both with the logits Myelin computed for the same 16 held-out digits."""
import sys
import numpy as np
import torch
from torch import nn
from safetensors.torch import load_file
import onnxruntime as ort

d = sys.argv[1]
x = np.fromfile(f"{d}/inputs.bin", dtype=np.float32).reshape(16, 1, 28, 28)

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3); self.conv2 = nn.Conv2d(6, 16, 3)
        self.dense1 = nn.Linear(400, 120); self.dense2 = nn.Linear(120, 10)
    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.dense2(torch.relu(self.dense1(x.flatten(1))))

class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense1 = nn.Linear(784, 128); self.dense2 = nn.Linear(128, 10)
    def forward(self, x):
        return self.dense2(torch.relu(self.dense1(x.flatten(1))))

def cb(cin, cout, k, stride, pad):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=False)

class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = cb(1, 16, 3, 1, 1); self.stem_bn = nn.BatchNorm2d(16)
        self.block1_conv1 = cb(16, 16, 3, 1, 1); self.block1_bn1 = nn.BatchNorm2d(16)
        self.block1_conv2 = cb(16, 16, 3, 1, 1); self.block1_bn2 = nn.BatchNorm2d(16)
        self.block2_conv1 = cb(16, 32, 3, 2, 1); self.block2_bn1 = nn.BatchNorm2d(32)
        self.block2_conv2 = cb(32, 32, 3, 1, 1); self.block2_bn2 = nn.BatchNorm2d(32)
        self.block2_shortcut = cb(16, 32, 1, 2, 0); self.block2_shortcut_bn = nn.BatchNorm2d(32)
        self.block3_conv1 = cb(32, 64, 3, 2, 1); self.block3_bn1 = nn.BatchNorm2d(64)
        self.block3_conv2 = cb(64, 64, 3, 1, 1); self.block3_bn2 = nn.BatchNorm2d(64)
        self.block3_shortcut = cb(32, 64, 1, 2, 0); self.block3_shortcut_bn = nn.BatchNorm2d(64)
        self.head = nn.Linear(64, 10)
    def forward(self, x):
        r = torch.relu
        b1 = r(self.stem_bn(self.stem(x)))
        y = r(self.block1_bn1(self.block1_conv1(b1)))
        b2 = r(b1 + self.block1_bn2(self.block1_conv2(y)))
        y = r(self.block2_bn1(self.block2_conv1(b2)))
        b3 = r(self.block2_bn2(self.block2_conv2(y)) + self.block2_shortcut_bn(self.block2_shortcut(b2)))
        y = r(self.block3_bn1(self.block3_conv1(b3)))
        b4 = r(self.block3_bn2(self.block3_conv2(y)) + self.block3_shortcut_bn(self.block3_shortcut(b3)))
        return self.head(b4.mean(dim=(2, 3)))

ok = True
for name, module in (("mlp", Mlp()), ("lenet", LeNet()), ("resnet", ResNet())):
    state = load_file(f"{d}/{name}.safetensors")
    dtypes = sorted({str(t.dtype) for t in state.values()})
    module.load_state_dict(state, strict=True)
    module.eval()
    expected = np.fromfile(f"{d}/{name}.logits.bin", dtype=np.float32).reshape(16, 10)
    with torch.no_grad():
        got = module(torch.from_numpy(x)).numpy()
    torch_err = float(np.max(np.abs(got - expected) / (1 + np.abs(expected))))
    session = ort.InferenceSession(f"{d}/{name}.onnx", providers=["CPUExecutionProvider"])
    onnx_out = session.run(["output"], {"input": x if name != "mlp" else x.reshape(16, 784)})[0]
    onnx_err = float(np.max(np.abs(onnx_out - expected) / (1 + np.abs(expected))))
    good = torch_err < 1e-4 and onnx_err < 1e-4
    ok &= good
    print(f"{name}: {len(state)} tensors ({', '.join(dtypes)}), load_state_dict(strict=True) ok; "
          f"max rel. difference PyTorch {torch_err:.2e}, onnxruntime {onnx_err:.2e} -> {'PASS' if good else 'FAIL'}")
print(f"torch {torch.__version__}, onnxruntime {ort.__version__}")
print("ALL PASS" if ok else "SOME FAILED")
