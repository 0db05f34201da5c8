// The SAE families behind SparseAutoencoder (docs/recsae.md, "SAE families"), each trained by the
// studio's trainer on data with a planted sparse dictionary: every family reconstructs it (FVU
// bound) and finds the planted directions among its decoder rows; JumpReLU's thresholds move
// from their start; BatchTopK's inference threshold gives about k active latents; Matryoshka's
// nested prefixes reconstruct better as they grow; stored weights rebuild the same SAE; bad
// prefix sizes and stored tensors are refused with a message.
#include "common/error.h"
#include "sae/sparse_autoencoder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>

using cs::sae::SaeConfig;
using cs::sae::SaeFamily;

namespace {

constexpr int64_t kDim = 32, kPlanted = 16;

torch::Tensor plantedDirections() {
    torch::manual_seed(1234);
    auto dirs = torch::randn({kPlanted, kDim});
    return dirs / dirs.norm(2, 1, true);
}

// Samples that are non-negative sums of 3 of the 16 planted directions (in 32 dimensions), plus an offset.
torch::Tensor plantedData(int64_t n, uint64_t seed) {
    const auto dirs = plantedDirections();
    torch::manual_seed(seed);
    auto codes = torch::zeros({n, kPlanted});
    codes.scatter_(1, torch::randint(0, kPlanted, {n, 3}), torch::rand({n, 3}) * 2 + 0.5);
    return torch::mm(codes, dirs) + 0.3;
}

SaeConfig configFor(SaeFamily family) {
    SaeConfig config;
    config.family = family;
    config.expansion = 4;  // 128 latents for 16 planted directions
    config.k = 4;
    config.epochs = 30;
    config.batchSize = 128;
    config.learningRate = 3e-3;
    // ReLU-L1: the default λ (Anthropic's 5, 5/√d here) is tuned for language-model activations
    // and holds L0 near 2 on this data, below the 3 planted per sample; the test sets the λ
    // whose L0 is near the planted one, as a user moving along the frontier would.
    if (family == SaeFamily::ReluL1) config.sparsityCoefficient = 0.3;
    return config;
}

// Planted directions whose best decoder row has cosine >= 0.9.
int recoveredDirections(const cs::sae::SparseAutoencoder& sae) {
    torch::Tensor wDec;
    for (const auto& [name, blob] : sae.weights())
        if (name == "W_dec") wDec = torch::from_blob(const_cast<float*>(blob.data.data()), blob.shape).clone();
    wDec = wDec / wDec.norm(2, 1, true).clamp_min(1e-8);
    auto best = std::get<0>(torch::mm(plantedDirections(), wDec.t()).max(1));
    return (best >= 0.9).sum().item<int>();
}

struct Trained {
    std::unique_ptr<cs::sae::SparseAutoencoder> sae;
    cs::sae::SaeTrainStats stats;
    double testFvu = 0, testL0 = 0;
    int recovered = 0;
};

Trained trainFamily(SaeFamily family) {
    Trained t;
    t.sae = cs::sae::makeSparseAutoencoder(kDim, configFor(family));
    t.stats = t.sae->train(plantedData(4000, 2));
    const auto test = plantedData(1000, 3);
    t.testFvu = t.sae->fvu(test);
    t.testL0 = (t.sae->encodeDense(test) > 0).sum(1).to(torch::kFloat64).mean().item<double>();
    t.recovered = recoveredDirections(*t.sae);
    std::printf("%-10s FVU %.4f  L0 %.2f  planted directions recovered %d / %lld  dead %.3f  %.0f samples/s\n",
                cs::sae::toString(family), t.testFvu, t.testL0, t.recovered, static_cast<long long>(kPlanted),
                t.stats.deadPerEpoch.back(), t.stats.samplesPerSecond());
    return t;
}

}  // namespace

// TopK, BatchTopK and ReLU-L1 must find every planted direction. Matryoshka and JumpReLU must
// find most (11 of 16): Matryoshka's first prefixes must reconstruct on their own, so some of
// its coarse latents learn blends of directions (the feature absorption its paper discusses),
// and JumpReLU's thresholds, trained only through the straight-through window, leave some
// directions split over two latents in a run this short.
TEST(SaeFamilies, EveryFamilyLearnsAPlantedSparseDictionary) {
    for (SaeFamily family : {SaeFamily::TopK, SaeFamily::BatchTopK, SaeFamily::Matryoshka, SaeFamily::JumpRelu,
                             SaeFamily::ReluL1}) {
        SCOPED_TRACE(cs::sae::toString(family));
        const Trained t = trainFamily(family);
        ASSERT_EQ(t.stats.lossPerEpoch.size(), 30u);
        EXPECT_LT(t.stats.lossPerEpoch.back(), t.stats.lossPerEpoch.front());
        EXPECT_LT(t.testFvu, 0.1);
        const bool findsAll = family == SaeFamily::TopK || family == SaeFamily::BatchTopK || family == SaeFamily::ReluL1;
        EXPECT_GE(t.recovered, findsAll ? kPlanted : 11);
        // Sparse: 3 directions per sample; every family must stay far below the 128 latents.
        EXPECT_GT(t.testL0, 1.0);
        EXPECT_LT(t.testL0, 16.0);
        auto [values, indices] = t.sae->encode(plantedData(50, 4));
        EXPECT_GE(values.min().item<float>(), 0.0f);
        EXPECT_EQ(values.sizes(), indices.sizes());
        // The stored weights rebuild the same SAE.
        auto copy = cs::sae::loadSparseAutoencoder(t.sae->weights(), configFor(family), "test");
        EXPECT_EQ(copy->family(), family);
        const auto x = plantedData(200, 5);
        EXPECT_TRUE(torch::allclose(copy->reconstruct(x), t.sae->reconstruct(x)));
    }
}

