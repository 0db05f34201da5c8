// Occlusion and RISE (importance_methods.cpp) on a planted linear head h(rows) = rows·c, where
// concept k's effect is exactly B[k]·c: occlusion returns it, and both rank the dominant concept first.
#include "craft/concept_importance.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace cs::craft;

namespace {

struct PlantedLinearHead {
    at::Tensor contributions;  // r × F
    at::Tensor c;              // F
    int64_t calls = 0;
    RowEvaluator h() {
        return [this](const at::Tensor& rows) {
            ++calls;
            return rows.to(torch::kFloat64).mv(c).to(torch::kFloat32);
        };
    }
};

// Concept k = α_k · its own direction; concept 2 dominates.
PlantedLinearHead plantedHead() {
    torch::manual_seed(21);
    const int64_t r = 6, features = 50;
    PlantedLinearHead p;
    p.c = torch::rand({features}, torch::kFloat64);
    at::Tensor weights = torch::tensor({1.0, 0.5, 6.0, 2.0, 0.1, 3.0}, torch::kFloat32);
    p.contributions = torch::rand({r, features}) * weights.unsqueeze(1);
    return p;
}

std::vector<int64_t> ranking(const std::vector<double>& scores) {
    std::vector<int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    return order;
}

}  // namespace

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
