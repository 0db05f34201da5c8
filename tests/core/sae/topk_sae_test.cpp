// TopK SAE: hand-written sparse gradients equal autograd's, training learns a planted sparse
// dictionary, decoder rows stay unit-norm, weights round-trip, and bad sizes are refused.
#include "common/error.h"
#include "sae/topk_sae.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using cs::sae::SaeConfig;
using cs::sae::TopKSae;

namespace {

// Samples that are sums of 3 of 32 planted unit directions in 16 dimensions (the same
// directions for every seed), plus an offset.
torch::Tensor plantedData(int64_t n, uint64_t seed) {
    torch::manual_seed(1234);
    auto dirs = torch::randn({32, 16});
    dirs /= dirs.norm(2, 1, true);
    torch::manual_seed(seed);
    auto codes = torch::zeros({n, 32});
    auto pick = torch::randint(0, 32, {n, 3});
    codes.scatter_(1, pick, torch::rand({n, 3}) * 2 + 0.5);
    return torch::mm(codes, dirs) + 0.3;
}

}  // namespace

TEST(TopKSae, SparseGradientsMatchAutograd) {
    SaeConfig config;
    config.expansion = 4;
    config.k = 8;
    TopKSae sae(16, config);
    auto x = plantedData(64, 1);
    EXPECT_LT(sae.gradientCheck(x, false, torch::Tensor()), 1e-5);
    auto dead = torch::zeros({64}, torch::kBool);
    dead.narrow(0, 10, 30).fill_(true);  // 30 dead latents: AuxK picks k_aux = 8 of them
    EXPECT_LT(sae.gradientCheck(x, true, dead), 1e-5);
    dead.fill_(false);
    dead[3] = true;  // fewer dead than k_aux
    EXPECT_LT(sae.gradientCheck(x, true, dead), 1e-5);
}

TEST(TopKSae, LearnsAPlantedSparseDictionary) {
    SaeConfig config;
    config.expansion = 8;  // 128 latents for 32 planted directions
    config.k = 4;
    config.epochs = 30;
    config.batchSize = 128;
    config.learningRate = 3e-3;
    TopKSae sae(16, config);
    auto train = plantedData(4000, 2);
    auto test = plantedData(1000, 3);
    auto stats = sae.train(train);
    ASSERT_EQ(stats.lossPerEpoch.size(), 30u);
    EXPECT_LT(stats.lossPerEpoch.back(), stats.lossPerEpoch.front());
    EXPECT_LT(sae.fvu(test), 0.1);
    auto [values, indices] = sae.encode(test);
    EXPECT_EQ(values.size(1), 4);
    EXPECT_GE(values.min().item<float>(), 0.0f);
    // Decoder rows are unit-norm after training.
    for (const auto& [name, blob] : sae.weights())
        if (name == "W_dec") {
            auto w = torch::from_blob(const_cast<float*>(blob.data.data()), blob.shape).clone();
            EXPECT_LT((w.norm(2, 1) - 1).abs().max().item<double>(), 1e-4);
        }
    // The stored weights rebuild the same SAE.
    auto copy = cs::sae::loadSparseAutoencoder(sae.weights(), config, "test");
    EXPECT_EQ(copy->family(), cs::sae::SaeFamily::TopK);
    EXPECT_TRUE(torch::allclose(copy->reconstruct(test), sae.reconstruct(test)));
}

TEST(TopKSae, RefusesOutOfRangeSizes) {
    SaeConfig config;
    config.k = 0;
    EXPECT_THROW(TopKSae(64, config), cs::Error);
    config.k = 64 * 32 + 1;
    try {
        TopKSae sae(64, config);
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("k = 2049 is out of range"), std::string::npos) << e.what();
    }
    config.k = 32;
    config.expansion = 0;
    EXPECT_THROW(TopKSae(64, config), cs::Error);
    config.expansion = 1 << 20;
    EXPECT_THROW(TopKSae(64, config), cs::Error);
    config.expansion = 32;
    TopKSae sae(64, config);
    EXPECT_THROW(sae.train(torch::randn({100, 32})), cs::Error);  // state width ≠ d
    EXPECT_THROW(sae.encode(torch::randn({10, 65})), cs::Error);
}
