"""Exports torchvision's resnet18 (random init, fixed seed) in ConceptStudio's split convention.

activations(x, layer) runs the stem and the stages up to `layer`; logits_from(a, layer) runs the
remaining stages, global average pooling and fc. Probe points: layer2, layer3, layer4.
Usage: export_resnet18_split.py OUT.pt [SEED]
"""
import sys
from typing import List

import torch
import torchvision
from torch import nn

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class ResNetSplit(nn.Module):
    probe_points: List[str]
    class_names: List[str]
    input_size: List[int]
    mean: List[float]
    std: List[float]

    def __init__(self, net: nn.Module):
        super().__init__()
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1)
        self.layer2 = net.layer2
        self.layer3 = net.layer3
        self.layer4 = net.layer4
        self.fc = net.fc
        self.probe_points = ["layer2", "layer3", "layer4"]
        self.class_names = FASHION
        self.input_size = [3, 224, 224]
        self.mean = [0.485, 0.456, 0.406]
        self.std = [0.229, 0.224, 0.225]

    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        a = self.layer2(self.stem(x))
        if layer == "layer2":
            return a
        a = self.layer3(a)
        if layer == "layer3":
            return a
        return self.layer4(a)

    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        if layer == "layer2":
            a = self.layer3(a)
        if layer == "layer2" or layer == "layer3":
            a = self.layer4(a)
        return self.fc(torch.flatten(torch.mean(a, dim=(2, 3)), 1))

    @torch.jit.export
    def activations_between(self, a: torch.Tensor, from_layer: str, to_layer: str) -> torch.Tensor:
        if from_layer == "layer2":
            a = self.layer3(a)
            if to_layer == "layer3":
                return a
        if to_layer != "layer4" or from_layer == to_layer:
            raise RuntimeError("no path from " + from_layer + " to " + to_layer)
        return self.layer4(a)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_from(self.activations(x, "layer4"), "layer4")


def main() -> None:
    torch.manual_seed(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    net = torchvision.models.resnet18(num_classes=len(FASHION)).eval()
    torch.jit.save(torch.jit.script(ResNetSplit(net).eval()), sys.argv[1])


if __name__ == "__main__":
    main()
