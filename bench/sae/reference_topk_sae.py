"""PyTorch TopK SAE written in the manner of the RecSAE reference (dense latents, autograd),
with the same hyper-parameters as the studio's C++ SAE, for the same-run speed comparison.

usage: reference_topk_sae.py STATES N D EXPANSION K EPOCHS BATCH LR THREADS SEED
STATES is a float32 N×D .npy file (numpy.load; what bench_sae_training writes) or raw
float32 (.f32). prints one JSON line: {"samples_per_second", "fvu", "seconds", "threads"}
"""
import json
import sys
import time

import numpy as np
import torch


def main():
    path = sys.argv[1]
    n, d, expansion, k, epochs, batch = map(int, sys.argv[2:8])
    lr = float(sys.argv[8])
    torch.set_num_threads(int(sys.argv[9]))
    torch.manual_seed(int(sys.argv[10]))
    if path.endswith(".npy"):
        array = np.load(path)
        if array.dtype != np.float32 or array.shape != (n, d):
            sys.exit("%s: expected float32 %dx%d, got %s %s" % (path, n, d, array.dtype, array.shape))
    else:
        array = np.fromfile(path, dtype=np.float32).reshape(n, d)
    x_all = torch.from_numpy(np.ascontiguousarray(array))
    m = d * expansion
    encoder = torch.nn.Linear(d, m)
    encoder.bias.data.zero_()
    w_dec = torch.nn.Parameter(encoder.weight.data.clone())
    w_dec.data /= w_dec.data.norm(dim=1, keepdim=True)
    b_dec = torch.nn.Parameter(x_all.mean(0).clone())
    params = [encoder.weight, encoder.bias, w_dec, b_dec]
    opt = torch.optim.Adam(params, lr=lr)
    k_aux = d // 2
    dead = None
    start = time.time()
    seen = 0
    for epoch in range(epochs):
        fired = torch.zeros(m)
        perm = torch.randperm(n)
        for b in range(0, n, batch):
            x = x_all[perm[b:b + batch]]
            if x.shape[0] < 2:
                break
            lin = encoder(x - b_dec)
            vals, idx = lin.topk(k, dim=1)
            z = torch.zeros_like(lin).scatter(1, idx, torch.relu(vals))
            x_hat = z @ w_dec + b_dec
            variance = (x - x.mean(0)).pow(2).sum()
            loss = (x_hat - x).pow(2).sum() / variance
            with torch.no_grad():
                fired.index_add_(0, idx.flatten(), (vals > 0).float().flatten())
            if dead is not None and dead.any():
                num_dead = int(dead.sum())
                ka = min(k_aux, num_dead)
                aux_lin = lin.masked_fill(~dead[None], float("-inf"))
                av, ai = aux_lin.topk(ka, dim=1)
                za = torch.zeros_like(lin).scatter(1, ai, torch.relu(av))
                e_hat = za @ w_dec
                scale = min(1.0, num_dead / k_aux) / 32.0
                loss = loss + scale * (e_hat - (x - x_hat).detach()).pow(2).sum() / variance
            opt.zero_grad()
            loss.backward()
            with torch.no_grad():
                encoder.weight.grad += 1e-6 * encoder.weight
                w_dec.grad += 1e-6 * w_dec
                w_dec.grad -= (w_dec.grad * w_dec).sum(1, keepdim=True) * w_dec
            opt.step()
            with torch.no_grad():
                w_dec.data /= w_dec.data.norm(dim=1, keepdim=True).clamp_min(1e-8)
            seen += x.shape[0]
        dead = fired == 0
    seconds = time.time() - start
    with torch.no_grad():
        lin = encoder(x_all - b_dec)
        vals, idx = lin.topk(k, dim=1)
        z = torch.zeros_like(lin).scatter(1, idx, torch.relu(vals))
        fvu = float(((z @ w_dec + b_dec - x_all).pow(2).sum() / (x_all - x_all.mean(0)).pow(2).sum()))
    print(json.dumps({"samples_per_second": seen / seconds, "fvu": fvu, "seconds": seconds,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
