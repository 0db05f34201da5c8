"""Exports the TorchScript fixtures of the model and plugin tests, with PyTorch's own outputs.

Usage: make_model_fixtures.py OUTDIR

Every reference tensor is saved in <name>.ref.pt, a scripted module whose buffers are the
tensors (readable from C++ with torch::jit::load), so the C++ side compares against what
PyTorch itself computed. Random init with fixed seeds: no download, no pretrained weights.
"""
import os
import sys
from typing import List

import torch
import torchvision

torch.manual_seed(0)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class Tensors(torch.nn.Module):
    def __init__(self, tensors):
        super().__init__()
        for name, value in tensors.items():
            self.register_buffer(name.replace(".", "_"), value.detach().contiguous())


def save_refs(name, **tensors):
    torch.jit.script(Tensors(tensors)).save(os.path.join(out, name + ".ref.pt"))


def randomise_batchnorm(net):
    # Fresh BatchNorm layers are the identity in eval mode; random statistics make the test bite.
    g = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)


# 1. torchvision resnet18 wrapped in the vision split-module convention (as docs/models.md shows).
class SplitResNet(torch.nn.Module):
    probe_points: List[str]
    class_names: List[str]
    input_size: List[int]
    mean: List[float]
    std: List[float]

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.probe_points = ["layer3", "layer4"]
        self.class_names = ["class%d" % i for i in range(10)]
        self.input_size = [3, 64, 64]
        self.mean = [0.485, 0.456, 0.406]
        self.std = [0.229, 0.224, 0.225]


    @torch.jit.export
    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        n = self.net
        x = n.maxpool(n.relu(n.bn1(n.conv1(x))))
        x = n.layer3(n.layer2(n.layer1(x)))
        if layer == "layer3":
            return x
        x = n.layer4(x)
        if layer == "layer4":
            return x
        raise RuntimeError("unknown layer " + layer)


    @torch.jit.export
    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        n = self.net
        if layer == "layer3":
            a = n.layer4(a)
        elif layer != "layer4":
            raise RuntimeError("unknown layer " + layer)
        return n.fc(torch.flatten(n.avgpool(a), 1))


    @torch.jit.export
    def activations_between(self, a: torch.Tensor, from_layer: str, to_layer: str) -> torch.Tensor:
        # Optional: lets recursive concept trees weigh sub-concepts on the parent concept.
        if from_layer == "layer3" and to_layer == "layer4":
            return self.net.layer4(a)
        raise RuntimeError("no path from " + from_layer + " to " + to_layer)


resnet = torchvision.models.resnet18(num_classes=10).eval()
randomise_batchnorm(resnet)
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    n = resnet
    stem = n.maxpool(n.relu(n.bn1(n.conv1(x))))
    l1 = n.layer1(stem); l2 = n.layer2(l1); l3 = n.layer3(l2); l4 = n.layer4(l3)
    logits = resnet(x)
torch.jit.script(SplitResNet(resnet).eval()).save(os.path.join(out, "split_resnet18.pt"))
save_refs("split_resnet18", x=x, layer3=l3, layer4=l4, logits=logits)

# 2. The same network exported plainly, scripted and traced, for the torchvision plugin.
torch.jit.script(resnet).save(os.path.join(out, "tv_resnet18_scripted.pt"))
torch.jit.trace(resnet, torch.randn(1, 3, 64, 64)).save(os.path.join(out, "tv_resnet18_traced.pt"))
save_refs("tv_resnet18", x=x, layer1=l1, layer2=l2, layer3=l3, layer4=l4, logits=logits)

mobilenet = torchvision.models.mobilenet_v2(num_classes=10).eval()
randomise_batchnorm(mobilenet)
with torch.no_grad():
    f6 = mobilenet.features[:7](x)
    f18 = mobilenet.features(x)
    mlogits = mobilenet(x)
torch.jit.script(mobilenet).save(os.path.join(out, "tv_mobilenet_v2_scripted.pt"))
save_refs("tv_mobilenet_v2", x=x, features_6=f6, features_18=f18, logits=mlogits)


