// Occlusion and RISE (importance_methods.cpp) on a planted linear head h(rows) = rows·c, where
// concept k's effect is exactly B[k]·c: occlusion returns it, and both rank the dominant concept first.
#include "craft/concept_importance.h"

#include "planted_linear_head.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace cs::craft;
using namespace cs::craft::test;

TEST(OcclusionImportance, GivesEachConceptsLinearEffect) {
    PlantedLinearHead p = plantedHead();
    auto occlusion = makeOcclusionImportance(4);
    EXPECT_EQ(occlusion->name(), "occlusion");
    const ImportanceScores scores = occlusion->estimate(p.contributions, p.h());
    const int64_t r = p.contributions.size(0);
    EXPECT_EQ(scores.evaluations, r + 1);
    EXPECT_EQ(p.calls, 2);  // 7 rows in blocks of 4
    at::Tensor expected = p.contributions.to(torch::kFloat64).mv(p.c);
    std::vector<double> exact(expected.data_ptr<double>(), expected.data_ptr<double>() + r);
    for (int64_t k = 0; k < r; ++k) EXPECT_NEAR(scores.scores[k], exact[k], 1e-4 * std::abs(exact[k]) + 1e-5) << k;
    EXPECT_EQ(ranking(scores.scores), ranking(exact));
    EXPECT_EQ(ranking(scores.scores)[0], 2);
}

TEST(RiseImportance, RanksTheDominantConceptFirstWithSobolsBudget) {
    PlantedLinearHead p = plantedHead();
    const int64_t nbDesign = 32, r = p.contributions.size(0);
    auto rise = makeRiseImportance(nbDesign, 7, 64);
    EXPECT_EQ(rise->name(), "rise");
    const ImportanceScores scores = rise->estimate(p.contributions, p.h());
    EXPECT_EQ(scores.evaluations, nbDesign * (r + 2));
    EXPECT_EQ(ranking(scores.scores)[0], 2);
    // For a linear h, E[h | m_k = 1] − E[h] is half of concept k's effect (keep probability 0.5),
    // up to sampling noise.
    at::Tensor effect = p.contributions.to(torch::kFloat64).mv(p.c);
    EXPECT_NEAR(scores.scores[2], 0.5 * effect[2].item<double>(), 0.15 * effect[2].item<double>());
    // Seeded: the same scores again.
    auto again = makeRiseImportance(nbDesign, 7, 64);
    EXPECT_EQ(again->estimate(p.contributions, p.h()).scores, scores.scores);
}
