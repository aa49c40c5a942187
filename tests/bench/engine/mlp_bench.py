# PyTorch side of mlp_bench.cc: a 784-256-128-10 ReLU MLP on Fashion-MNIST,
# batch 128, one thread, AdamW lr 1e-3 wd 1e-2, 3 epochs, nn.Linear's default
# init; 55,000 training images (a seeded subset, as the hpo side keeps 5,000
# for validation). Prints samples/s per epoch and the test accuracy.
# Run with Debian's torch: /usr/bin/python3 mlp_bench.py [DIR]
import gzip
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(0)
DIR = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"


def idx(path, offset):
    with gzip.open(f"{DIR}/{path}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


x = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255)
y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
xt = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255)
yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
keep = torch.randperm(60000)[5000:]
x, y = x[keep].contiguous(), y[keep].contiguous()

model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                            torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
loss_fn = torch.nn.CrossEntropyLoss()
best = 0
for epoch in range(1, 4):
    order = torch.randperm(len(x))
    start = time.perf_counter()
    for i in range(0, len(x), 128):
        index = order[i:i + 128]
        opt.zero_grad()
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        opt.step()
    rate = len(x) / (time.perf_counter() - start)
    best = max(best, rate)
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    print(f"torch epoch {epoch}: test_acc {acc:.4f}  {rate:.0f} samples/s")
print(json.dumps({"samples_per_s": round(best), "test_accuracy": round(acc, 4)}))
