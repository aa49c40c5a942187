#!/usr/bin/python3
"""Trains a PyTorch MLP on Fashion-MNIST with AdamW: the user's own training
code that hpo tunes, in two ways (see README.md, "Tune your own PyTorch code"):

  hpo agent STUDY -- python3 examples/pytorch/train.py
      hpo runs this script once per trial with --lr=... --weight_decay=...;
      it prints `step=EPOCH val_accuracy=... val_loss=...` after each epoch,
      which hpo reads (Katib's stdout format).
  examples/pytorch/optimize.py
      calls train() below through the Python client, reporting each epoch.

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, or
$FASHION_MNIST_DIR): the first 50,000 training images train, the last
10,000 validate, the 10,000 test images give test_accuracy at the end.
"""
import argparse
import gzip
import os
import sys
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(name: str) -> np.ndarray:
    """An IDX file of the dataset (images: n x 784 floats in [0, 1]; labels: n ints)."""
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    if dims == 3:
        return array.reshape(shape[0], -1).astype(np.float32) / 255.0
    return array.astype(np.int64)


_DATA: Optional[Dict[str, Tuple[torch.Tensor, torch.Tensor]]] = None


def load_data() -> Dict[str, Tuple[torch.Tensor, torch.Tensor]]:
    """train / val / test tensors, read once per process."""
    global _DATA
    if _DATA is None:
        images = torch.from_numpy(read_idx("train-images-idx3-ubyte.gz"))
        labels = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz"))
        test_images = torch.from_numpy(read_idx("t10k-images-idx3-ubyte.gz"))
        test_labels = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz"))
        _DATA = {"train": (images[:50000], labels[:50000]),
                 "val": (images[50000:], labels[50000:]),
                 "test": (test_images, test_labels)}
    return _DATA


def evaluate(model: nn.Module, split: Tuple[torch.Tensor, torch.Tensor]) -> Tuple[float, float]:
    """(accuracy, mean cross-entropy) of `model` on a split."""
    model.eval()
    images, labels = split
    with torch.no_grad():
        logits = model(images)
        loss = nn.functional.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(1) == labels).float().mean().item()
    model.train()
    return accuracy, loss


def train(lr: float, weight_decay: float, dropout: float, hidden: int, epochs: int = 4,
          batch_size: int = 128, seed: int = 0,
          on_epoch: Callable[[int, Dict[str, float]], bool] = lambda epoch, metrics: False
          ) -> Dict[str, float]:
    """Trains, calling on_epoch(epoch, metrics) after each epoch; stops early
    when it returns True. Returns the last epoch's metrics and test_accuracy."""
    torch.manual_seed(seed)
    data = load_data()
    model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Dropout(dropout),
                          nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                          nn.Linear(hidden, 10))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    images, labels = data["train"]
    metrics: Dict[str, float] = {}
    for epoch in range(epochs):
        order = torch.randperm(len(images))
        total = 0.0
        for start in range(0, len(images), batch_size):
            batch = order[start:start + batch_size]
            loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        val_accuracy, val_loss = evaluate(model, data["val"])
        metrics = {"val_accuracy": val_accuracy, "val_loss": val_loss,
                   "train_loss": total / len(images)}
        if on_epoch(epoch, metrics):
            break
    metrics["test_accuracy"] = evaluate(model, data["test"])[0]
    return metrics


def main() -> int:
    parser = argparse.ArgumentParser(description="Train an MLP on Fashion-MNIST with AdamW")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight_decay", type=float, default=1e-2)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: one trial per core)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    def report(epoch: int, metrics: Dict[str, float]) -> bool:
        # One line per epoch that hpo agent reads; flushed so it arrives now.
        print(f"step={epoch} " + " ".join(f"{k}={v:.6g}" for k, v in metrics.items()), flush=True)
        return False

    metrics = train(args.lr, args.weight_decay, args.dropout, args.hidden, args.epochs,
                    args.batch_size, on_epoch=report)
    print(f"test_accuracy={metrics['test_accuracy']:.6g}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
