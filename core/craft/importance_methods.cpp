// Concept importance estimators beside Sobol (concept_importance.h, docs/craft.md "Methods"):
// occlusion and RISE, which Holistic CRAFT (Fel et al., NeurIPS 2023, §4) compares with Sobol.
// Both mask the concept contributions as Sobol does (the rebuilt activation Σ_k m_k B[k]).
#include "craft/concept_importance.h"

#include <torch/torch.h>

#include <random>
#include <vector>

namespace cs::craft {

namespace {

class OcclusionImportance final : public ConceptImportance {
public:
    explicit OcclusionImportance(int64_t hBatch) : hBatch_(hBatch) {}

    std::string name() const override { return "occlusion"; }

    ImportanceScores estimate(const at::Tensor& contributions, const RowEvaluator& h) override {
        torch::InferenceMode inference;
        const int64_t r = contributions.size(0);
        // Row 0 keeps every concept; row 1 + k removes concept k.
        at::Tensor masks = torch::ones({r + 1, r}, torch::kFloat32);
        masks.slice(0, 1, r + 1).fill_diagonal_(0.0f);
        at::Tensor y = evaluateMasks(contributions.contiguous(), masks, hBatch_, h).to(torch::kFloat64);
        ImportanceScores scores;
        scores.evaluations = r + 1;
        const double all = y[0].item<double>();
        for (int64_t k = 0; k < r; ++k) scores.scores.push_back(all - y[1 + k].item<double>());
        return scores;
    }

private:
    int64_t hBatch_;
};

class RiseImportance final : public ConceptImportance {
public:
    RiseImportance(int64_t nbDesign, uint64_t seed, int64_t hBatch) : nbDesign_(nbDesign), seed_(seed), hBatch_(hBatch) {}

    std::string name() const override { return "rise"; }

    ImportanceScores estimate(const at::Tensor& contributions, const RowEvaluator& h) override {
        torch::InferenceMode inference;
        const int64_t r = contributions.size(0);
        useMasksFor(r);
        at::Tensor y = evaluateMasks(contributions.contiguous(), masks_, hBatch_, h).to(torch::kFloat64);
        at::Tensor m = masks_.to(torch::kFloat64);
        const int64_t count = m.size(0);
        // E[h·m_k] / E[m_k] − E[h]: the mean output when concept k is kept, against the mean output.
        at::Tensor kept = (y.unsqueeze(1) * m).sum(0) / m.sum(0).clamp_min(1.0);
        at::Tensor keptShare = m.sum(0) / static_cast<double>(count);
        at::Tensor score = torch::where(keptShare > 0, kept - y.mean(), torch::zeros_like(kept));
        ImportanceScores scores;
        scores.evaluations = count;
        for (int64_t k = 0; k < r; ++k) scores.scores.push_back(score[k].item<double>());
        return scores;
    }

private:
    // The same masks for every image of a run (as Sobol's design), drawn once per concept count.
    void useMasksFor(int64_t r) {
        if (masks_.defined() && masks_.size(1) == r) return;
        const int64_t count = nbDesign_ * (r + 2);
        std::mt19937_64 rng(seed_);
        std::bernoulli_distribution keep(0.5);
        std::vector<float> values(static_cast<size_t>(count * r));
        for (float& v : values) v = keep(rng) ? 1.0f : 0.0f;
        masks_ = torch::from_blob(values.data(), {count, r}, torch::kFloat32).clone();
    }

    int64_t nbDesign_;
    uint64_t seed_;
    int64_t hBatch_;
    at::Tensor masks_;
};

}  // namespace

std::unique_ptr<ConceptImportance> makeOcclusionImportance(int64_t hBatch) { return std::make_unique<OcclusionImportance>(hBatch); }

std::unique_ptr<ConceptImportance> makeRiseImportance(int64_t nbDesign, uint64_t seed, int64_t hBatch) {
    return std::make_unique<RiseImportance>(nbDesign, seed, hBatch);
}

}  // namespace cs::craft
