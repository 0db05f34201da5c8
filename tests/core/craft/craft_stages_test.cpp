// Single stages of a CRAFT run, each alone: the faithfulness curves on planted contributions
// with a known h, the concept dictionary's NMF round trip, and the importance estimator giving
// the engine's own numbers on the tiny conv net.
#include "craft/concept_contributions.h"
#include "craft/concept_dictionary.h"
#include "craft/concept_importance.h"
#include "craft/craft_engine.h"
#include "craft/craft_methods.h"
#include "craft/faithfulness.h"

#include "common/error.h"
#include "tiny_vision_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace cs::craft;
using namespace cs::craft::test;

namespace {

// h = the sum of a row's values: linear, so each curve step is known in closed form.
at::Tensor rowSums(const at::Tensor& rows) { return rows.sum(1).to(torch::kFloat32); }

// Mean over images of h after keeping the concepts `kept` says (1 = kept), per image h being
// Σ_k kept_k · total_k with total_k the sum of image i's contribution row k.
double expectedOutput(const std::vector<at::Tensor>& contributions, const std::vector<double>& kept) {
    double sum = 0;
    for (const auto& B : contributions)
        for (size_t k = 0; k < kept.size(); ++k) sum += kept[k] * B[static_cast<int64_t>(k)].sum().item<double>();
    return sum / static_cast<double>(contributions.size());
}

}  // namespace

TEST(FaithfulnessStage, CurvesOfAPlantedLinearHead) {
    torch::manual_seed(11);
    const int64_t r = 4;
    const std::vector<at::Tensor> contributions{torch::rand({r, 6}), torch::rand({r, 6}) * 3};
    const std::vector<int64_t> ranked{2, 0, 3, 1};
    const int64_t randomOrders = 3;
    int afterImage = 0;
    // hBatch 5 splits the 4·2·5 = 40 mask rows into blocks, as a small batch does in a run.
    const FaithfulnessCurves f = faithfulnessCurves(
        2, [&](int64_t i) { return contributions[static_cast<size_t>(i)]; }, rowSums, 5, ranked, randomOrders, 7, [&] { ++afterImage; });
    EXPECT_EQ(afterImage, 2);

    const auto orders = faithfulnessOrders(ranked, randomOrders, 7);
    ASSERT_EQ(orders.size(), 4u);
    EXPECT_EQ(orders[0], ranked);
    std::vector<double> deletionRandom(r + 1, 0.0), insertionRandom(r + 1, 0.0);
    for (size_t q = 0; q < orders.size(); ++q) {
        std::vector<int64_t> sorted = orders[q];
        std::sort(sorted.begin(), sorted.end());
        EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3})) << "order " << q << " is a permutation";
        for (int64_t j = 0; j <= r; ++j) {
            std::vector<double> deleted(r, 1.0), inserted(r, 0.0);
            for (int64_t t = 0; t < j; ++t) {
                deleted[orders[q][t]] = 0.0;
                inserted[orders[q][t]] = 1.0;
            }
            const double d = expectedOutput(contributions, deleted), s = expectedOutput(contributions, inserted);
            if (q == 0) {
                EXPECT_NEAR(f.deletion[j], d, 1e-5) << "deletion step " << j;
                EXPECT_NEAR(f.insertion[j], s, 1e-5) << "insertion step " << j;
            } else {
                deletionRandom[j] += d / randomOrders;
                insertionRandom[j] += s / randomOrders;
            }
        }
    }
    for (int64_t j = 0; j <= r; ++j) {
        EXPECT_NEAR(f.deletionRandom[j], deletionRandom[j], 1e-5);
        EXPECT_NEAR(f.insertionRandom[j], insertionRandom[j], 1e-5);
    }
    EXPECT_DOUBLE_EQ(f.deletionArea, curveArea(f.deletion));
    EXPECT_DOUBLE_EQ(f.insertionAreaRandom, curveArea(f.insertionRandom));
}

