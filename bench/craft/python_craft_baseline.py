"""A plain Python CRAFT pipeline (torch + scikit-learn), written from the paper and the reference's
defaults (deel-ai/Craft craft_torch.py v0.0.3), used as the bench's baseline in the same run.

Crops: unfold p=64, stride int(0.8p), resize to the input (bilinear); g in batches of 64 under
no_grad, full maps concatenated then averaged (reference behaviour); NMF(n_components=r,
init nndsvda, cd, tol 1e-4, max_iter 200); importance per image: NMF transform, unscrambled
Halton masks in 2r dims, rebuilt activations, h in batches, Jansen estimator.
Usage: python_craft_baseline.py MODEL.pt IDX_IMAGES_GZ IDX_LABELS_GZ CLASS N_IMAGES OUT.json [THREADS [LAYER]]
THREADS (default: torch's own default) lets the bench give both sides the same number of threads.
"""
import gzip
import json
import resource
import sys
import time

import numpy as np
import torch
from scipy.stats import qmc
from sklearn.decomposition import NMF

R, PATCH, NB_DESIGN, BATCH = 10, 64, 32, 64
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_images(images_path, labels_path, cls, n):
    images, labels = read_idx(images_path), read_idx(labels_path)
    chosen = images[labels == cls][:n].astype(np.float32) / 255.0
    x = torch.from_numpy(chosen)[:, None].repeat(1, 3, 1, 1)
    x = torch.nn.functional.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False)
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def batch_inference(fn, data, batch=BATCH, resize=None):
    out = []
    with torch.no_grad():
        for i in range(0, len(data), batch):
            x = data[i:i + batch]
            if resize is not None:
                x = torch.nn.functional.interpolate(x, size=resize, mode="bilinear", align_corners=False)
            out.append(fn(x))
    return torch.cat(out, 0)


def halton_masks(dim, nb_design):
    points = qmc.Halton(dim * 2, scramble=False).random(nb_design).astype(np.float32)
    a, b = points[:, :dim], points[:, dim:]
    c = []
    for i in range(dim):
        ci = a.copy()
        ci[:, i] = b[:, i]
        c.append(ci)
    return np.concatenate([a, b] + c, 0)


def jansen(outputs, nb_design, dim):
    fa = outputs[:nb_design]
    fc = outputs[2 * nb_design:].reshape(dim, nb_design)
    var = max(np.var(fa, ddof=1), 1e-12)
    return np.array([np.sum((fa - fc[i]) ** 2) / (2 * nb_design) / var for i in range(dim)])


def main():
    model_path, images_path, labels_path, cls, n, out = sys.argv[1:7]
    cls, n = int(cls), int(n)
    if len(sys.argv) > 7:
        torch.set_num_threads(int(sys.argv[7]))
    layer = sys.argv[8] if len(sys.argv) > 8 else "layer4"
    model = torch.jit.load(model_path).eval()
    g = lambda x: model.activations(x, layer)
    h = lambda a: model.logits_from(a, layer)
    x = load_images(images_path, labels_path, cls, n)
    timings = {}

    start = time.perf_counter()
    stride = int(PATCH * 0.8)
    patches = torch.nn.functional.unfold(x, kernel_size=PATCH, stride=stride)
    patches = patches.transpose(1, 2).contiguous().view(-1, 3, PATCH, PATCH)
    acts = batch_inference(g, patches, resize=(224, 224))
    assert acts.min() >= 0
    a = torch.mean(acts, dim=(2, 3)).numpy()
    del acts
    timings["activations"] = time.perf_counter() - start

    start = time.perf_counter()
    reducer = NMF(n_components=R, init="nndsvda", solver="cd", tol=1e-4, max_iter=200)
    u = reducer.fit_transform(a)
    w = reducer.components_.astype(np.float32)
    timings["nmf"] = time.perf_counter() - start
    error = float(np.linalg.norm(a - u @ w) / np.linalg.norm(a))

    start = time.perf_counter()
    full = batch_inference(g, x)
    timings["image_activations"] = time.perf_counter() - start
    hh, ww = full.shape[2], full.shape[3]
    coeffs = reducer.transform(full.permute(0, 2, 3, 1).reshape(-1, full.shape[1]).numpy()).reshape(len(x), hh, ww, R)
    masks = halton_masks(R, NB_DESIGN)
    h_time, evaluations, importances = 0.0, 0, []
    for coeff in coeffs:
        u_perturbed = coeff[None, :] * masks[:, None, None, :]
        a_perturbed = np.reshape(u_perturbed, (-1, R)) @ w
        a_perturbed = np.moveaxis(np.reshape(a_perturbed, (len(masks), hh, ww, -1)), -1, 1)
        t = time.perf_counter()
        y = batch_inference(h, torch.from_numpy(a_perturbed.astype(np.float32)))[:, cls].numpy()
        h_time += time.perf_counter() - t
        evaluations += len(masks)
        importances.append(jansen(y, NB_DESIGN, R))
    importance = np.mean(importances, 0)
    timings["sobol"] = time.perf_counter() - start
    timings["h"] = h_time
    timings["total"] = timings["activations"] + timings["nmf"] + timings["sobol"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    json.dump({"timings_s": timings, "nmf": {"relative_error": error, "iterations": int(reducer.n_iter_)}, "n_crops": int(a.shape[0]),
               "h_evaluations": evaluations, "importance": importance.tolist(), "peak_rss_mb": peak,
               "threads": torch.get_num_threads()}, open(out, "w"))


if __name__ == "__main__":
    main()