# 3. A small sequential recommender (GRU4Rec-like) in the recommender convention.
class TinyRecommender(torch.nn.Module):
    num_items: int

    def __init__(self, num_items: int, dim: int):
        super().__init__()
        self.num_items = num_items
        self.items = torch.nn.Embedding(num_items + 1, dim, padding_idx=0)
        self.gru = torch.nn.GRU(dim, dim, batch_first=True)


    @torch.jit.export
    def encode(self, item_seq: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(self.items(item_seq))
        return h[:, -1, :]


    @torch.jit.export
    def score(self, state: torch.Tensor) -> torch.Tensor:
        return state @ self.items.weight.t()


rec = TinyRecommender(50, 16).eval()
seq = torch.randint(1, 51, (4, 7))
seq[0, :3] = 0  # left padding
with torch.no_grad():
    state = rec.encode(seq)
    scores = rec.score(state)
torch.jit.script(rec).save(os.path.join(out, "recommender.pt"))
save_refs("recommender", seq=seq, state=state, scores=scores)

# 4. A plain nn.Sequential classifier for the example plugin (sequential-split adapter).
sequential = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(16 * 14 * 14, 10)).eval()
sx = torch.randn(3, 1, 28, 28)
with torch.no_grad():
    s4 = sequential[:5](sx)
    slogits = sequential(sx)
torch.jit.script(sequential).save(os.path.join(out, "sequential.pt"))
save_refs("sequential", x=sx, layer4=s4, logits=slogits)


# 5. Models that break the conventions, each in one way.
class OnlyForward(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


class WrongLayerType(torch.nn.Module):
    probe_points: List[str]

    def __init__(self):
        super().__init__()
        self.probe_points = ["a"]


    @torch.jit.export
    def activations(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        return x


    @torch.jit.export
    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        return a.flatten(1)


class NoProbePoints(torch.nn.Module):
    @torch.jit.export
    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        return x


    @torch.jit.export
    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        return a.flatten(1)


class WrongActivationShape(torch.nn.Module):
    probe_points: List[str]
    input_size: List[int]

    def __init__(self):
        super().__init__()
        self.probe_points = ["a"]
        self.input_size = [1, 8, 8]


    @torch.jit.export
    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        return x.flatten()  # loses the batch dimension


    @torch.jit.export
    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        return a.reshape(-1, 4)


class WrongClassCount(torch.nn.Module):
    probe_points: List[str]
    input_size: List[int]
    class_names: List[str]

    def __init__(self):
        super().__init__()
        self.probe_points = ["a"]
        self.input_size = [1, 8, 8]
        self.class_names = ["x", "y", "z"]


    @torch.jit.export
    def activations(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        return torch.relu(x)


    @torch.jit.export
    def logits_from(self, a: torch.Tensor, layer: str) -> torch.Tensor:
        return a.flatten(1)[:, :5]


class RecommenderBadScore(torch.nn.Module):
    num_items: int

    def __init__(self):
        super().__init__()
        self.num_items = 10
        self.items = torch.nn.Embedding(11, 4)


    @torch.jit.export
    def encode(self, item_seq: torch.Tensor) -> torch.Tensor:
        return self.items(item_seq).mean(1)


    @torch.jit.export
    def score(self, state: torch.Tensor) -> torch.Tensor:
        return state @ torch.ones(4, 25)


class RecommenderNoNumItems(torch.nn.Module):
    @torch.jit.export
    def encode(self, item_seq: torch.Tensor) -> torch.Tensor:
        return item_seq.float()


    @torch.jit.export
    def score(self, state: torch.Tensor) -> torch.Tensor:
        return state


for name, module in [("bad_only_forward", OnlyForward()), ("bad_layer_type", WrongLayerType()),
                     ("bad_no_probe_points", NoProbePoints()), ("bad_activation_shape", WrongActivationShape()),
                     ("bad_class_count", WrongClassCount()), ("bad_recommender_score", RecommenderBadScore()),
                     ("bad_recommender_no_num_items", RecommenderNoNumItems())]:
    torch.jit.script(module).save(os.path.join(out, name + ".pt"))

torch.save(resnet.state_dict(), os.path.join(out, "state_dict.pt"))
with open(os.path.join(out, "split_resnet18.pt"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "truncated.pt"), "wb") as f:
    f.write(whole[: len(whole) // 2])
with open(os.path.join(out, "corrupt.pt"), "wb") as f:
    f.write(b"PK\x03\x04" + bytes(range(256)) * 64)
open(os.path.join(out, "empty.pt"), "wb").close()
print("fixtures written to", out)
