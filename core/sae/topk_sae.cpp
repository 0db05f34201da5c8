#include "sae/topk_sae.h"

#include "common/error.h"
#include "sae/sae_parameters.h"

#include <cmath>

namespace cs::sae {
namespace {

SaeConfig asTopK(SaeConfig config) {
    config.family = SaeFamily::TopK;
    return config;
}

struct Forward {
    torch::Tensor c, lin, values, indices, z, active, wDecSel, xHat;
};

Forward forward(const SparseAutoencoder::Parameters& p, const torch::Tensor& x, int64_t k) {
    Forward f;
    f.c = x - p.bDec;
    f.lin = torch::addmm(p.bEnc, f.c, p.wEnc.t());
    std::tie(f.values, f.indices) = f.lin.topk(k, 1);
    f.z = torch::relu(f.values);
    f.active = (f.values > 0).to(torch::kFloat32);
    const int64_t B = x.size(0), d = x.size(1);
    f.wDecSel = p.wDec.index_select(0, f.indices.reshape({-1})).view({B, k, d});
    f.xHat = torch::bmm(f.z.unsqueeze(1), f.wDecSel).squeeze(1) + p.bDec;
    return f;
}

struct Gradients {
    torch::Tensor wEnc, bEnc, wDec, bDec;
};

// Adds the gradients of a TopK reconstruction term ("selected values z at indices idx,
// decoded without bias, compared through gradient g = ∂loss/∂decoded") into the buffers.
void accumulate(const SparseAutoencoder::Parameters& p, const torch::Tensor& c, const torch::Tensor& z,
                const torch::Tensor& active, const torch::Tensor& idx, const torch::Tensor& wDecSel,
                const torch::Tensor& g, Gradients& out) {
    const int64_t B = c.size(0), kk = idx.size(1), d = c.size(1);
    auto flat = idx.reshape({-1});
    out.wDec.index_add_(0, flat, (z.unsqueeze(2) * g.unsqueeze(1)).reshape({B * kk, d}));
    auto gz = torch::bmm(wDecSel, g.unsqueeze(2)).squeeze(2) * active;  // ∂loss/∂pre (selected)
    out.bEnc.index_add_(0, flat, gz.reshape({-1}));
    out.wEnc.index_add_(0, flat, (gz.unsqueeze(2) * c.unsqueeze(1)).reshape({B * kk, d}));
    // c = x − b_dec feeds the encoder, so b_dec also gets −Σ gz · W_enc[idx].
    out.bDec -= torch::mm(gz.reshape({1, -1}), p.wEnc.index_select(0, flat)).squeeze(0);
}

// Loss and manual gradients for one batch. deadMask: m bools (undefined = no AuxK).
Gradients gradients(const SparseAutoencoder::Parameters& p, const SaeConfig& config, const torch::Tensor& x,
                    const torch::Tensor& deadMask, double* fvuOut, torch::Tensor* fired) {
    torch::NoGradGuard noGrad;
    const int64_t d = x.size(1), m = p.wEnc.size(0);
    auto f = forward(p, x, config.k);
    const double variance = std::max((x - x.mean(0)).pow(2).sum().item<double>(), 1e-12);
    auto r = f.xHat - x;
    if (fvuOut) *fvuOut = r.pow(2).sum().item<double>() / variance;
    if (fired) fired->index_add_(0, f.indices.reshape({-1}), f.active.reshape({-1}));
    Gradients g{torch::zeros_like(p.wEnc), torch::zeros_like(p.bEnc), torch::zeros_like(p.wDec), torch::Tensor()};
    auto gr = r * (2.0 / variance);
    g.bDec = gr.sum(0);
    accumulate(p, f.c, f.z, f.active, f.indices, f.wDecSel, gr, g);
    if (deadMask.defined() && deadMask.numel() == m) {
        const int64_t numDead = deadMask.sum().item<int64_t>();
        const int64_t auxK = config.auxK > 0 ? config.auxK : std::max<int64_t>(1, d / 2);
        if (numDead > 0) {
            const int64_t ka = std::min(auxK, numDead);
            const double scale = std::min(1.0, double(numDead) / auxK) * config.auxCoefficient;
            auto auxLin = f.lin.masked_fill(deadMask.logical_not().unsqueeze(0), -INFINITY);
            auto [av, ai] = auxLin.topk(ka, 1);
            auto za = torch::relu(av);
            auto activeAux = (av > 0).to(torch::kFloat32);
            const int64_t B = x.size(0);
            auto wSel = p.wDec.index_select(0, ai.reshape({-1})).view({B, ka, d});
            auto eHat = torch::bmm(za.unsqueeze(1), wSel).squeeze(1);
            auto residual = x - f.xHat;  // the target, treated as a constant (Gao et al.)
            auto ga = (eHat - residual) * (2.0 * scale / variance);
            accumulate(p, f.c, za, activeAux, ai, wSel, ga, g);
        }
    }
    return g;
}

// The same loss through autograd on the dense formulation (reference for gradientCheck).
Gradients autogradGradients(const SparseAutoencoder::Parameters& p, const SaeConfig& config, const torch::Tensor& x,
                            const torch::Tensor& deadMask) {
    auto we = p.wEnc.detach().clone().requires_grad_(true), be = p.bEnc.detach().clone().requires_grad_(true);
    auto wd = p.wDec.detach().clone().requires_grad_(true), bd = p.bDec.detach().clone().requires_grad_(true);
    auto lin = torch::addmm(be, x - bd, we.t());
    auto [vals, idx] = lin.topk(config.k, 1);
    auto zDense = torch::zeros_like(lin).scatter(1, idx, torch::relu(vals));
    auto xHat = torch::mm(zDense, wd) + bd;
    const auto variance = (x - x.mean(0)).pow(2).sum().clamp_min(1e-12);
    auto loss = (xHat - x).pow(2).sum() / variance;
    if (deadMask.defined() && deadMask.numel() == p.wEnc.size(0)) {
        const int64_t numDead = deadMask.sum().item<int64_t>();
        const int64_t auxK = config.auxK > 0 ? config.auxK : std::max<int64_t>(1, x.size(1) / 2);
        if (numDead > 0) {
            const int64_t ka = std::min(auxK, numDead);
            const double scale = std::min(1.0, double(numDead) / auxK) * config.auxCoefficient;
            auto auxLin = lin.masked_fill(deadMask.logical_not().unsqueeze(0), -INFINITY);
            auto [av, ai] = auxLin.topk(ka, 1);
            auto za = torch::zeros_like(lin).scatter(1, ai, torch::relu(av));
            auto eHat = torch::mm(za, wd);
            loss = loss + scale * (eHat - (x - xHat).detach()).pow(2).sum() / variance;
        }
    }
    loss.backward();
    return {we.grad(), be.grad(), wd.grad(), bd.grad()};
}

}  // namespace

TopKSae::TopKSae(int64_t inputDim, const SaeConfig& config) : SparseAutoencoder(inputDim, asTopK(config)) {}

double TopKSae::trainingStep(const at::Tensor& batch, const at::Tensor& deadMask, at::Tensor& fired, double) {
    auto& p = *p_;
    double fvu = 0;
    Gradients g = gradients(p, config(), batch, deadMask, &fvu, &fired);
    g.wEnc += config().weightDecay * p.wEnc.detach();
    g.wDec += config().weightDecay * p.wDec.detach();
    p.wEnc.mutable_grad() = g.wEnc;
    p.bEnc.mutable_grad() = g.bEnc;
    p.wDec.mutable_grad() = g.wDec;
    p.bDec.mutable_grad() = g.bDec;
    return fvu;
}

at::Tensor TopKSae::encodeDense(const at::Tensor& x) const {
    torch::NoGradGuard noGrad;
    auto [values, indices] = encode(x);
    return torch::zeros({x.size(0), latents()}).scatter(1, indices, values);
}

std::pair<at::Tensor, at::Tensor> TopKSae::encode(const at::Tensor& x) const {
    torch::NoGradGuard noGrad;
    const auto& p = *p_;
    if (x.dim() != 2 || x.size(1) != inputDim())
        throw Error("sae", "states have shape " + std::string(c10::str(x.sizes())) + ", expected [N, " +
                               std::to_string(inputDim()) + "] (does the model's encode output match the SAE?)");
    auto lin = torch::addmm(p.bEnc, x.to(torch::kFloat32) - p.bDec, p.wEnc.t());
    auto [values, indices] = lin.topk(k(), 1);
    return {torch::relu(values), indices};
}

double TopKSae::gradientCheck(const at::Tensor& batch, bool withAux, const at::Tensor& deadMask) {
    const auto& p = *p_;
    const torch::Tensor dead = withAux ? deadMask : torch::Tensor();
    const Gradients mine = gradients(p, config(), batch, dead, nullptr, nullptr);
    const Gradients ref = autogradGradients(p, config(), batch, dead);
    double worst = 0;
    worst = std::max(worst, (mine.wEnc - ref.wEnc).abs().max().item<double>());
    worst = std::max(worst, (mine.bEnc - ref.bEnc).abs().max().item<double>());
    worst = std::max(worst, (mine.wDec - ref.wDec).abs().max().item<double>());
    worst = std::max(worst, (mine.bDec - ref.bDec).abs().max().item<double>());
    return worst;
}

}  // namespace cs::sae
