#include "sae/topk_sae.h"

#include "common/error.h"
#include "jobs/job.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

namespace cs::sae {

struct TopKSae::Impl {
    SaeConfig config;
    int64_t d = 0, m = 0;
    torch::Tensor wEnc, bEnc, wDec, bDec;  // m×d, m, m×d, d

    struct Forward {
        torch::Tensor c, lin, values, indices, z, active, wDecSel, xHat;
    };

    Forward forward(const torch::Tensor& x) const {
        Forward f;
        f.c = x - bDec;
        f.lin = torch::addmm(bEnc, f.c, wEnc.t());
        std::tie(f.values, f.indices) = f.lin.topk(config.k, 1);
        f.z = torch::relu(f.values);
        f.active = (f.values > 0).to(torch::kFloat32);
        const int64_t B = x.size(0);
        f.wDecSel = wDec.index_select(0, f.indices.reshape({-1})).view({B, config.k, d});
        f.xHat = torch::bmm(f.z.unsqueeze(1), f.wDecSel).squeeze(1) + bDec;
        return f;
    }

    // Adds the gradients of a TopK reconstruction term ("selected values z at indices idx,
    // decoded without bias, compared through gradient g = ∂loss/∂decoded") into the buffers.
    void accumulate(const torch::Tensor& c, const torch::Tensor& z, const torch::Tensor& active,
                    const torch::Tensor& idx, const torch::Tensor& wDecSel, const torch::Tensor& g,
                    torch::Tensor& gWEnc, torch::Tensor& gBEnc, torch::Tensor& gWDec, torch::Tensor& gBDec) const {
        const int64_t B = c.size(0), kk = idx.size(1);
        auto flat = idx.reshape({-1});
        gWDec.index_add_(0, flat, (z.unsqueeze(2) * g.unsqueeze(1)).reshape({B * kk, d}));
        auto gz = torch::bmm(wDecSel, g.unsqueeze(2)).squeeze(2) * active;  // ∂loss/∂pre (selected)
        gBEnc.index_add_(0, flat, gz.reshape({-1}));
        gWEnc.index_add_(0, flat, (gz.unsqueeze(2) * c.unsqueeze(1)).reshape({B * kk, d}));
        // c = x − b_dec feeds the encoder, so b_dec also gets −Σ gz · W_enc[idx].
        gBDec -= torch::mm(gz.reshape({1, -1}), wEnc.index_select(0, flat)).squeeze(0);
    }

