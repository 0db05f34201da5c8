"""Exports unmodified torchvision models as TorchScript for the graph-split tests, with the
output shape of every submodule as PyTorch itself sees it (forward hooks on the probe input).

Usage: make_graph_fixtures.py OUTDIR [acceptance]

Without `acceptance`: resnet18 scripted and traced, mobilenet_v2 scripted, a tiny
VisionTransformer scripted, and a file using an operator LibTorch 1.13 does not know.
With it: the larger acceptance list (resnet50, efficientnet_b0, densenet121, convnext_tiny,
regnet_y_400mf, vit_b_16, swin_t), each scripted and traced where torch 1.13 can.
Random init with fixed seeds, no download. Each model also gets <name>.shapes.json:
{"input_size": [C, H, W], "layer": the layer the tests cut at, "shapes": {dotted path: shape of one
image's output}}, and <name>.ref.pt, a scripted module whose buffers are PyTorch's own tensors on
the probe input: input, output (the model's) and layer (that layer's output).
Also images/: a few 64×64 PNGs for short CRAFT runs.
"""
import json
import math
import os
import sys
import zipfile

import torch
import torchvision

out = sys.argv[1]
acceptance = len(sys.argv) > 2 and sys.argv[2] == "acceptance"
os.makedirs(out, exist_ok=True)


def probe_input(size):
    # The loader's probe input: sin(0.37 k) over a 2×C×H×W batch (no RNG, same on both sides).
    c, h, w = size
    return torch.sin(torch.arange(2 * c * h * w, dtype=torch.float32) * 0.37).view(2, c, h, w)


class Tensors(torch.nn.Module):
    def __init__(self, tensors):
        super().__init__()
        for key, value in tensors.items():
            self.register_buffer(key, value.detach().contiguous())


def hooked_outputs(net, size):
    outputs = {}

    def hook(name):
        def record(module, inputs, output):
            if isinstance(output, torch.Tensor) and name not in outputs:
                outputs[name] = output.detach().clone()
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in net.named_modules() if n]
    with torch.no_grad():
        result = net(probe_input(size))
    for h in handles:
        h.remove()
    return outputs, result


def export(name, net, size, trace, layer):
    torch.manual_seed(0)
    net.eval()
    path = os.path.join(out, name + ".pt")
    if trace:
        with torch.no_grad():
            ts = torch.jit.trace(net, probe_input(size)[:1], check_trace=False)
    else:
        ts = torch.jit.script(net)
    ts.save(path)
    outputs, result = hooked_outputs(net, size)
    with open(os.path.join(out, name + ".shapes.json"), "w") as f:
        json.dump({"input_size": list(size), "layer": layer,
                   "shapes": {k: list(v.shape[1:]) for k, v in outputs.items()}}, f)
    torch.jit.script(Tensors({"input": probe_input(size), "output": result, "layer": outputs[layer]})).save(
        os.path.join(out, name + ".ref.pt"))
    print("exported", name, os.path.getsize(path), "bytes")


def write_images(folder, count):
    # Smooth colour patterns (no RNG), so crops differ and g sees structure.
    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    y, x = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    for i in range(count):
        channels = [torch.sin(x * (0.1 + 0.05 * i) + c) * torch.cos(y * (0.07 + 0.03 * c) + i) for c in range(3)]
        rgb = ((torch.stack(channels, 2) * 0.5 + 0.5) * 255).clamp(0, 255).to(torch.uint8).numpy()
        Image.fromarray(rgb).save(os.path.join(folder, "pattern%02d.png" % i))


def unknown_operator_file(path):
    # What PyTorch >= 2.0 writes for attention: aten::scaled_dot_product_attention, unknown to 1.13.
    class Attention(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x) * 2.0

    base = path + ".base"
    torch.jit.script(Attention()).save(base)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("code/__torch__.py"):
                data = data.replace(b"torch.relu(x)", b"torch.scaled_dot_product_attention(x, x, x)")
            zout.writestr(item, data)
    os.remove(base)


tv = torchvision.models
if not acceptance:
    torch.manual_seed(0)
    resnet = tv.resnet18(num_classes=10)
    export("resnet18_scripted", resnet, (3, 64, 64), trace=False, layer="layer4")
    export("resnet18_traced", resnet, (3, 64, 64), trace=True, layer="layer4")
    torch.manual_seed(0)
    export("mobilenet_v2_scripted", tv.mobilenet_v2(num_classes=10), (3, 64, 64), trace=False, layer="features.17")
    torch.manual_seed(0)
    vit = tv.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
                               num_classes=10)
    export("vit_tiny_scripted", vit, (3, 32, 32), trace=False, layer="encoder.layers.encoder_layer_1")
    unknown_operator_file(os.path.join(out, "unknown_operator.pt"))
    write_images(os.path.join(out, "images"), 4)
else:
    # The last stage or block of each, where the tests cut.
    last = {"resnet50": "layer4", "efficientnet_b0": "features.7", "densenet121": "features.denseblock4",
            "convnext_tiny": "features.7", "regnet_y_400mf": "trunk_output.block4", "vit_b_16": "encoder.layers.encoder_layer_11",
            "swin_t": "permute"}  # Swin blocks are channels-last (N×H×W×C); permute gives N×C×H×W
    write_images(os.path.join(out, "images"), 10)
    for name, layer in last.items():
        for trace in (False, True):
            label = name + ("_traced" if trace else "_scripted")
            try:
                torch.manual_seed(0)
                export(label, getattr(tv, name)(), (3, 224, 224), trace, layer)
            except Exception as e:  # noqa: BLE001 - torch 1.13 cannot script/trace every model
                print("skipped", label, type(e).__name__, str(e).splitlines()[0] if str(e) else "")
                with open(os.path.join(out, label + ".skipped"), "w") as f:
                    f.write(str(e))
