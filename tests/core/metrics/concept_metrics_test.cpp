// The concept metrics (metrics/concept_metrics.h, concept_faithfulness.h, run_metrics.h) against
// values worked out by hand.
#include "metrics/concept_faithfulness.h"
#include "metrics/concept_metrics.h"
#include "metrics/run_metrics.h"

#include "common/error.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace cs::metrics;
using cs::TensorBlob;

namespace {

TensorBlob matrix(int64_t rows, int64_t cols, std::vector<float> values) { return TensorBlob{{rows, cols}, std::move(values)}; }

// h(m) = Σ_k m_k·effect_k on every mask row of a design: a model whose concepts add up.
std::vector<double> linearOutputs(const std::vector<float>& masks, const std::vector<double>& effect) {
    const size_t r = effect.size();
    std::vector<double> y(masks.size() / r, 0.0);
    for (size_t i = 0; i < y.size(); ++i)
        for (size_t k = 0; k < r; ++k) y[i] += masks[i * r + k] * effect[k];
    return y;
}

}  // namespace

TEST(ConceptMetrics, RelativeReconstructionError) {
    // ‖(0, 4)‖ / ‖(3, 4)‖ = 4/5.
    EXPECT_DOUBLE_EQ(relativeReconstructionError(matrix(1, 2, {3, 4}), matrix(1, 2, {3, 0})), 0.8);
    EXPECT_DOUBLE_EQ(relativeReconstructionError(matrix(2, 1, {1, 2}), matrix(2, 1, {1, 2})), 0.0);
    EXPECT_THROW(relativeReconstructionError(matrix(1, 2, {3, 4}), matrix(2, 1, {3, 4})), cs::Error);
}

TEST(ConceptMetrics, SparsityCountsCodesAboveTheShareOfTheLargest) {
    // Largest |u| = 2, threshold 0.002: rows have 1, 1 and 2 active codes.
    EXPECT_NEAR(meanActiveCodes(matrix(3, 2, {1, 0, 1e-5f, -2, 0.5f, 0.5f})), 4.0 / 3.0, 1e-12);
    EXPECT_EQ(meanActiveCodes(matrix(2, 2, {0, 0, 0, 0})), 0.0);
}

TEST(ConceptMetrics, MatchingRecoversAPermutationUpToScaleAndSign) {
    const TensorBlob first = matrix(3, 4, {1, 0, 0, 1, 0, 2, 1, 0, 3, 3, 0, 0});
    // Rows of `first` in the order 2, 0, 1, scaled, one negated.
    const TensorBlob second = matrix(3, 4, {6, 6, 0, 0, -1, 0, 0, -1, 0, 4, 2, 0});
    const ConceptMatching m = matchConcepts(first, second);
    EXPECT_EQ(m.pairs, (std::vector<int64_t>{1, 2, 0}));
    for (double c : m.cosines) EXPECT_NEAR(c, 1.0, 1e-6);
    EXPECT_NEAR(m.meanCosine, 1.0, 1e-6);
    // A dictionary with one concept fewer: one concept left unpaired.
    const ConceptMatching partial = matchConcepts(first, matrix(2, 4, {0, 1, 0.5f, 0, 1, 0, 0, 1}));
    EXPECT_EQ(partial.pairs, (std::vector<int64_t>{1, 0, -1}));
    EXPECT_THROW(matchConcepts(first, matrix(3, 2, {1, 0, 0, 1, 1, 1})), cs::Error);
}

TEST(ConceptMetrics, CollinearityIsTheMeanAbsoluteCosineOfDistinctConcepts) {
    // cos(e1, e2) = 0, cos(e1, e1 + e2) = cos(e2, e1 + e2) = 1/√2: mean over the 3 pairs.
    EXPECT_NEAR(collinearity(matrix(3, 2, {1, 0, 0, 1, 1, 1})), 2.0 / 3.0 / std::sqrt(2.0), 1e-7);
    EXPECT_EQ(collinearity(matrix(1, 2, {1, 0})), 0.0);
}

TEST(ConceptMetrics, DominanceGivesPrevalenceAndReliability) {
    // Image 0 and 2 are dominated by concept 1, image 1 by concept 0; concept 2 dominates none.
    const TensorBlob importance = matrix(3, 3, {0.1f, 0.5f, 0.2f, 0.9f, 0.1f, 0.0f, 0.0f, 0.3f, 0.1f});
    const ConceptDominance d = conceptDominance(importance, {true, false, false});
    EXPECT_EQ(d.prevalence, (std::vector<double>{1.0 / 3.0, 2.0 / 3.0, 0.0}));
    ASSERT_TRUE(d.reliability[0] && d.reliability[1]);
    EXPECT_EQ(*d.reliability[0], 0.0);
    EXPECT_EQ(*d.reliability[1], 0.5);
    EXPECT_FALSE(d.reliability[2]);
}

