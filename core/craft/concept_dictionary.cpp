#include "craft/concept_dictionary.h"

#include "common/error.h"

#include <torch/torch.h>

namespace cs::craft {

at::Tensor ConceptDictionary::offset() const { return {}; }

namespace {

class NmfDictionary final : public ConceptDictionary {
public:
    NmfDictionary(int maxIterations, double tolerance) : maxIterations_(maxIterations), tolerance_(tolerance) {}

    std::string name() const override { return "nmf"; }
    bool nonNegativeCodes() const override { return true; }

    NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) override {
        const NmfStats stats = fitNmf(A, NmfOptions{rank, maxIterations_, tolerance_}, U, W);
        W_ = W;
        return stats;
    }
    at::Tensor transform(const at::Tensor& activations) const override {
        return nnlsTransform(activations, fitted(), maxIterations_, tolerance_);
    }
    at::Tensor reconstruct(const at::Tensor& codes) const override { return codes.to(torch::kFloat32).mm(fitted()); }

private:
    const at::Tensor& fitted() const {
        if (!W_.defined()) throw Error("concept dictionary", "the NMF dictionary is used before it was fitted");
        return W_;
    }
    int maxIterations_;
    double tolerance_;
    at::Tensor W_;
};

}  // namespace

std::unique_ptr<ConceptDictionary> makeNmfDictionary(int maxIterations, double tolerance) {
    return std::make_unique<NmfDictionary>(maxIterations, tolerance);
}

}  // namespace cs::craft
