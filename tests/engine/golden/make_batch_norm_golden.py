# Generates tests/engine/golden/batch_norm_golden.json: PyTorch golden values
# for the engine's batch_norm1d and batch_norm2d (worker/engine/layers/
# batch_norm.h). Each case is one nn.BatchNorm1d or nn.BatchNorm2d (float64)
# with a random weight and bias, run through a sequence of passes:
# - "train": model.train(), y = layer(x), y.backward(dy); recorded x, y, dy,
#   dx, dweight, dbias (the gradients of that pass alone) and the running
#   mean and variance after it;
# - "eval": model.eval(), y = layer(x); recorded x and y.
# Arrays are flattened in torch's row-major order (N, C, H, W), or (N, F).
#
# Run from the repository root with Debian's python3-torch 1.13:
#   /usr/bin/python3 tests/engine/golden/make_batch_norm_golden.py
# batch_norm_golden.json is written by this script only; do not edit it by hand.
import json
import os

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(0)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "batch_norm_golden.json")


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, kind, shape, eps, momentum, passes):
    c = shape[0]
    layer = (torch.nn.BatchNorm2d if kind == "batch_norm2d" else torch.nn.BatchNorm1d)(
        c, eps=eps, momentum=momentum)
    with torch.no_grad():
        layer.weight.uniform_(0.5, 1.5)
        layer.bias.uniform_(-0.5, 0.5)
    out = {"name": name, "layer": kind, "input_shape": list(shape) + [1] * (3 - len(shape)),
           "eps": eps, "momentum": momentum, "weight": flat(layer.weight),
           "bias": flat(layer.bias), "passes": []}
    for mode, batch, scale, offset in passes:
        x = (torch.randn(batch, *shape) * scale + offset).requires_grad_(True)
        record = {"mode": mode, "batch": batch, "x": flat(x)}
        if mode == "train":
            layer.train()
            layer.weight.grad = None
            layer.bias.grad = None
            y = layer(x)
            dy = torch.randn(y.shape)
            y.backward(dy)
            record.update({"y": flat(y), "dy": flat(dy), "dx": flat(x.grad),
                           "dweight": flat(layer.weight.grad), "dbias": flat(layer.bias.grad),
                           "running_mean": flat(layer.running_mean),
                           "running_var": flat(layer.running_var)})
        else:
            layer.eval()
            with torch.no_grad():
                record["y"] = flat(layer(x))
        out["passes"].append(record)
    return out


cases = [
    # Two training passes move the running statistics; evaluation uses them.
    case("batch_norm2d", "batch_norm2d", (3, 5, 4), 1e-5, 0.1,
         [("train", 4, 2.0, 1.0), ("train", 3, 0.5, -2.0), ("eval", 2, 1.0, 0.0)]),
    case("batch_norm2d_momentum", "batch_norm2d", (2, 3, 3), 1e-3, 0.5,
         [("train", 2, 3.0, 0.5), ("eval", 3, 1.0, 0.0)]),
    case("batch_norm1d", "batch_norm1d", (5,), 1e-5, 0.1,
         [("train", 6, 1.5, 0.3), ("train", 8, 1.0, -1.0), ("eval", 4, 1.0, 0.0)]),
]
with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=0)
    f.write("\n")
print("wrote", OUT, len(cases), "cases")