// Concepts with effects 4, 3, 2, 1 on an additive h, ranked by those effects: deletion leaves
// 10, 6, 3, 1, 0 and insertion gives 0, 4, 7, 9, 10, whose trapezoid areas over [0, 1] are 15/4 and
// 25/4; the importance sums over subsets equal the drops, so μFidelity is 1.
TEST(ConceptFaithfulness, AdditiveModelWithExactImportance) {
    const std::vector<double> effect{1, 3, 4, 2};
    const FaithfulnessDesign design = faithfulnessDesign(4);
    EXPECT_EQ(design.subsets.size(), 4u);  // |S| = round(0.2·4) = 1, all four enumerated
    ConceptFaithfulnessMeter meter(design);
    const auto masks = faithfulnessMasks(design, effect);
    ASSERT_EQ(static_cast<int64_t>(masks.size()), faithfulnessRows(design) * 4);
    meter.addImage(effect, linearOutputs(masks, effect));
    const ConceptFaithfulness f = meter.result();
    EXPECT_EQ(f.deletion, (std::vector<double>{10, 6, 3, 1, 0}));
    EXPECT_EQ(f.insertion, (std::vector<double>{0, 4, 7, 9, 10}));
    EXPECT_DOUBLE_EQ(f.cDeletion, 15.0 / 4.0);
    EXPECT_DOUBLE_EQ(f.cInsertion, 25.0 / 4.0);
    ASSERT_TRUE(f.cMuFidelity);
    EXPECT_NEAR(*f.cMuFidelity, 1.0, 1e-12);
}

// The same model with the ranking reversed: deletion keeps the strong concepts longest (a larger
// area, 25/4), insertion adds them last (15/4), and μFidelity is −1.
TEST(ConceptFaithfulness, ReversedImportanceScoresWorse) {
    const std::vector<double> effect{1, 3, 4, 2};
    const std::vector<double> reversed{4, 2, 1, 3};
    const FaithfulnessDesign design = faithfulnessDesign(4);
    ConceptFaithfulnessMeter meter(design);
    meter.addImage(reversed, linearOutputs(faithfulnessMasks(design, reversed), effect));
    const ConceptFaithfulness f = meter.result();
    EXPECT_DOUBLE_EQ(f.cDeletion, 25.0 / 4.0);
    EXPECT_DOUBLE_EQ(f.cInsertion, 15.0 / 4.0);
    EXPECT_NEAR(*f.cMuFidelity, -1.0, 1e-12);
}

TEST(ConceptFaithfulness, LargeConceptCountsDrawTheirSubsets) {
    // r = 20, |S| = 4: 4845 subsets, more than 64, so 64 are drawn, each of 4 distinct concepts.
    const FaithfulnessDesign design = faithfulnessDesign(20, 64, 0.2, 5);
    ASSERT_EQ(design.subsets.size(), 64u);
    for (const auto& s : design.subsets) {
        ASSERT_EQ(s.size(), 4u);
        EXPECT_TRUE(std::adjacent_find(s.begin(), s.end()) == s.end());
    }
    EXPECT_EQ(faithfulnessDesign(20, 64, 0.2, 5).subsets, design.subsets);  // seeded
    // r = 10, |S| = 2: all 45 pairs.
    EXPECT_EQ(faithfulnessDesign(10).subsets.size(), 45u);
    EXPECT_FALSE(pearsonCorrelation({1, 1, 1}, {1, 2, 3}));
}

TEST(RunMetrics, JsonHasEveryKeyAndReadsBack) {
    RunMetrics m;
    m.relativeReconstructionError = 0.25;
    m.sparsity = 3;
    m.collinearity = 0.1;
    m.stability = StabilityScores{0.9, 0.8};
    m.cDeletion = 1.5;
    m.cInsertion = 2.5;
    m.cDeletionCurve = {2, 1};
    const nlohmann::json j = toJson(m);
    for (const char* key : {"relative_reconstruction_error", "sparsity", "stability", "c_deletion", "c_insertion", "c_mu_fidelity", "collinearity"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j["c_mu_fidelity"].is_null());
    const RunMetrics back = runMetricsFromSummary(nlohmann::json{{"metrics", j}});
    EXPECT_EQ(back.relativeReconstructionError, 0.25);
    EXPECT_EQ(metricValue(back, "stability.seeds"), 0.8);
    EXPECT_FALSE(back.cMuFidelity);
    EXPECT_EQ(back.cDeletionCurve, (std::vector<double>{2, 1}));
    EXPECT_FALSE(runMetricsFromSummary(nlohmann::json::object()).sparsity);
}
