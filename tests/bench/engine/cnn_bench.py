# PyTorch side of cnn_bench.cc: conv(32, 3x3, pad 1)-relu-pool2-conv(64, 3x3,
# pad 1)-relu-pool2-linear(128)-relu-linear(10) on Fashion-MNIST, batch 128,
# one thread, AdamW lr 1e-3 wd 1e-2, the layers' default init; 55,000
# training images (a seeded subset, as the hpo side keeps 5,000 for
# validation), or the first N of them. Prints samples/s per epoch and the
# test accuracy.
# Run with Debian's torch: /usr/bin/python3 cnn_bench.py [EPOCHS] [N] [DIR]
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
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
N = int(sys.argv[2]) if len(sys.argv) > 2 else 55000
DIR = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/datasets/fashion-mnist"


def idx(path, offset):
    with gzip.open(f"{DIR}/{path}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


x = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
xt = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
keep = torch.randperm(60000)[5000:]
x, y = x[keep][:N].contiguous(), y[keep][:N].contiguous()

nn = torch.nn
model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
loss_fn = torch.nn.CrossEntropyLoss()
best = 0
for epoch in range(1, EPOCHS + 1):
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
    print(f"torch epoch {epoch}: test_acc {acc:.4f}  {rate:.0f} samples/s", flush=True)
print(json.dumps({"samples_per_s": round(best), "test_accuracy": round(acc, 4)}))
