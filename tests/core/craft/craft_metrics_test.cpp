// The metrics stage of the CRAFT engine (craft_metrics.h) on the tiny conv net: every metric is
// filled and within its range, the C-Deletion and C-Insertion curves start and end where h on all
// and on no concepts is, the concepts' prevalences add up to one, stability is measured only when
// asked, and the gradient estimators run through the whole engine.
#include "craft/craft_engine.h"

#include "common/error.h"
#include "tiny_vision_model.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace cs::craft;
using namespace cs::craft::test;

TEST(CraftMetrics, EveryRunGetsItsMetrics) {
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.importance = ConceptImportanceMethod::GradientInput;
    o.stability = true;
    const CraftResult r = CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor());
    const auto& m = r.metrics;
    ASSERT_TRUE(m.relativeReconstructionError && m.sparsity && m.collinearity && m.cDeletion && m.cInsertion);
    EXPECT_NEAR(*m.relativeReconstructionError, r.nmf.relativeError, 1e-3);  // NMF's own figure, computed apart
    EXPECT_GT(*m.sparsity, 0.0);
    EXPECT_LE(*m.sparsity, 3.0);
    EXPECT_GE(*m.collinearity, 0.0);
    EXPECT_LE(*m.collinearity, 1.0);
    ASSERT_EQ(m.cDeletionCurve.size(), 4u);
    ASSERT_EQ(m.cInsertionCurve.size(), 4u);
    // Deletion starts with every concept and insertion ends with every concept: h on the same rows,
    // also the first point of the global-order deletion curve.
    EXPECT_NEAR(m.cDeletionCurve.front(), m.cInsertionCurve.back(), 1e-5);
    EXPECT_NEAR(m.cDeletionCurve.front(), r.faithfulness.deletion.front(), 1e-5);
    EXPECT_NEAR(m.cDeletionCurve.back(), m.cInsertionCurve.front(), 1e-5);
    if (m.cMuFidelity) {
        EXPECT_GE(*m.cMuFidelity, -1.0 - 1e-9);
        EXPECT_LE(*m.cMuFidelity, 1.0 + 1e-9);
    }
    ASSERT_TRUE(m.stability);
    EXPECT_GT(m.stability->halves, 0.0);
    EXPECT_LE(m.stability->halves, 1.0 + 1e-9);
    // NMF starts from NNDSVDa, which draws nothing: another seed refits the same concepts.
    EXPECT_NEAR(m.stability->seeds, 1.0, 1e-3);
    ASSERT_EQ(r.prevalence.size(), 3u);
    EXPECT_NEAR(std::accumulate(r.prevalence.begin(), r.prevalence.end(), 0.0), 1.0, 1e-12);
    for (size_t k = 0; k < 3; ++k) {
        EXPECT_EQ(r.reliability[k].has_value(), r.prevalence[k] > 0) << k;
        if (r.reliability[k]) EXPECT_TRUE(*r.reliability[k] >= 0.0 && *r.reliability[k] <= 1.0);
    }
    EXPECT_EQ(r.hEvaluations, 6);  // Gradient × Input: one row per image
}

TEST(CraftMetrics, StabilityOnlyWhenAskedAndIntegratedGradientsRuns) {
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.importance = ConceptImportanceMethod::IntegratedGradients;
    o.dictionary = ConceptDictionaryMethod::KMeans;
    o.implicitMaps = false;
    const CraftResult r = CraftEngine(model, o).run(makeImages(4, 3, 32, 32), at::Tensor());
    EXPECT_FALSE(r.metrics.stability);
    EXPECT_EQ(r.hEvaluations, 4 * 50);
    // K-Means codes are one-hot: exactly one active code per crop.
    ASSERT_TRUE(r.metrics.sparsity);
    EXPECT_DOUBLE_EQ(*r.metrics.sparsity, 1.0);
}
