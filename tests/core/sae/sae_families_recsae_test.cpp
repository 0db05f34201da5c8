// Every SAE family through a whole RecSAE run on small demo data with planted tags (docs/recsae.md,
// "SAE families"): one SASRec is trained, then each family probes it. Each run reports its family
// and the SAE metrics (FVU, L0, dead fraction, NDCG kept), reconstructs the states (FVU bound),
// and has latents whose top tag is a planted tag with a confident description; Matryoshka's
// prefixes reconstruct better as they grow and are stored; a stored JumpReLU run reloads with
// its thresholds for the ablation job.
#include "data/interactions.h"
#include "jobs/job.h"
#include "sae/demo_data.h"
#include "sae/recsae_job.h"
#include "sae/sasrec.h"
#include "store/project_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

namespace fs = std::filesystem;
using cs::sae::SaeFamily;
using nlohmann::json;

namespace {

struct Shared {
    std::string dir, model, project;
    cs::sae::DemoDataFiles files;
    std::map<SaeFamily, json> summaries;
    std::map<SaeFamily, int64_t> runIds;
};
Shared* shared = nullptr;

constexpr SaeFamily kFamilies[] = {SaeFamily::TopK, SaeFamily::BatchTopK, SaeFamily::JumpRelu, SaeFamily::Matryoshka,
                                   SaeFamily::ReluL1};

class SaeFamiliesRecSae : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (shared) return;
        shared = new Shared();
        auto& s = *shared;
        s.dir = std::string(CS_TEST_TMP) + "/sae_families_recsae";
        fs::remove_all(s.dir);
        fs::create_directories(s.dir);
        cs::sae::DemoDataOptions demo;
        demo.numItems = 200;
        demo.numTags = 8;
        demo.numUsers = 400;
        demo.minLength = 15;
        demo.maxLength = 25;
        s.files = cs::sae::generateDemoData(s.dir, 5, demo);
        cs::sae::SasRecConfig sasrec;
        sasrec.hidden = 32;
        sasrec.blocks = 1;
        sasrec.maxLength = 25;
        sasrec.epochs = 8;
        s.model = s.dir + "/sasrec.pt";
        cs::sae::trainSasRec(cs::data::loadInteractions(s.files.sasrec), s.model, sasrec);
        s.project = s.dir + "/families.cstudio";
        for (SaeFamily family : kFamilies) {
            cs::sae::RecSaeOptions options;
            options.projectPath = s.project;
            options.modelPath = s.model;
            options.interactionsPath = s.files.sasrec;
            options.itemMetaPath = s.files.itemMeta;
            options.sae.family = family;
            options.sae.expansion = 8;
            options.sae.k = 8;
            options.sae.epochs = 10;
            options.ablatedLatents = 1;
            options.hierarchyLeaves = 32;
            cs::sae::RecSaeJob job(options);
            cs::jobs::JobContext context(std::make_shared<cs::jobs::CancelToken>(), [](const cs::jobs::Progress&) {});
            job.run(context);
            s.summaries[family] = job.summary();
            s.runIds[family] = job.runId();
        }
    }
};

// Planted tags that are the top tag of a latent whose description has confidence >= 0.5.
int recoveredTags(const json& summary) {
    int recovered = 0;
    for (const auto& tag : shared->files.tagNames) {
        bool found = false;
        for (const auto& l : summary["latents"])
            if (!l["tags"].empty() && l["tags"][0] == tag && l["confidence"].get<double>() >= 0.5) found = true;
        recovered += found ? 1 : 0;
    }
    return recovered;
}

}  // namespace

