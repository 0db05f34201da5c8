// The classes a concept raises (class_effects.h) on a linear head, where the answer is exact: with
// h(rows) = rows · M, dropping concept k lowers the logits by B[k] · M, so its mean gain over the
// images is the mean of B_i[k] · M; the top classes are those with the largest positive gains.
#include "craft/class_effects.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace cs::craft;

TEST(ClassEffects, AreTheMeanLogitGainOfEachConceptOnALinearHead) {
    torch::manual_seed(3);
    const int64_t images = 5, concepts = 4, features = 6, classes = 7;
    std::vector<at::Tensor> contributions;
    for (int64_t i = 0; i < images; ++i) contributions.push_back(torch::rand({concepts, features}));
    const at::Tensor M = torch::randn({features, classes});
    const RowEvaluator linear = [&](const at::Tensor& rows) { return rows.matmul(M); };
    int calls = 0;
    const at::Tensor effects =
        conceptClassEffects(images, [&](int64_t i) { return contributions[i]; }, linear, concepts, 2, [&] { ++calls; });
    EXPECT_EQ(calls, images);
    ASSERT_EQ(effects.sizes(), (std::vector<int64_t>{concepts, classes}));
    const at::Tensor expected = torch::stack(contributions).mean(0).matmul(M).to(torch::kFloat64);
    EXPECT_TRUE(torch::allclose(effects, expected, 1e-5, 1e-5)) << effects << expected;

    const auto top = topRaisedClasses(effects, 3);
    ASSERT_EQ(top.size(), size_t(concepts));
    for (int64_t k = 0; k < concepts; ++k) {
        const auto [values, indices] = expected[k].topk(3);
        std::vector<std::pair<int64_t, double>> want;
        for (int64_t j = 0; j < 3; ++j)
            if (values[j].item<double>() > 0) want.emplace_back(indices[j].item<int64_t>(), values[j].item<double>());
        ASSERT_EQ(top[k].size(), want.size()) << "concept " << k;
        for (size_t j = 0; j < want.size(); ++j) {
            EXPECT_EQ(top[k][j].first, want[j].first);
            EXPECT_NEAR(top[k][j].second, want[j].second, 1e-5);
        }
    }
    // A concept that lowers every class raises none.
    EXPECT_TRUE(topRaisedClasses(-torch::ones({1, 3}, torch::kFloat64), 2)[0].empty());
}
