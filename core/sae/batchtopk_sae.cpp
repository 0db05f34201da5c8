// BatchTopK (Bussmann, Leask & Nanda 2024, "BatchTopK Sparse Autoencoders") and Matryoshka
// BatchTopK (Bussmann et al. 2025, "Learning Multi-Level Features with Matryoshka Sparse
// Autoencoders"), the SparseAutoencoder families "batchtopk" and "matryoshka".
//   pre = W_enc (x − b_dec) + b_enc;  training: keep the k·B largest relu(pre) of the batch;
//   inference: keep relu(pre) > θ, θ estimated after training (below);  x̂ = W_dec z + b_dec.
// Loss: the reconstruction (Matryoshka: the mean of the reconstructions from each nested
// prefix of latents, so the first latents must carry the coarse structure on their own) plus
// AuxK on the latents dead in the previous epoch, as TopK. Unit-norm decoder rows.
#include "common/error.h"
#include "sae/sae_parameters.h"

namespace cs::sae {
namespace {

class BatchTopKSae : public SparseAutoencoder {
public:
    BatchTopKSae(int64_t inputDim, const SaeConfig& config, std::vector<int64_t> prefixes)
        : SparseAutoencoder(inputDim, config), prefixes_(std::move(prefixes)) {
        p_->threshold = torch::zeros({});
    }

    std::vector<int64_t> prefixSizes() const override { return prefixes_; }

    at::Tensor encodeDense(const at::Tensor& x) const override {
        torch::NoGradGuard noGrad;
        checkInput(x);
        const auto& p = *p_;
        auto acts = torch::relu(torch::addmm(p.bEnc, x.to(torch::kFloat32) - p.bDec, p.wEnc.t()));
        return acts * (acts > p.threshold);
    }

protected:
    double trainingStep(const at::Tensor& x, const at::Tensor& deadMask, at::Tensor& fired, double) override {
        const auto& p = *p_;
        auto pre = torch::addmm(p.bEnc, x - p.bDec, p.wEnc.t());
        auto z = batchTopK(pre, config().k);
        auto loss = torch::zeros({});
        torch::Tensor xHat = p.bDec.expand_as(x);
        if (prefixes_.empty()) {
            xHat = torch::addmm(p.bDec, z, p.wDec);
            loss = reconstructionLoss(x, xHat, p.variance);
        } else {
            // Each prefix's reconstruction extends the previous one by the next group of latents.
            int64_t from = 0;
            for (int64_t to : prefixes_) {
                xHat = xHat + torch::mm(z.narrow(1, from, to - from), p.wDec.narrow(0, from, to - from));
                loss = loss + reconstructionLoss(x, xHat, p.variance);
                from = to;
            }
            loss = loss / double(prefixes_.size());
        }
        loss = loss + auxKLoss(pre, deadMask, x - xHat, p.wDec, config(), inputDim(), p.variance);
        loss.backward();
        torch::NoGradGuard noGrad;
        fired += (z > 0).sum(0).to(torch::kFloat32);
        return batchFvu(x, xHat);
    }

    // θ = the mean over training batches of the smallest activation BatchTopK kept (the paper's
    // §3 estimate). The reference keeps a running average during training; estimating it once
    // with the final weights gives the same quantity without the lag.
    void finishTraining(const at::Tensor& states) override {
        torch::NoGradGuard noGrad;
        auto& p = *p_;
        const int64_t N = states.size(0), B = config().batchSize;
        auto perm = torch::randperm(N, torch::kInt64);  // the states arrive sorted by prefix length
        double sum = 0;
        int64_t batches = 0;
        for (int64_t begin = 0; begin + 1 < N; begin += B) {
            auto x = states.index_select(0, perm.narrow(0, begin, std::min(B, N - begin)));
            auto z = batchTopK(torch::addmm(p.bEnc, x - p.bDec, p.wEnc.t()), config().k);
            auto kept = z.masked_select(z > 0);
            if (kept.numel() == 0) continue;
            sum += kept.min().item<double>();
            ++batches;
        }
        p.threshold = torch::full({}, batches > 0 ? sum / batches : 0.0);
    }

private:
    std::vector<int64_t> prefixes_;  // empty: plain BatchTopK
};

// The prefix sizes of config (or the default m/16, m/8, m/4, m/2, m), checked.
std::vector<int64_t> matryoshkaPrefixes(int64_t inputDim, const SaeConfig& config) {
    const int64_t m = config.latentCount > 0 ? config.latentCount : inputDim * config.expansion;
    std::vector<int64_t> prefixes = config.prefixSizes;
    if (prefixes.empty()) {
        for (int64_t divisor : {16, 8, 4, 2})
            if (m / divisor >= 1 && (prefixes.empty() || m / divisor > prefixes.back())) prefixes.push_back(m / divisor);
        prefixes.push_back(m);
    }
    for (size_t i = 0; i < prefixes.size(); ++i)
        if (prefixes[i] < 1 || (i > 0 && prefixes[i] <= prefixes[i - 1]))
            throw Error("sae", "Matryoshka prefix sizes must be positive and increasing");
    if (prefixes.back() != m)
        throw Error("sae", "the last Matryoshka prefix (" + std::to_string(prefixes.back()) +
                               ") must be the latent count " + std::to_string(m));
    return prefixes;
}

}  // namespace

std::unique_ptr<SparseAutoencoder> makeBatchTopKSae(int64_t inputDim, const SaeConfig& config) {
    return std::make_unique<BatchTopKSae>(inputDim, config, std::vector<int64_t>{});
}

std::unique_ptr<SparseAutoencoder> makeMatryoshkaSae(int64_t inputDim, const SaeConfig& config) {
    if (inputDim <= 0 || (config.latentCount <= 0 && config.expansion <= 0))  // the base refuses these itself
        return std::make_unique<BatchTopKSae>(inputDim, config, std::vector<int64_t>{1});
    return std::make_unique<BatchTopKSae>(inputDim, config, matryoshkaPrefixes(inputDim, config));
}

}  // namespace cs::sae
