# Generates tests/engine/golden/layer_golden.json: PyTorch golden values for
# the engine's conv2d, max_pool2d and avg_pool2d layers (worker/engine/layers).
# Each case is one layer (nn.Conv2d, nn.MaxPool2d or nn.AvgPool2d) applied to
# a random float64 batch x of shape (N, C, H, W); y = layer(x), a random
# upstream gradient dy of y's shape, then y.backward(dy). Recorded per case:
# the settings (stride as torch resolves it: the kernel when not given),
# input_shape / output_shape as [C, H, W], batch N, and flattened float64
# arrays in torch's row-major order: x, y, dy, dx (N, C, H, W); for conv2d
# also weight and dweight (out, in, kH, kW) and bias and dbias (out). Conv
# weight and bias are the layer's default init (kaiming_uniform(a=sqrt(5)),
# uniform bias), drawn after torch.manual_seed(0) in case order.
#
# Max pooling ties: the case max_pool2d_ties holds small integers with
# repeats. torch (CPU, 1.13) sends each output's gradient to the first
# maximum of its window in scan order (row by row, left to right within a
# row; a later equal value does not replace it). This script checks that
# against a hand-written first-maximum backward and fails if torch differs.
#
# Run from the repository root with Debian's python3-torch 1.13
# (1.13.1+dfsg-4, torch.__version__ 1.13.0a0):
#   /usr/bin/python3 tests/engine/golden/make_layer_golden.py
# layer_golden.json is written by this script only; do not edit it by hand.
import json
import os

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.manual_seed(0)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layer_golden.json")


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def pair(v):
    # nn.Conv2d resolves settings to tuples, the pools keep the int given.
    if isinstance(v, (tuple, list)):
        assert v[0] == v[1], v
        return int(v[0])
    return int(v)


def run(name, kind, layer, channels, shape, batch, x=None):
    c, h, w = shape
    if x is None:
        x = torch.randn(batch, c, h, w)
    x = x.clone().requires_grad_(True)
    y = layer(x)
    dy = torch.randn(y.shape)
    y.backward(dy)
    case = {
        "name": name,
        "layer": kind,
        "in_channels": channels[0],
        "out_channels": channels[1],
        "kernel_size": pair(layer.kernel_size),
        "stride": pair(layer.stride),
        "padding": pair(layer.padding),
    }
    if kind == "avg_pool2d":
        case["count_include_pad"] = bool(layer.count_include_pad)
    case.update({
        "input_shape": [c, h, w],
        "batch": batch,
        "output_shape": list(y.shape[1:]),
        "x": flat(x),
    })
    if kind == "conv2d":
        case["weight"] = flat(layer.weight)
        case["bias"] = flat(layer.bias)
    case["y"] = flat(y)
    case["dy"] = flat(dy)
    case["dx"] = flat(x.grad)
    if kind == "conv2d":
        case["dweight"] = flat(layer.weight.grad)
        case["dbias"] = flat(layer.bias.grad)
    return case, x, dy


def conv(name, cin, cout, k, s, p, shape, batch):
    layer = torch.nn.Conv2d(cin, cout, k, stride=s, padding=p)
    return run(name, "conv2d", layer, (cin, cout), shape, batch)[0]


def max_pool(name, k, shape, batch, s=None, p=0, x=None):
    layer = torch.nn.MaxPool2d(k, stride=s, padding=p)
    return run(name, "max_pool2d", layer, (shape[0], shape[0]), shape, batch, x)


def avg_pool(name, k, shape, batch, s=None, p=0):
    layer = torch.nn.AvgPool2d(k, stride=s, padding=p)
    return run(name, "avg_pool2d", layer, (shape[0], shape[0]), shape, batch)[0]


def first_max_dx(x, dy, k, s):
    # Backward of max pooling (no padding) sending each gradient to the
    # first maximum of its window in row-major scan order.
    n, c, h, w = x.shape
    oh, ow = dy.shape[2], dy.shape[3]
    dx = torch.zeros_like(x)
    ties = 0
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    best = None
                    count = 0
                    for di in range(k):
                        for dj in range(k):
                            v = x[b, ch, i * s + di, j * s + dj].item()
                            if best is None or v > best[0]:
                                best, count = (v, i * s + di, j * s + dj), 1
                            elif v == best[0]:
                                count += 1
                    ties += count > 1
                    dx[b, ch, best[1], best[2]] += dy[b, ch, i, j]
    return dx, ties


cases = [
    conv("conv2d_a", 2, 3, 3, 1, 1, (2, 6, 6), 2),
    conv("conv2d_b_stride2_nonsquare", 3, 2, 3, 2, 1, (3, 7, 5), 2),
    conv("conv2d_c_kernel2_nopad", 1, 4, 2, 1, 0, (1, 5, 5), 3),
    conv("conv2d_d_kernel5_stride3", 2, 2, 5, 3, 2, (2, 8, 8), 1),
    max_pool("max_pool2d_a", 2, (2, 6, 6), 2)[0],
    max_pool("max_pool2d_b_stride2_pad1", 3, (3, 7, 5), 2, s=2, p=1)[0],
]

ties_x = torch.randint(0, 4, (1, 1, 5, 5)).to(torch.float64)
tie_case, tie_input, tie_dy = max_pool("max_pool2d_ties", 2, (1, 5, 5), 1, s=1, x=ties_x)
expected_dx, tie_windows = first_max_dx(tie_input.detach(), tie_dy, 2, 1)
assert tie_windows > 0, "the ties case has no window with a repeated maximum"
assert torch.equal(tie_input.grad, expected_dx), "torch does not pick the first maximum"
cases.append(tie_case)

cases += [
    avg_pool("avg_pool2d_a", 2, (2, 6, 6), 2),
    avg_pool("avg_pool2d_b_stride2_pad1", 3, (3, 7, 5), 2, s=2, p=1),
]


def dumps(obj):
    # One case per block, one array per line; floats as repr (shortest
    # round-trip), which json already writes.
    lines = ["{", '  "torch_version": %s,' % json.dumps(torch.__version__), '  "cases": [']
    for ci, case in enumerate(cases):
        lines.append("    {")
        items = list(case.items())
        for ki, (key, value) in enumerate(items):
            sep = "," if ki + 1 < len(items) else ""
            lines.append("      %s: %s%s" % (json.dumps(key), json.dumps(value), sep))
        lines.append("    }" + ("," if ci + 1 < len(cases) else ""))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


with open(OUT, "w") as f:
    f.write(dumps(cases))
print("wrote %s (%d cases, %d tie windows checked)" % (OUT, len(cases), tie_windows))
