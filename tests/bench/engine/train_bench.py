# PyTorch side of mlp_bench.cc and cnn_bench.cc: trains one of their models on
# Fashion-MNIST, batch 128, AdamW lr 1e-3 wd 1e-2, the layers' default init,
# on 55,000 training images (a seeded subset, as the hpo side keeps 5,000 for
# validation) or the first N of them, on THREADS threads
# (torch.set_num_threads). Prints samples/s per epoch and, last, a JSON line
# with the best epoch's samples/s and the test accuracy.
#   mlp: 784-256-128-10 ReLU MLP
#   cnn: conv(32, 3x3, pad 1)-relu-pool2-conv(64, 3x3, pad 1)-relu-pool2-
#        linear(128)-relu-linear(10)
# Run with Debian's torch:
#   /usr/bin/python3 train_bench.py mlp|cnn [EPOCHS] [N] [THREADS] [SEED] [DIR]
import gzip
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np
import torch

MODEL = sys.argv[1]
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
N = int(sys.argv[3]) if len(sys.argv) > 3 and int(sys.argv[3]) > 0 else 55000
THREADS = int(sys.argv[4]) if len(sys.argv) > 4 else 1
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else 0
DIR = sys.argv[6] if len(sys.argv) > 6 else "/usr/share/datasets/fashion-mnist"
torch.set_num_threads(THREADS)
torch.manual_seed(SEED)
nn = torch.nn
if MODEL == "mlp":
    shape = (-1, 784)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
elif MODEL == "cnn":
    shape = (-1, 1, 28, 28)
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    sys.exit(f"unknown model {MODEL!r}: mlp or cnn")


def idx(path, offset):
    with gzip.open(f"{DIR}/{path}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


x = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16).reshape(shape).astype(np.float32) / 255)
y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
xt = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz", 16).reshape(shape).astype(np.float32) / 255)
yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
keep = torch.randperm(60000)[5000:]
x, y = x[keep][:N].contiguous(), y[keep][:N].contiguous()

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
