// Gradient × Input and Integrated Gradients on the concept coefficients (gradient_importance.cpp):
// the planted concept ranks first; on an additive h both give each concept's exact effect; on a
// quadratic h they give the closed forms (∂h/∂m at 1, and a path integral that sums to h(1) − h(0));
// through the tiny conv net's class logit they agree with finite differences of h; an h autograd
// cannot differentiate is refused with a message.
#include "craft/concept_importance.h"

#include "craft/concept_contributions.h"
#include "craft/crops.h"
#include "planted_linear_head.h"
#include "tiny_vision_model.h"

#include "common/error.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

using namespace cs::craft;
using namespace cs::craft::test;

TEST(GradientImportance, PlantedConceptRanksFirstWithTheExactEffects) {
    for (const bool integrated : {false, true}) {
        PlantedLinearHead p = plantedHead();
        auto estimator = integrated ? makeIntegratedGradientsImportance(kIntegratedGradientSteps, 16) : makeGradientInputImportance(16);
        EXPECT_EQ(estimator->name(), integrated ? "integrated-gradients" : "gradient-input");
        const ImportanceScores scores = estimator->estimate(p.contributions, p.h());
        EXPECT_EQ(ranking(scores.scores)[0], kPlantedConcept);
        EXPECT_EQ(ranking(scores.scores), ranking(p.effects()));
        // For an additive h the gradient is the effect itself, at any point of the path.
        const auto effects = p.effects();
        for (size_t k = 0; k < effects.size(); ++k) EXPECT_NEAR(scores.scores[k], effects[k], 1e-4 * std::abs(effects[k]) + 1e-5) << k;
        // One row per image for Gradient × Input; 50 path points in blocks of 16 (4 calls) for IG.
        EXPECT_EQ(scores.evaluations, integrated ? 50 : 1);
        EXPECT_EQ(p.calls, integrated ? 4 : 1);
    }
}

// h(m) = (Σ_k m_k e_k)² with e_k = B[k]·c: ∂h/∂m_k = 2 (Σ_j m_j e_j) e_k. Gradient × Input at m = 1
// is 2 S e_k (S = Σ e); IG along α·1 is ∫ 2α S e_k dα = S e_k, which the trapezoid rule integrates
// exactly (the integrand is linear in α), and the scores sum to h(1) − h(0) = S² (completeness).
TEST(GradientImportance, QuadraticHeadHasTheClosedForms) {
    PlantedLinearHead p = plantedHead();
    const RowEvaluator square = [&p](const at::Tensor& rows) { return rows.to(torch::kFloat64).mv(p.c).pow(2).to(torch::kFloat32); };
    const auto effects = p.effects();
    double S = 0;
    for (double e : effects) S += e;
    const auto gi = makeGradientInputImportance(64)->estimate(p.contributions, square).scores;
    const auto ig = makeIntegratedGradientsImportance(kIntegratedGradientSteps, 64)->estimate(p.contributions, square).scores;
    double sum = 0;
    for (size_t k = 0; k < effects.size(); ++k) {
        EXPECT_NEAR(gi[k], 2 * S * effects[k], 1e-3 * std::abs(2 * S * effects[k]) + 1e-4) << k;
        EXPECT_NEAR(ig[k], S * effects[k], 1e-3 * std::abs(S * effects[k]) + 1e-4) << k;
        sum += ig[k];
    }
    EXPECT_NEAR(sum, S * S, 1e-3 * S * S);
}

// Through the real h (the tiny net's class logit on rebuilt block2 activations, cloned, cast and
// offset as in a run): Gradient × Input against central differences of h in m_k. The tiny net's
// head is linear after block2, so the difference is exact at any step.
TEST(GradientImportance, AgreesWithFiniteDifferencesThroughTheModel) {
    TinyVisionModel model(3, 32, 4, 3);
    model.toDouble();
    const at::Tensor images = makeImages(1, 3, 32, 32, 4);
    const at::Tensor a = model.activations(images.to(torch::kFloat64), "block2").detach();
    const std::vector<int64_t> spatial = spatialShape(a), shape(a.sizes().begin() + 1, a.sizes().end());
    // Three made-up concepts: W rows and per-location codes, non-negative like NMF's.
    torch::manual_seed(8);
    const int64_t r = 3, channels = a.size(1), locations = spatial[0] * spatial[1];
    const at::Tensor W = torch::rand({r, channels}, torch::kFloat64), codes = torch::rand({locations, r}, torch::kFloat64);
    const at::Tensor B = conceptContributions(codes, W, spatial);
    ActivationPolicy policy{NegativeActivations::Refuse, 0.0, "block2", false};
    const RowEvaluator logit = classLogitEvaluator(model, "block2", policy, shape, 1);
    const RowEvaluator h = [&](const at::Tensor& rows) { return logit(rows.to(torch::kFloat64)).to(torch::kFloat64); };
    const auto scores = makeGradientInputImportance(8)->estimate(B, h).scores;
    const double step = 0.25;
    for (int64_t k = 0; k < r; ++k) {
        at::Tensor up = torch::ones({1, r}, torch::kFloat64), down = torch::ones({1, r}, torch::kFloat64);
        up[0][k] = 1 + step;
        down[0][k] = 1 - step;
        const double numeric = ((h(up.mm(B)) - h(down.mm(B))) / (2 * step)).item<double>();
        EXPECT_NEAR(scores[k], numeric, 1e-3 * std::abs(numeric) + 1e-4) << k;
    }
}

TEST(GradientImportance, RefusesAnHThatCannotBeDifferentiated) {
    PlantedLinearHead p = plantedHead();
    const RowEvaluator detached = [&p](const at::Tensor& rows) { return rows.detach().to(torch::kFloat64).mv(p.c).to(torch::kFloat32); };
    try {
        makeGradientInputImportance(8)->estimate(p.contributions, detached);
        FAIL() << "no error";
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("differentiate"), std::string::npos) << e.what();
    }
    EXPECT_THROW(makeIntegratedGradientsImportance(1, 8), cs::Error);
}