TEST(ConceptDictionaryNmf, FitsTransformsAndReconstructsAPlantedMatrix) {
    torch::manual_seed(4);
    const at::Tensor U0 = torch::rand({60, 3}), W0 = torch::rand({3, 12});
    const at::Tensor A = U0.mm(W0);
    CraftOptions options;
    options.nmfMaxIterations = 500;
    options.nmfTolerance = 1e-6;
    auto dictionary = makeConceptDictionary(options);
    EXPECT_EQ(dictionary->name(), "nmf");
    EXPECT_TRUE(dictionary->nonNegativeCodes());
    EXPECT_THROW(dictionary->transform(A), cs::Error);  // not fitted yet

    at::Tensor U, W;
    torch::manual_seed(9);
    const NmfStats stats = dictionary->fit(A, 3, U, W);
    EXPECT_EQ(U.sizes().vec(), (std::vector<int64_t>{60, 3}));
    EXPECT_EQ(W.sizes().vec(), (std::vector<int64_t>{3, 12}));
    EXPECT_LT(stats.relativeError, 1e-2);
    EXPECT_GE(U.min().item<double>(), 0.0);
    // The same numbers as NMF called directly: the interface adds nothing to the arithmetic.
    at::Tensor directU, directW;
    torch::manual_seed(9);
    fitNmf(A, NmfOptions{3, 500, 1e-6}, directU, directW);
    EXPECT_TRUE(torch::equal(W, directW));

    const at::Tensor reconstructed = dictionary->reconstruct(U);
    EXPECT_LT((reconstructed - A).norm().item<double>() / A.norm().item<double>(), 1e-2);
    // Codes of the fitted rows come back from transform, and rebuild A as well as the fit did.
    const at::Tensor codes = dictionary->transform(A);
    EXPECT_EQ(codes.sizes().vec(), U.sizes().vec());
    EXPECT_GE(codes.min().item<double>(), 0.0);
    EXPECT_LT((dictionary->reconstruct(codes) - A).norm().item<double>() / A.norm().item<double>(), 1e-2);
}

TEST(ConceptImportanceSobol, GivesTheEnginesNumbersOnOneImage) {
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.mapImages = 0;
    o.randomOrders = 0;
    const CraftResult result = CraftEngine(model, o).run(makeImages(4, 3, 32, 32), at::Tensor());

    // Image 2's contributions from the stored codes and concept vectors.
    at::Tensor W = torch::from_blob(const_cast<float*>(result.conceptVectors.data.data()), {3, 16}).clone();
    at::Tensor u = torch::from_blob(const_cast<float*>(result.uMaps[2].data.data()), {64, 3}).clone();
    const at::Tensor B = conceptContributions(u, W, {8, 8});
    const ActivationPolicy policy{o.negativeActivations, 0.0, o.layer};
    const RowEvaluator h = classLogitEvaluator(model, o.layer, policy, {16, 8, 8}, o.classIndex);

    auto estimator = makeConceptImportance(o, o.seed);
    EXPECT_EQ(estimator->name(), "sobol");
    const ImportanceScores scores = estimator->estimate(B, h);
    EXPECT_EQ(scores.evaluations, 8 * (3 + 2));
    ASSERT_EQ(scores.scores.size(), 3u);
    for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(static_cast<float>(scores.scores[k]), result.imageImportance.at({2, k})) << k;

    // The fast rank-one rebuild of the C rows agrees with rebuilding every mask row in full.
    const auto maskValues = sobolMasks(o.sobolDesign, 3, 8, o.seed);
    at::Tensor masks = torch::from_blob(const_cast<float*>(maskValues.data()), {40, 3}).clone();
    at::Tensor y = evaluateMasks(B, masks, o.hBatch, h).contiguous();
    const auto full = jansenTotalIndices(std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + y.numel()), 3, 8);
    for (int64_t k = 0; k < 3; ++k) EXPECT_NEAR(scores.scores[k], full[k], 1e-4 * (1 + full[k])) << k;
}
