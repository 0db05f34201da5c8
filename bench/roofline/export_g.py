"""Exports g (a torchvision model's forward up to its last stage) as a plain scripted module, and
counts its FLOPs for the roofline bench.

g is resnet18/resnet50 up to layer4's output, or mobilenet_v2's `features`, random init (fixed seed).
Writes OUT_DIR/<name>_g.pt and OUT_DIR/<name>_g.json. The FLOP count is analytic: forward hooks on
every nn.Conv2d and nn.Linear of one 224x224 image sum 2*k_h*k_w*C_in/groups*C_out*H_out*W_out (for a
linear, 2*in*out per row). Batch norm, activations, additions and pooling are not counted: freezing
folds batch norm into the convolutions, and the rest is memory traffic, not multiply-adds.
Usage: export_g.py OUT_DIR NAME [NAME ...]
"""
import json
import os
import sys

import torch
import torchvision
from torch import nn


def build_g(name: str) -> nn.Module:
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2().features
    net = getattr(torchvision.models, name)()
    return nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4)


def count_flops(g: nn.Module) -> dict:
    totals = {"flops": 0, "convs": 0, "linears": 0}

    def conv_hook(m: nn.Conv2d, _inputs, output):
        kh, kw = m.kernel_size
        totals["flops"] += 2 * kh * kw * (m.in_channels // m.groups) * m.out_channels * output.shape[2] * output.shape[3]
        totals["convs"] += 1

    def linear_hook(m: nn.Linear, _inputs, output):
        totals["flops"] += 2 * m.in_features * m.out_features * (output.numel() // m.out_features)
        totals["linears"] += 1

    handles = []
    for m in g.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        out = g(torch.zeros(1, 3, 224, 224))
    for h in handles:
        h.remove()
    totals["output_shape"] = list(out.shape[1:])
    return totals


def main() -> None:
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name in sys.argv[2:]:
        torch.manual_seed(0)
        g = build_g(name).eval()
        counts = count_flops(g)
        torch.jit.save(torch.jit.script(g), os.path.join(out_dir, name + "_g.pt"))
        with open(os.path.join(out_dir, name + "_g.json"), "w") as f:
            json.dump({"model": name, "input": [3, 224, 224], "flops_per_image": counts["flops"],
                       "convs": counts["convs"], "linears": counts["linears"], "output": counts["output_shape"]}, f)


if __name__ == "__main__":
    main()