    // Loss and manual gradients for one batch. deadMask: m bools (empty = no AuxK).
    double gradients(const torch::Tensor& x, const torch::Tensor& deadMask, torch::Tensor& gWEnc,
                     torch::Tensor& gBEnc, torch::Tensor& gWDec, torch::Tensor& gBDec, double* fvuOut,
                     torch::Tensor* fired) const {
        torch::NoGradGuard noGrad;
        auto f = forward(x);
        const double variance = std::max((x - x.mean(0)).pow(2).sum().item<double>(), 1e-12);
        auto r = f.xHat - x;
        const double fvu = r.pow(2).sum().item<double>() / variance;
        if (fvuOut) *fvuOut = fvu;
        if (fired) fired->index_add_(0, f.indices.reshape({-1}), f.active.reshape({-1}));
        gWEnc = torch::zeros_like(wEnc);
        gBEnc = torch::zeros_like(bEnc);
        gWDec = torch::zeros_like(wDec);
        auto g = r * (2.0 / variance);
        gBDec = g.sum(0);
        accumulate(f.c, f.z, f.active, f.indices, f.wDecSel, g, gWEnc, gBEnc, gWDec, gBDec);
        double loss = fvu;
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
                auto wSel = wDec.index_select(0, ai.reshape({-1})).view({B, ka, d});
                auto eHat = torch::bmm(za.unsqueeze(1), wSel).squeeze(1);
                auto residual = x - f.xHat;  // the target, treated as a constant (Gao et al.)
                auto ra = eHat - residual;
                loss += scale * ra.pow(2).sum().item<double>() / variance;
                auto ga = ra * (2.0 * scale / variance);
                accumulate(f.c, za, activeAux, ai, wSel, ga, gWEnc, gBEnc, gWDec, gBDec);
            }
        }
        return loss;
    }

    // The same loss through autograd on the dense formulation (reference for gradientCheck).
    std::vector<torch::Tensor> autogradGradients(const torch::Tensor& x, const torch::Tensor& deadMask) const {
        auto we = wEnc.detach().clone().requires_grad_(true), be = bEnc.detach().clone().requires_grad_(true);
        auto wd = wDec.detach().clone().requires_grad_(true), bd = bDec.detach().clone().requires_grad_(true);
        auto lin = torch::addmm(be, x - bd, we.t());
        auto [vals, idx] = lin.topk(config.k, 1);
        auto zDense = torch::zeros_like(lin).scatter(1, idx, torch::relu(vals));
        auto xHat = torch::mm(zDense, wd) + bd;
        const auto variance = (x - x.mean(0)).pow(2).sum().clamp_min(1e-12);
        auto loss = (xHat - x).pow(2).sum() / variance;
        if (deadMask.defined() && deadMask.numel() == m) {
            const int64_t numDead = deadMask.sum().item<int64_t>();
            const int64_t auxK = config.auxK > 0 ? config.auxK : std::max<int64_t>(1, d / 2);
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
};

TopKSae::TopKSae(int64_t inputDim, const SaeConfig& config) : impl_(std::make_unique<Impl>()) {
    if (inputDim <= 0) throw Error("sae", "the state dimension must be positive, got " + std::to_string(inputDim));
    if (config.expansion <= 0 || inputDim * config.expansion > (int64_t(1) << 20))
        throw Error("sae", "latent count d × expansion = " + std::to_string(inputDim) + " × " +
                               std::to_string(config.expansion) + " is out of range (1 .. 1048576)");
    const int64_t m = inputDim * config.expansion;
    if (config.k < 1 || config.k > m)
        throw Error("sae", "k = " + std::to_string(config.k) + " is out of range (1 .. " + std::to_string(m) +
                               " latents)");
    if (config.epochs < 1 || config.batchSize < 2) throw Error("sae", "epochs must be >= 1 and batch size >= 2");
    auto& s = *impl_;
    s.config = config;
    s.d = inputDim;
    s.m = m;
    torch::manual_seed(config.seed);
    // nn.Linear's default init for the encoder, decoder = its transpose with unit-norm rows.
    const double bound = 1.0 / std::sqrt(static_cast<double>(inputDim));
    s.wEnc = torch::empty({m, inputDim}).uniform_(-bound, bound);
    s.bEnc = torch::zeros({m});
    s.wDec = s.wEnc.clone();
    s.wDec /= s.wDec.norm(2, 1, true).clamp_min(1e-8);
    s.bDec = torch::zeros({inputDim});
}

TopKSae::~TopKSae() = default;
TopKSae::TopKSae(TopKSae&&) noexcept = default;
int64_t TopKSae::inputDim() const { return impl_->d; }
int64_t TopKSae::latents() const { return impl_->m; }
int64_t TopKSae::k() const { return impl_->config.k; }
const SaeConfig& TopKSae::config() const { return impl_->config; }

SaeTrainStats TopKSae::train(const at::Tensor& statesIn, jobs::JobContext* context) {
    auto& s = *impl_;
    if (statesIn.dim() != 2 || statesIn.size(1) != s.d)
        throw Error("sae", "training states have shape " + std::string(c10::str(statesIn.sizes())) + ", expected [N, " +
                               std::to_string(s.d) + "]");
    if (statesIn.size(0) < 2) throw Error("sae", "at least two training states are needed");
    auto states = statesIn.to(torch::kFloat32).contiguous();
    const auto start = std::chrono::steady_clock::now();
    torch::manual_seed(s.config.seed);
    s.bDec = states.mean(0);  // reference starts at 0; the data mean converges faster (Gao et al. §A)
    std::vector<torch::Tensor> params = {s.wEnc, s.bEnc, s.wDec, s.bDec};
    for (auto& p : params) p.set_requires_grad(false);
    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(s.config.learningRate));
    SaeTrainStats stats;
    const int64_t N = states.size(0);
    torch::Tensor deadMask;  // from the previous epoch; undefined in the first
    for (int epoch = 0; epoch < s.config.epochs; ++epoch) {
        auto perm = torch::randperm(N, torch::kInt64);
        auto fired = torch::zeros({s.m});
        double fvuSum = 0;
        int64_t batches = 0;
        for (int64_t begin = 0; begin < N; begin += s.config.batchSize) {
            if (context) context->checkCancelled();
            const int64_t len = std::min(s.config.batchSize, N - begin);
            if (len < 2) break;
            auto batch = states.index_select(0, perm.narrow(0, begin, len));
            torch::Tensor gWEnc, gBEnc, gWDec, gBDec;
            double fvu = 0;
            s.gradients(batch, epoch > 0 ? deadMask : torch::Tensor(), gWEnc, gBEnc, gWDec, gBDec, &fvu, &fired);
            {
                torch::NoGradGuard noGrad;
                gWEnc += s.config.weightDecay * s.wEnc;
                gWDec += s.config.weightDecay * s.wDec;
                // Keep the step tangent to the unit sphere of each decoder row.
                gWDec -= (gWDec * s.wDec).sum(1, true) * s.wDec;
            }
            s.wEnc.mutable_grad() = gWEnc;
            s.bEnc.mutable_grad() = gBEnc;
            s.wDec.mutable_grad() = gWDec;
            s.bDec.mutable_grad() = gBDec;
            optimizer.step();
            {
                torch::NoGradGuard noGrad;
                s.wDec /= s.wDec.norm(2, 1, true).clamp_min(1e-8);
            }
            fvuSum += fvu;
            ++batches;
            stats.samplesSeen += len;
            if (context && batches % 20 == 0)
                context->report("sae", (epoch + double(begin + len) / N) / s.config.epochs,
                                "epoch " + std::to_string(epoch + 1) + " FVU " + std::to_string(fvuSum / batches));
        }
        deadMask = fired == 0;
        stats.lossPerEpoch.push_back(fvuSum / std::max<int64_t>(1, batches));
        stats.deadPerEpoch.push_back(deadMask.to(torch::kFloat32).mean().item<double>());
    }
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
}

