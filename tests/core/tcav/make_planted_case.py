"""Builds the planted TCAV case at test time: synthetic images, a small CNN trained on them, and
concept example folders (docs/tcav.md, "Tests").

Every image is grey noise with coloured squares. The class is decided by one planted pattern: a red
square makes class 1 ("red"), a green square class 0 ("green"). A blue ring, the distractor, sits in
half of the images of every class, independently of the class, so it carries no information about it.
The model is trained with weight decay, so it has no reason to respond to the ring.

Folders written under OUT:
  dataset/red, dataset/green   the ImageFolder the model is trained and analysed on
  concept_red                  images showing the red square (the rest drawn as in the dataset)
  concept_ring                 images showing the blue ring (the rest drawn as in the dataset, half
                               red and half green, so they differ from random images only by the ring)
  random                       more random images of the dataset's distribution
  model.pt                     the trained model in the split TorchScript convention (docs/models.md)
Usage: make_planted_case.py OUT [SEED]
"""
import os
import sys
from typing import List

import numpy as np
import torch
from PIL import Image
from torch import nn

SIZE = 32


def draw(rng, square: str, ring: bool) -> np.ndarray:
    """The square goes in the left half, the ring in the right half, so neither hides the other."""
    img = 0.45 + 0.12 * rng.standard_normal((SIZE, SIZE, 3))
    if square:
        y, x = rng.integers(0, SIZE - 8), rng.integers(0, SIZE // 2 - 8)
        colour = [0.9, 0.1, 0.1] if square == "red" else [0.1, 0.8, 0.1]
        img[y:y + 8, x:x + 8] = colour
    if ring:
        cy, cx = rng.integers(6, SIZE - 6), rng.integers(SIZE // 2 + 6, SIZE - 6)
        yy, xx = np.mgrid[0:SIZE, 0:SIZE]
        r = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        img[(r > 3) & (r < 5.5)] = [0.1, 0.2, 0.95]
    return np.clip(img, 0, 1)


def save(img: np.ndarray, path: str) -> None:
    Image.fromarray((img * 255).round().astype(np.uint8)).save(path)


class PlantedNet(nn.Module):
    probe_points: List[str]
    class_names: List[str]
    input_size: List[int]

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16, 2)
        self.probe_points = ["block1", "block2"]
        self.class_names = ["green", "red"]
        self.input_size = [3, SIZE, SIZE]

    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        a = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        if layer == "block1":
            return a
        return torch.relu(self.conv2(a))

    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        if layer == "block1":
            a = torch.relu(self.conv2(a))
        return self.fc(a.amax(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_from(self.activations(x, "block2"), "block2")


def main() -> None:
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)

    def folder(name: str, count: int, square, ring) -> List[np.ndarray]:
        os.makedirs(os.path.join(out, name), exist_ok=True)
        images = []
        for i in range(count):
            s = square(i) if callable(square) else square
            r = ring(i) if callable(ring) else ring
            img = draw(rng, s, r)
            save(img, os.path.join(out, name, "%03d.png" % i))
            images.append(img)
        return images

    half = lambda i: rng.random() < 0.5
    red = folder("dataset/red", 60, "red", half)
    green = folder("dataset/green", 60, "green", half)
    folder("concept_red", 40, "red", half)
    folder("concept_ring", 40, lambda i: "red" if i % 2 == 0 else "green", True)
    folder("random", 80, lambda i: "red" if rng.random() < 0.5 else "green", half)

    # Training images: fresh draws of the same distribution, so the model does not see the test folders.
    train_x, train_y = [], []
    for _ in range(1200):
        label = int(rng.random() < 0.5)
        train_x.append(draw(rng, "red" if label else "green", rng.random() < 0.5))
        train_y.append(label)
    x = torch.tensor(np.stack(train_x), dtype=torch.float32).permute(0, 3, 1, 2)
    y = torch.tensor(train_y)
    model = PlantedNet()
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
    for step in range(300):
        idx = torch.randint(0, len(y), (64,))
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        test = torch.tensor(np.stack(red + green), dtype=torch.float32).permute(0, 3, 1, 2)
        accuracy = (model(test).argmax(1) == torch.tensor([1] * len(red) + [0] * len(green))).float().mean().item()
    torch.jit.save(torch.jit.script(model), os.path.join(out, "model.pt"))
    print("accuracy %.3f" % accuracy)


if __name__ == "__main__":
    main()
