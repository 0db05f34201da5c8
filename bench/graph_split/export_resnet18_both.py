"""Exports torchvision's resnet18 twice with the same random weights: plain (torch.jit.script of
the unmodified model, split by the studio's graph surgery) and in the split convention (the
hand-written wrapper of bench/craft/export_resnet18_split.py), for bench_graph_split.

Usage: export_resnet18_both.py PLAIN.pt WRAPPER.pt
"""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "craft"))
from export_resnet18_split import FASHION, ResNetSplit  # noqa: E402

torch.manual_seed(0)
net = torchvision.models.resnet18(num_classes=len(FASHION)).eval()
torch.jit.script(net).save(sys.argv[1])
torch.jit.save(torch.jit.script(ResNetSplit(net).eval()), sys.argv[2])