std::pair<at::Tensor, at::Tensor> TopKSae::encode(const at::Tensor& x) const {
    torch::NoGradGuard noGrad;
    auto& s = *impl_;
    if (x.dim() != 2 || x.size(1) != s.d)
        throw Error("sae", "states have shape " + std::string(c10::str(x.sizes())) + ", expected [N, " +
                               std::to_string(s.d) + "] (does the model's encode output match the SAE?)");
    auto lin = torch::addmm(s.bEnc, x.to(torch::kFloat32) - s.bDec, s.wEnc.t());
    auto [values, indices] = lin.topk(s.config.k, 1);
    return {torch::relu(values), indices};
}

at::Tensor TopKSae::decode(const at::Tensor& values, const at::Tensor& indices) const {
    torch::NoGradGuard noGrad;
    auto& s = *impl_;
    const int64_t B = values.size(0), kk = values.size(1);
    auto sel = s.wDec.index_select(0, indices.reshape({-1})).view({B, kk, s.d});
    return torch::bmm(values.unsqueeze(1), sel).squeeze(1) + s.bDec;
}

at::Tensor TopKSae::reconstruct(const at::Tensor& x) const {
    auto [v, i] = encode(x);
    return decode(v, i);
}

double TopKSae::fvu(const at::Tensor& x) const {
    torch::NoGradGuard noGrad;
    double err = 0;
    const int64_t N = x.size(0);
    for (int64_t b = 0; b < N; b += 4096) {
        auto batch = x.narrow(0, b, std::min<int64_t>(4096, N - b));
        err += (reconstruct(batch) - batch).pow(2).sum().item<double>();
    }
    return err / std::max((x - x.mean(0)).pow(2).sum().item<double>(), 1e-12);
}

double TopKSae::gradientCheck(const at::Tensor& batch, bool withAux, const at::Tensor& deadMask) {
    auto& s = *impl_;
    torch::Tensor gWEnc, gBEnc, gWDec, gBDec;
    s.gradients(batch, withAux ? deadMask : torch::Tensor(), gWEnc, gBEnc, gWDec, gBDec, nullptr, nullptr);
    auto ref = s.autogradGradients(batch, withAux ? deadMask : torch::Tensor());
    double worst = 0;
    std::vector<torch::Tensor> mine = {gWEnc, gBEnc, gWDec, gBDec};
    for (size_t i = 0; i < 4; ++i) worst = std::max(worst, (mine[i] - ref[i]).abs().max().item<double>());
    return worst;
}

namespace {
TensorBlob toBlob(const torch::Tensor& t) {
    auto c = t.detach().to(torch::kFloat32).contiguous();
    TensorBlob blob;
    blob.shape.assign(c.sizes().begin(), c.sizes().end());
    blob.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return blob;
}
torch::Tensor fromBlob(const TensorBlob& b) {
    return torch::from_blob(const_cast<float*>(b.data.data()), b.shape, torch::kFloat32).clone();
}
}  // namespace

std::vector<std::pair<std::string, TensorBlob>> TopKSae::weights() const {
    auto& s = *impl_;
    return {{"W_enc", toBlob(s.wEnc)}, {"b_enc", toBlob(s.bEnc)}, {"W_dec", toBlob(s.wDec)}, {"b_dec", toBlob(s.bDec)}};
}

TopKSae TopKSae::fromWeights(const std::vector<std::pair<std::string, TensorBlob>>& weights, int64_t k,
                             const std::string& subject) {
    auto find = [&](const std::string& name) -> const TensorBlob& {
        for (const auto& [n, b] : weights)
            if (n == name) {
                if (!b.valid()) throw Error(subject, "SAE tensor " + name + " is damaged");
                return b;
            }
        throw Error(subject, "SAE tensor " + name + " is missing");
    };
    const auto& wEnc = find("W_enc");
    if (wEnc.shape.size() != 2) throw Error(subject, "W_enc must be 2-D, got " + wEnc.shapeText());
    SaeConfig config;
    config.k = k;
    config.expansion = std::max<int64_t>(1, wEnc.shape[0] / wEnc.shape[1]);
    TopKSae sae(wEnc.shape[1], config);
    auto& s = *sae.impl_;
    s.m = wEnc.shape[0];
    if (k > s.m) throw Error(subject, "k = " + std::to_string(k) + " exceeds the stored latent count");
    s.wEnc = fromBlob(wEnc);
    s.bEnc = fromBlob(find("b_enc"));
    s.wDec = fromBlob(find("W_dec"));
    s.bDec = fromBlob(find("b_dec"));
    if (s.wDec.sizes() != s.wEnc.sizes() || s.bEnc.numel() != s.m || s.bDec.numel() != s.d)
        throw Error(subject, "stored SAE tensors have inconsistent shapes");
    return sae;
}

}  // namespace cs::sae
