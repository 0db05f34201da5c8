"""PyTorch implementations of the SAE families beside TopK (batchtopk, jumprelu, matryoshka,
relu-l1) with the objectives, initialisations and defaults of the studio's C++ trainer
(core/sae/*_sae.cpp, docs/recsae.md "SAE families"), written the plain PyTorch way (dense
latents, autograd, nn.Parameter), for bench_sae_training's same-run comparison.

usage: reference_sae_families.py STATES N D EXPANSION K EPOCHS BATCH LR THREADS SEED FAMILY
STATES is a float32 N×D .npy file. Prints one JSON line:
{"family", "samples_per_second", "fvu", "l0", "seconds", "threads"}
"""
import json
import math
import sys
import time

import numpy as np
import torch


def batch_topk(pre, k):
    acts = torch.relu(pre).flatten()
    vals, idx = acts.topk(min(k * pre.shape[0], acts.numel()))
    return torch.zeros_like(acts).scatter(0, idx, vals).view_as(pre)


def aux_k(pre, dead, residual, w_dec, d, variance):
    if dead is None or not dead.any():
        return 0.0
    num_dead = int(dead.sum())
    k_aux = max(1, d // 2)
    ka = min(k_aux, num_dead)
    av, ai = pre.masked_fill(~dead[None], float("-inf")).topk(ka, dim=1)
    za = torch.zeros_like(pre).scatter(1, ai, torch.relu(av))
    scale = min(1.0, num_dead / k_aux) / 32.0
    return scale * (za @ w_dec - residual.detach()).pow(2).sum() / (pre.shape[0] * variance)


def main():
    path = sys.argv[1]
    n, d, expansion, k, epochs, batch = map(int, sys.argv[2:8])
    lr = float(sys.argv[8])
    torch.set_num_threads(int(sys.argv[9]))
    torch.manual_seed(int(sys.argv[10]))
    family = sys.argv[11]
    array = np.load(path)
    if array.dtype != np.float32 or array.shape != (n, d):
        sys.exit("%s: expected float32 %dx%d, got %s %s" % (path, n, d, array.dtype, array.shape))
    x_all = torch.from_numpy(np.ascontiguousarray(array))
    m = d * expansion
    bound = 1.0 / math.sqrt(d)
    w_enc = torch.nn.Parameter(torch.empty(m, d).uniform_(-bound, bound))
    b_enc = torch.nn.Parameter(torch.zeros(m))
    w_dec = torch.nn.Parameter(w_enc.data / w_enc.data.norm(dim=1, keepdim=True))
    b_dec = torch.nn.Parameter(x_all.mean(0).clone())
    variance = float((x_all - x_all.mean(0)).pow(2).sum(1).mean())
    params = [w_enc, b_enc, w_dec, b_dec]
    unit_norm = family != "relu-l1"
    prefixes = [m // 16, m // 8, m // 4, m // 2, m] if family == "matryoshka" else []
    if family == "relu-l1":
        w_dec.data *= 0.1
        w_enc.data.copy_(w_dec.data)
        lam = 5.0 / math.sqrt(d)
    if family == "jumprelu":
        unit = math.sqrt(variance / d)
        eps = 0.5 * unit
        log_theta = torch.nn.Parameter(torch.full((m,), math.log(0.05 * unit)))
        params.append(log_theta)
        lam = 1e-2
    opt = torch.optim.Adam(params, lr=lr)
    total_steps = epochs * ((n + batch - 1) // batch)
    dead = None
    step = 0
    seen = 0
    start = time.time()
    for epoch in range(epochs):
        fired = torch.zeros(m)
        perm = torch.randperm(n)
        for b in range(0, n, batch):
            x = x_all[perm[b:b + batch]]
            if x.shape[0] < 2:
                break
            progress = step / total_steps
            step += 1
            if family in ("batchtopk", "matryoshka"):
                pre = (x - b_dec) @ w_enc.t() + b_enc
                z = batch_topk(pre, k)
                if prefixes:
                    x_hat = b_dec.expand_as(x)
                    loss = 0.0
                    lo = 0
                    for hi in prefixes:
                        x_hat = x_hat + z[:, lo:hi] @ w_dec[lo:hi]
                        loss = loss + (x_hat - x).pow(2).sum() / (x.shape[0] * variance)
                        lo = hi
                    loss = loss / len(prefixes)
                else:
                    x_hat = z @ w_dec + b_dec
                    loss = (x_hat - x).pow(2).sum() / (x.shape[0] * variance)
                loss = loss + aux_k(pre, dead, x - x_hat, w_dec, d, variance)
                active = z > 0
            elif family == "jumprelu":
                theta = log_theta.exp()
                acts = torch.relu(x @ w_enc.t() + b_enc)
                with torch.no_grad():
                    gate = (acts > theta).float()
                    kernel = (((acts - theta) / eps).abs() < 0.5).float()
                delta = theta - theta.detach()
                z = acts * gate + delta * (-(theta.detach() / eps) * kernel)
                l0 = (gate + delta * (-kernel / eps)).sum(1).mean()
                x_hat = z @ w_dec + b_dec
                loss = (x_hat - x).pow(2).sum() / (x.shape[0] * variance) + lam * min(1.0, progress / 0.1) * l0
                active = gate > 0
            elif family == "relu-l1":
                z = torch.relu(x @ w_enc.t() + b_enc)
                x_hat = z @ w_dec + b_dec
                l1 = (z * w_dec.norm(dim=1)[None]).sum(1).mean() / math.sqrt(variance)
                loss = (x_hat - x).pow(2).sum() / (x.shape[0] * variance) + lam * min(1.0, progress / 0.05) * l1
                active = z > 0
            else:
                sys.exit("unknown family " + family)
            opt.zero_grad()
            loss.backward()
            with torch.no_grad():
                if unit_norm:
                    w_dec.grad -= (w_dec.grad * w_dec).sum(1, keepdim=True) * w_dec
                opt.step()
                if unit_norm:
                    w_dec.data /= w_dec.data.norm(dim=1, keepdim=True).clamp_min(1e-8)
                fired += active.sum(0).float()
            seen += x.shape[0]
        dead = fired == 0
    with torch.no_grad():
        if family in ("batchtopk", "matryoshka"):
            perm = torch.randperm(n)
            mins = []
            for b in range(0, n - 1, batch):
                z = batch_topk((x_all[perm[b:b + batch]] - b_dec) @ w_enc.t() + b_enc, k)
                kept = z[z > 0]
                if kept.numel():
                    mins.append(float(kept.min()))
            threshold = sum(mins) / len(mins) if mins else 0.0
    seconds = time.time() - start
    with torch.no_grad():
        if family in ("batchtopk", "matryoshka"):
            acts = torch.relu((x_all - b_dec) @ w_enc.t() + b_enc)
            z = acts * (acts > threshold)
        elif family == "jumprelu":
            acts = torch.relu(x_all @ w_enc.t() + b_enc)
            z = acts * (acts > log_theta.exp())
        else:
            z = torch.relu(x_all @ w_enc.t() + b_enc)
        fvu = float((z @ w_dec + b_dec - x_all).pow(2).sum() / (x_all - x_all.mean(0)).pow(2).sum())
        l0 = float((z > 0).sum(1).float().mean())
    print(json.dumps({"family": family, "samples_per_second": seen / seconds, "fvu": fvu, "l0": l0,
                      "seconds": seconds, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
