"""cuBLAS float32 matrix products through torch.matmul, timed like myelin-gpu-bench's `matmul` command.

Usage: python3 torch_matmul.py            (on the same GPU as `myelin-gpu-bench matmul --device gpu`)

y[M, N] = x[M, K] @ W^T with M = N = K, TF32 off (Myelin's kernels are plain float32), mean of timed runs after warm-up.
"""
import time

import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
print(f"Device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
print(f"{'M':>6} {'N':>6} {'K':>6}  {'ms':>12}  {'TFLOP/s':>10}")
for n in (4096, 8192):
    x = torch.rand(n, n, device="cuda") - 0.5
    w = torch.rand(n, n, device="cuda") - 0.5
    for _ in range(2):
        torch.matmul(x, w.t())
    torch.cuda.synchronize()
    runs, start = 0, time.perf_counter()
    while True:
        torch.matmul(x, w.t())
        torch.cuda.synchronize()
        runs += 1
        if time.perf_counter() - start >= 1.0:
            break
    ms = (time.perf_counter() - start) / runs * 1000
    print(f"{n:>6} {n:>6} {n:>6}  {ms:>12.3f}  {2 * n**3 / (ms / 1000) / 1e12:>10.2f}")
