#include "craft/sae_dictionary.h"

#include "common/error.h"
#include "sae/topk_sae.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace cs::craft {
namespace {

const char* const kSubject = "concept dictionary";
constexpr int64_t kTrainingSteps = 3000;  // crops are few (hundreds to thousands): many passes

class SaeDictionary final : public ConceptDictionary {
public:
    explicit SaeDictionary(uint64_t seed) : seed_(seed) {}
    std::string name() const override { return "sae"; }
    bool nonNegativeCodes() const override { return true; }

    NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) override {
        if (A.dim() != 2) throw Error(kSubject, "the SAE expects a 2-d activation matrix");
        if (rank <= 0) throw Error(kSubject, "the number of concepts must be positive");
        if (A.size(0) < std::max<int64_t>(rank, 2))
            throw Error(kSubject, "the SAE needs at least as many crops as concepts (" + std::to_string(A.size(0)) +
                                      " crops, " + std::to_string(rank) + " concepts)");
        at::Tensor a = A.to(torch::kFloat32).contiguous();
        if (!torch::isfinite(a).all().item<bool>()) throw Error(kSubject, "the activations have NaN or infinite entries");
        sae::SaeConfig config;
        config.latentCount = rank;
        config.k = std::max<int64_t>(1, rank / 4);
        config.batchSize = std::min<int64_t>(256, a.size(0));
        const int64_t batchesPerEpoch = (a.size(0) + config.batchSize - 1) / config.batchSize;
        config.epochs = static_cast<int>(std::clamp<int64_t>(kTrainingSteps / batchesPerEpoch, 5, 3000));
        config.learningRate = 1e-3;
        config.seed = seed_;
        sae_ = std::make_unique<sae::TopKSae>(a.size(1), config);
        const sae::SaeTrainStats training = sae_->train(a);
        for (const auto& [tensorName, blob] : sae_->weights()) {
            at::Tensor t = torch::from_blob(const_cast<float*>(blob.data.data()), blob.shape, torch::kFloat32).clone();
            if (tensorName == "W_dec") W_ = t;
            if (tensorName == "b_dec") bDec_ = t;
        }
        U = transform(a);
        W = W_.clone();
        NmfStats stats;
        stats.iterations = static_cast<int>(training.lossPerEpoch.size());
        stats.converged = true;
        const double norm = a.norm().item<double>();
        stats.relativeError = norm == 0 ? 0.0 : (a - reconstruct(U)).norm().item<double>() / norm;
        return stats;
    }

    at::Tensor transform(const at::Tensor& activations) const override {
        fitted();
        at::Tensor codes = sae_->encodeDense(activations.to(torch::kFloat32));
        return activations.scalar_type() == torch::kFloat64 ? codes.to(torch::kFloat64) : codes;
    }
    at::Tensor reconstruct(const at::Tensor& codes) const override {
        fitted();
        return codes.to(torch::kFloat32).mm(W_) + bDec_;
    }
    at::Tensor offset() const override {
        fitted();
        return bDec_.clone();
    }

private:
    void fitted() const {
        if (!sae_) throw Error(kSubject, "the SAE dictionary is used before it was fitted");
    }
    uint64_t seed_;
    std::unique_ptr<sae::TopKSae> sae_;
    at::Tensor W_, bDec_;  // rank × C decoder rows, C
};

}  // namespace

std::unique_ptr<ConceptDictionary> makeSaeDictionary(uint64_t seed) { return std::make_unique<SaeDictionary>(seed); }

}  // namespace cs::craft
