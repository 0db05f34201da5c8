"""Exports a small vision model in ConceptStudio's split TorchScript convention for the CRAFT tests.

activations(x, layer) returns the output of a probe point, logits_from(a, layer) finishes the
forward pass from there; probe_points lists them earliest first (docs/models.md).
Usage: export_split_model.py OUT.pt CHANNELS SIZE CLASSES [SEED]
"""
import sys
from typing import List

import torch
from torch import nn


class TinySplit(nn.Module):
    probe_points: List[str]
    class_names: List[str]
    input_size: List[int]

    def __init__(self, channels: int, size: int, classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc = nn.Linear(16, classes)
        self.probe_points = ["block1", "block2"]
        self.class_names = ["class%d" % c for c in range(classes)]
        self.input_size = [channels, size, size]

    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        a = torch.relu(self.conv1(x))
        if layer == "block1":
            return a
        return torch.relu(self.conv2(a))

    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        if layer == "block1":
            a = torch.relu(self.conv2(a))
        return self.fc(a.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_from(self.activations(x, "block2"), "block2")


def main() -> None:
    out, channels, size, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    model = TinySplit(channels, size, classes).eval()
    torch.jit.save(torch.jit.script(model), out)


if __name__ == "__main__":
    main()
