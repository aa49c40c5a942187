# Generates the PyTorch AdamW golden values pasted into tests/engine/adamw_test.cc
# (AdamWGoldenTorch tests). Run with Debian's torch: /usr/bin/python3 adamw_golden.py
import math
import torch

def run(dtype, steps, lrs, **kwargs):
    theta = torch.tensor([1.0, -0.5, 0.25, 2.0], dtype=dtype, requires_grad=True)
    opt = torch.optim.AdamW([theta], lr=lrs[0], weight_decay=0.1, **kwargs)
    for t in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = lrs[t - 1]
        theta.grad = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=dtype) * 0.3 ** (t - 1)
        opt.step()
    return [repr(float(x)) for x in theta.detach()]

const = [0.01] * 6
# cosine from 0.01 to 0.001 over T = 6 steps, t = 0..5
cosine = [0.001 + (0.01 - 0.001) * (1 + math.cos(math.pi * t / 6)) / 2 for t in range(6)]
print("maximize f64       ", run(torch.float64, 6, const, maximize=True))
print("amsgrad+maximize f64", run(torch.float64, 6, const, amsgrad=True, maximize=True))
print("cosine f64         ", run(torch.float64, 6, cosine))
print("amsgrad f32        ", run(torch.float32, 6, const, amsgrad=True))
print("maximize f32       ", run(torch.float32, 6, const, maximize=True))
