# PyTorch side of adamw_bench.cc: one AdamW step (foreach, float32) over 1M and
# 10M parameters, one thread; bandwidth at 28 bytes per parameter.
# Run with Debian's torch: /usr/bin/python3 adamw_bench.py
import json
import time
import warnings

warnings.filterwarnings("ignore")
import torch

torch.set_num_threads(1)


def step_seconds(n, foreach, repeats):
    p = torch.nn.Parameter(torch.full((n,), 0.5))
    p.grad = (torch.arange(n) % 17 - 8).float() * 1e-3
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2, foreach=foreach)
    opt.step()
    best = 1e30
    for _ in range(repeats):
        start = time.perf_counter()
        opt.step()
        best = min(best, time.perf_counter() - start)
    return best


result = {}
for n, repeats in ((1_000_000, 50), (10_000_000, 10)):
    for foreach in (True, False):
        s = step_seconds(n, foreach, repeats)
        name = "foreach" if foreach else "single-tensor"
        print(f"torch {torch.__version__} AdamW {name:13s} {n // 1_000_000:3d}M params: "
              f"{28 * n / s / 1e9:6.1f} GB/s  {s * 1e3:7.3f} ms")
        if foreach:
            result[f"torch_adamw_{n // 1_000_000}m_gb_s"] = round(28 * n / s / 1e9, 2)
print(json.dumps(result))