// TopK, BatchTopK and Matryoshka must recover every planted tag; JumpReLU and ReLU-L1, whose L0
// is not held at k, must recover most (6 of 8).
TEST_F(SaeFamiliesRecSae, EveryFamilyRecoversThePlantedTags) {
    for (SaeFamily family : kFamilies) {
        SCOPED_TRACE(cs::sae::toString(family));
        const json& s = shared->summaries.at(family);
        const json& m = s["metrics"];
        const int recovered = recoveredTags(s);
        std::printf("%-10s FVU %.4f  L0 %.2f  dead %.3f  NDCG kept %.3f  tags recovered %d / %zu\n",
                    cs::sae::toString(family), m["fvu"].get<double>(), m["l0"].get<double>(),
                    m["dead_fraction"].get<double>(), m["ndcg_kept"].get<double>(), recovered,
                    shared->files.tagNames.size());
        EXPECT_EQ(s["sae"], cs::sae::toString(family));
        // The summary keeps its keys and adds the metrics object with the same values.
        EXPECT_EQ(m["fvu"], s["fvu"]);
        EXPECT_EQ(m["l0"], s["l0"]);
        EXPECT_EQ(m["dead_fraction"], s["dead_fraction"]);
        EXPECT_NEAR(m["ndcg_kept"].get<double>(), s["ndcg10_reconstructed"].get<double>() / s["ndcg10_model"].get<double>(), 1e-12);
        // ReLU-L1 at its paper's λ buys sparsity with fidelity on these states (measured FVU 0.56,
        // NDCG kept 0.86); the others reconstruct within 0.3 (measured 0.06-0.14).
        EXPECT_LT(m["fvu"].get<double>(), family == SaeFamily::ReluL1 ? 0.7 : 0.3);
        EXPECT_GT(m["l0"].get<double>(), 1.0);
        EXPECT_GE(m["ndcg_kept"].get<double>(), 0.8);
        const bool kSparse = family != SaeFamily::JumpRelu && family != SaeFamily::ReluL1;
        EXPECT_GE(recovered, kSparse ? 8 : 6);
        auto store = cs::store::ProjectStore::open(shared->project, true);
        const json parameters = json::parse(store->run(shared->runIds.at(family))->parametersJson);
        EXPECT_EQ(parameters["sae"], cs::sae::toString(family));
    }
}

TEST_F(SaeFamiliesRecSae, MatryoshkaPrefixesAreStoredAndReconstructBetterAsTheyGrow) {
    const json& s = shared->summaries.at(SaeFamily::Matryoshka);
    const auto prefixes = s["prefix_sizes"].get<std::vector<int64_t>>();
    const auto fvu = s["prefix_fvu"].get<std::vector<double>>();
    ASSERT_EQ(prefixes, (std::vector<int64_t>{16, 32, 64, 128, 256}));  // m = 32 × 8
    ASSERT_EQ(fvu.size(), prefixes.size());
    for (size_t i = 1; i < fvu.size(); ++i) EXPECT_LE(fvu[i], fvu[i - 1] + 1e-9) << prefixes[i];
    EXPECT_LT(fvu.back(), fvu.front());
    EXPECT_NEAR(fvu.back(), s["fvu"].get<double>(), 1e-6);
    auto store = cs::store::ProjectStore::open(shared->project, true);
    const json parameters = json::parse(store->run(shared->runIds.at(SaeFamily::Matryoshka))->parametersJson);
    EXPECT_EQ(parameters["prefix_sizes"].get<std::vector<int64_t>>(), prefixes);
    EXPECT_TRUE(store->artifact(shared->runIds.at(SaeFamily::Matryoshka), cs::store::ArtifactKind::Tensor, "prefix_sizes"));
    EXPECT_TRUE(shared->summaries.at(SaeFamily::TopK)["prefix_sizes"].empty());
}

TEST_F(SaeFamiliesRecSae, AStoredJumpReluRunReloadsForAblation) {
    const json& s = shared->summaries.at(SaeFamily::JumpRelu);
    ASSERT_FALSE(s["latents"].empty());
    cs::sae::AblationRequest request;
    request.projectPath = shared->project;
    request.runId = shared->runIds.at(SaeFamily::JumpRelu);
    request.latent = s["latents"][0]["id"].get<int64_t>();
    cs::sae::LatentAblationJob job(request);
    cs::jobs::JobContext context(std::make_shared<cs::jobs::CancelToken>(), [](const cs::jobs::Progress&) {});
    job.run(context);
    EXPECT_GT(job.result()["users"].get<int64_t>(), 0);
    auto store = cs::store::ProjectStore::open(shared->project, true);
    auto threshold = store->artifact(request.runId, cs::store::ArtifactKind::Tensor, "threshold");
    ASSERT_TRUE(threshold && threshold->tensor);
    EXPECT_EQ(threshold->tensor->shape, (std::vector<int64_t>{256}));
}
