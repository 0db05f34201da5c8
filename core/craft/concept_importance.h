#pragma once
// ConceptImportance: how much each concept matters to the model's output on one image (Fel et al.,
// CVPR 2023 §3.2; docs/craft.md). An estimator gets the image's per-concept contributions B
// (r × F, concept_contributions.h) and h, an evaluator of rebuilt activation rows, and returns
// one score per concept. The reference's method is Sobol total-order indices with Jansen's
// estimator (sobol.h); occlusion and RISE, which Holistic CRAFT (Fel et al., NeurIPS 2023) also
// studies, are in importance_methods.cpp. A new method implements this interface and is chosen in
// craft_methods.h.
#include "craft/concept_contributions.h"
#include "craft/sobol.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace cs::craft {

struct ImportanceScores {
    std::vector<double> scores;  // one per concept (row of B)
    int64_t evaluations = 0;     // rows given to h
};

class ConceptImportance {
public:
    virtual ~ConceptImportance() = default;
    virtual std::string name() const = 0;
    virtual ImportanceScores estimate(const at::Tensor& contributions, const RowEvaluator& h) = 0;
};

// Sobol total-order indices over the masks of `design` (nbDesign points, seeded), h called on
// at most hBatch rows at a time. The masks are drawn once per concept count.
std::unique_ptr<ConceptImportance> makeSobolImportance(SobolDesign design, int64_t nbDesign, uint64_t seed, int64_t hBatch);

// Occlusion: score_k = h(all concepts) − h(all concepts but k); r + 1 rows per image.
std::unique_ptr<ConceptImportance> makeOcclusionImportance(int64_t hBatch);

// RISE (Petsiuk et al., BMVC 2018) on the concept coefficients: nbDesign·(r + 2) random binary
// masks (as many rows as Sobol's with the same nbDesign), each concept kept with probability 0.5,
// drawn from `seed`; score_k = E[h(m)·m_k]/E[m_k] − E[h(m)].
std::unique_ptr<ConceptImportance> makeRiseImportance(int64_t nbDesign, uint64_t seed, int64_t hBatch);

// Gradient × Input on the concept coefficients, summed over the locations: score_k = ∂h/∂m_k at
// m = 1 (gradient_importance.cpp); one row and one backward pass per image. h must be
// differentiable by autograd (the class logit is; cs::Error otherwise).
std::unique_ptr<ConceptImportance> makeGradientInputImportance(int64_t hBatch);

// Integrated Gradients (Sundararajan et al., ICML 2017) on the concept coefficients from the zero
// baseline, `steps` points on the path and the trapezoid rule (xplique's defaults: 50 steps,
// baseline 0): score_k = ∫₀¹ ∂h/∂m_k(α·1) dα; `steps` rows per image.
inline constexpr int64_t kIntegratedGradientSteps = 50;
std::unique_ptr<ConceptImportance> makeIntegratedGradientsImportance(int64_t steps, int64_t hBatch);

}  // namespace cs::craft
