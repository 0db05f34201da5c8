"""Exports the broken vision models of the hostile-input CLI test (tests/cli/hostile_input_test.cpp).

nan_logits.pt   a split-convention model whose logits are NaN for every input
huge_input.pt   a well-formed model that declares input_size 3 x 100000 x 100000
ok.pt           a well-formed model for 1 x 32 x 32 images
images/         four readable 32 x 32 gray PNGs, a corrupt one and an empty one
Usage: export_hostile_models.py OUT_DIR
"""
import os
import struct
import sys
import zlib
from typing import List

import torch
from torch import nn


class Split(nn.Module):
    probe_points: List[str]
    class_names: List[str]
    input_size: List[int]

    def __init__(self, size: List[int], nan_logits: bool):
        super().__init__()
        self.conv = nn.Conv2d(size[0], 4, 3, stride=2, padding=1)
        self.fc = nn.Linear(4, 2)
        self.probe_points = ["block1"]
        self.class_names = ["a", "b"]
        self.input_size = size
        self.nan_logits = nan_logits

    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        return torch.relu(self.conv(x))

    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        logits = self.fc(a.mean(dim=(2, 3)))
        if self.nan_logits:
            return logits * float("nan")
        return logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_from(self.activations(x, "block1"), "block1")


def png_gray(size: int, seed: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 3 + seed * 50) % 256 for x in range(size)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main() -> None:
    out = sys.argv[1]
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(Split([1, 16, 16], True).eval()), os.path.join(out, "nan_logits.pt"))
    torch.jit.save(torch.jit.script(Split([3, 100000, 100000], False).eval()), os.path.join(out, "huge_input.pt"))
    torch.jit.save(torch.jit.script(Split([1, 32, 32], False).eval()), os.path.join(out, "ok.pt"))
    images = os.path.join(out, "images")
    os.makedirs(images, exist_ok=True)
    for i in range(4):
        with open(os.path.join(images, "good%d.png" % i), "wb") as f:
            f.write(png_gray(32, i))
    with open(os.path.join(images, "broken.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"not an image at all" * 4)
    open(os.path.join(images, "empty.png"), "wb").close()


if __name__ == "__main__":
    main()
