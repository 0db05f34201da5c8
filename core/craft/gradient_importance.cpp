// Gradient-based concept importance (concept_importance.h, docs/craft.md "Methods"): Gradient ×
// Input and Integrated Gradients on the concept coefficients, the estimators Holistic CRAFT
// (Fel et al., NeurIPS 2023; deel-ai/xplique HolisticCraft) finds the most faithful.
//
// The concepts are weighed by masks m as for Sobol: the rebuilt activation is Σ_k m_k B[k], where
// B[k] = U[·,k] ⊗ W[k] spreads concept k's coefficients over the locations. Scaling m_k scales every
// coefficient of concept k, so for the coefficients u_{l,k}:
//     Σ_l u_{l,k} ∂h/∂u_{l,k} = ∂h/∂m_k at m = 1,
// Gradient × Input on the coefficients summed over the locations; and Integrated Gradients from the
// zero coefficients along the straight path is ∫₀¹ ∂h/∂m_k(α·1) dα, summed the same way. Both are
// computed by autograd through h on the mask, one backward pass per block of rows.
#include "craft/concept_importance.h"

#include "common/error.h"

#include <torch/torch.h>

namespace cs::craft {

namespace {

// ∂h/∂m at each row of `masks` (rows × r), h evaluated on masks·B in blocks of hBatch rows.
at::Tensor maskGradients(const at::Tensor& contributions, const at::Tensor& masks, int64_t hBatch, const RowEvaluator& h,
                         const std::string& method) {
    // Autograd on, even inside a caller's InferenceMode; inference tensors, which autograd cannot
    // save, are copied first (the others are used as they are: a copy per image is a tenth of
    // Gradient × Input's time).
    c10::InferenceMode autogradOn(false);
    torch::AutoGradMode gradients(true);
    at::Tensor B = contributions.to(torch::kFloat32);
    if (B.is_inference()) B = B.clone();
    std::vector<at::Tensor> blocks;
    for (int64_t from = 0; from < masks.size(0); from += hBatch) {
        at::Tensor m = masks.slice(0, from, std::min(masks.size(0), from + hBatch)).to(torch::kFloat32).clone().requires_grad_(true);
        at::Tensor y = h(m.mm(B));
        if (!y.requires_grad())
            throw Error("importance", method + " needs an h that autograd can differentiate; this one (" +
                                          "e.g. a sub-concept's weight through its parent's NNLS transform) is not: use sobol, occlusion or rise");
        blocks.push_back(torch::autograd::grad({y.sum()}, {m})[0].detach().to(torch::kFloat64));
    }
    return torch::cat(blocks);
}

std::vector<double> toVector(const at::Tensor& t) {
    at::Tensor c = t.to(torch::kFloat64).contiguous();
    return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

class GradientInputImportance final : public ConceptImportance {
public:
    explicit GradientInputImportance(int64_t hBatch) : hBatch_(hBatch) {}
    std::string name() const override { return "gradient-input"; }

    ImportanceScores estimate(const at::Tensor& contributions, const RowEvaluator& h) override {
        const int64_t r = contributions.size(0);
        // Input = the coefficients themselves (m = 1), so the score is the gradient alone.
        const at::Tensor gradient = maskGradients(contributions, torch::ones({1, r}), hBatch_, h, name());
        return {toVector(gradient[0]), 1};
    }

private:
    int64_t hBatch_;
};

class IntegratedGradientsImportance final : public ConceptImportance {
public:
    IntegratedGradientsImportance(int64_t steps, int64_t hBatch) : steps_(steps), hBatch_(hBatch) {
        if (steps_ < 2) throw Error("integrated gradients", "needs at least 2 steps along the path");
    }
    std::string name() const override { return "integrated-gradients"; }

    ImportanceScores estimate(const at::Tensor& contributions, const RowEvaluator& h) override {
        const int64_t r = contributions.size(0);
        // α = 0, 1/(steps−1), …, 1 on every concept at once: the straight path from the baseline.
        const at::Tensor alphas = torch::linspace(0.0, 1.0, steps_, torch::kFloat32);
        const at::Tensor path = alphas.unsqueeze(1).expand({steps_, r});
        const at::Tensor gradients = maskGradients(contributions, path, hBatch_, h, name());
        // The trapezoid rule over the steps (xplique's _average_gradients), times (input − baseline) = 1.
        const at::Tensor average = (gradients.slice(0, 0, steps_ - 1) + gradients.slice(0, 1, steps_)).mean(0) * 0.5;
        return {toVector(average), steps_};
    }

private:
    int64_t steps_, hBatch_;
};

}  // namespace

std::unique_ptr<ConceptImportance> makeGradientInputImportance(int64_t hBatch) { return std::make_unique<GradientInputImportance>(hBatch); }

std::unique_ptr<ConceptImportance> makeIntegratedGradientsImportance(int64_t steps, int64_t hBatch) {
    return std::make_unique<IntegratedGradientsImportance>(steps, hBatch);
}

}  // namespace cs::craft