TEST(SaeFamilies, JumpReluTrainsItsThresholds) {
    auto sae = cs::sae::makeSparseAutoencoder(kDim, configFor(SaeFamily::JumpRelu));
    const auto train = plantedData(4000, 2);
    sae->train(train);
    torch::Tensor threshold;
    for (const auto& [name, blob] : sae->weights())
        if (name == "threshold") threshold = torch::from_blob(const_cast<float*>(blob.data.data()), blob.shape).clone();
    ASSERT_TRUE(threshold.defined());
    ASSERT_EQ(threshold.numel(), sae->latents());
    // θ₀ = 0.05 × the per-dimension RMS of the centred states (jumprelu_sae.cpp).
    const double initial = 0.05 * std::sqrt((train - train.mean(0)).pow(2).sum(1).mean().item<double>() / kDim);
    EXPECT_GT(threshold.min().item<double>(), 0.0);
    const double moved = ((threshold - initial).abs() > 0.1 * initial).to(torch::kFloat32).mean().item<double>();
    std::printf("JumpReLU: %.0f%% of thresholds moved more than 10%% from θ₀ = %.4f; median θ %.4f\n", 100 * moved, initial,
                threshold.median().item<double>());
    EXPECT_GT(moved, 0.5);
}

TEST(SaeFamilies, BatchTopKInferenceThresholdGivesAboutKLatents) {
    auto sae = cs::sae::makeSparseAutoencoder(kDim, configFor(SaeFamily::BatchTopK));
    sae->train(plantedData(4000, 2));
    const double l0 = (sae->encodeDense(plantedData(1000, 3)) > 0).sum(1).to(torch::kFloat64).mean().item<double>();
    EXPECT_GT(l0, 0.5 * 4);
    EXPECT_LT(l0, 2.0 * 4);
}

TEST(SaeFamilies, MatryoshkaPrefixesReconstructBetterAsTheyGrow) {
    auto sae = cs::sae::makeSparseAutoencoder(kDim, configFor(SaeFamily::Matryoshka));
    const std::vector<int64_t> expected{8, 16, 32, 64, 128};  // m/16 .. m, m = 32 × 4
    ASSERT_EQ(sae->prefixSizes(), expected);
    sae->train(plantedData(4000, 2));
    const auto test = plantedData(1000, 3);
    // Never worse as a prefix grows; strictly better until the 16 planted directions are all in
    // (measured with gcc: 0.42, 0.04, 0.009, then the groups beyond 32 latents are mostly dead and
    // add little or nothing; with clang's arithmetic the 16-latent prefix already holds them all,
    // 0.46, 0.0094, 0.0094, and the next group adds nothing).
    double previous = 1.0 + 1e-9;
    std::vector<double> fvus;
    for (int64_t prefix : sae->prefixSizes()) {
        const double fvu = sae->fvu(test, prefix);
        std::printf("Matryoshka prefix %3lld: FVU %.4f\n", static_cast<long long>(prefix), fvu);
        EXPECT_LE(fvu, previous + 1e-9) << prefix;
        previous = fvu;
        fvus.push_back(fvu);
    }
    EXPECT_LT(fvus[1], 0.5 * fvus[0]);
    EXPECT_TRUE(fvus[2] < fvus[1] || fvus[1] < 0.02) << "the 32-latent prefix must improve on the 16 until the directions are in";
    EXPECT_NEAR(previous, sae->fvu(test), 1e-9);
    // The first prefix alone already explains a good part of the data: it was trained to.
    EXPECT_LT(sae->fvu(test, expected.front()), 0.9);
    auto copy = cs::sae::loadSparseAutoencoder(sae->weights(), configFor(SaeFamily::Matryoshka), "test");
    EXPECT_EQ(copy->prefixSizes(), expected);
}

TEST(SaeFamilies, BadPrefixSizesAndStoredTensorsAreRefused) {
    SaeConfig config = configFor(SaeFamily::Matryoshka);
    config.prefixSizes = {16, 8, 128};
    EXPECT_THROW(cs::sae::makeSparseAutoencoder(kDim, config), cs::Error);
    config.prefixSizes = {16, 64};
    try {
        cs::sae::makeSparseAutoencoder(kDim, config);
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("must be the latent count 128"), std::string::npos) << e.what();
    }
    auto jump = cs::sae::makeSparseAutoencoder(kDim, configFor(SaeFamily::JumpRelu));
    auto weights = jump->weights();
    weights.pop_back();  // the thresholds
    try {
        cs::sae::loadSparseAutoencoder(weights, configFor(SaeFamily::JumpRelu), "p.cstudio run 3");
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("p.cstudio run 3"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("threshold is missing"), std::string::npos) << e.what();
    }
    EXPECT_THROW(jump->encode(torch::randn({4, kDim + 1})), cs::Error);
}
