// `concept-studio-cli recsae --sae F` end to end for every SAE family on the small RecSAE project's
// model and data: the run is stored with its family in the parameters and the summary, the JSON
// has the SAE metrics, `ablate` reloads a stored JumpReLU run (whose thresholds are part of the
// SAE), and an unknown family is refused as bad usage before anything is written.
#include "cli_runner.h"
#include "small_recsae_project.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using cs::testing::runCli;

const std::string kDir = std::string(CS_TEST_TMP) + "/cli-recsae-families";

json readJson(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

}  // namespace

TEST(RecSaeFamiliesCli, EveryFamilyRunsAndIsStoredWithItsMetrics) {
    const auto fixture = cs::testing::buildSmallRecSaeProject(kDir + "/project");
    const std::string project = kDir + "/families.cstudio";
    fs::remove(project);
    const std::string base = "recsae --project " + project + " --model " + fixture.model + " --interactions " +
                             fixture.interactions + " --item-meta " + fixture.itemMeta + " --expansion 4 --k 4 --epochs 2";
    int64_t jumpReluRun = 0;
    for (const std::string family : {"topk", "batchtopk", "jumprelu", "matryoshka", "relu-l1"}) {
        SCOPED_TRACE(family);
        const std::string out = kDir + "/" + family + ".json";
        const auto r = runCli(base + " --sae " + family + " --json " + out);
        ASSERT_EQ(r.exitCode, 0) << r.err;
        EXPECT_NE(r.out.find("(" + family + " SAE)"), std::string::npos) << r.out;
        const json summary = readJson(out);
        EXPECT_EQ(summary["sae"], family);
        for (const char* key : {"fvu", "l0", "dead_fraction", "ndcg10_model", "ndcg10_reconstructed", "ndcg_kept"})
            EXPECT_TRUE(summary["metrics"][key].is_number()) << key;
        EXPECT_TRUE(summary["fvu"].is_number());  // today's keys stay
        EXPECT_EQ(summary["n_latents"], 16 * 4);
        EXPECT_EQ(summary["prefix_sizes"].size(), family == "matryoshka" ? 5u : 0u);
        auto store = cs::store::ProjectStore::open(project, true);
        const auto run = store->run(summary["run_id"].get<int64_t>());
        ASSERT_TRUE(run);
        EXPECT_EQ(json::parse(run->parametersJson)["sae"], family);
        if (family == "jumprelu") jumpReluRun = run->id;
    }
    ASSERT_GT(jumpReluRun, 0);
    const json jump = readJson(kDir + "/jumprelu.json");
    ASSERT_FALSE(jump["latents"].empty());
    const auto ablate = runCli("ablate --project " + project + " --run " + std::to_string(jumpReluRun) + " --latent " +
                               std::to_string(jump["latents"][0]["id"].get<int64_t>()) + " --users 10");
    EXPECT_EQ(ablate.exitCode, 0) << ablate.err;

    const auto bad = runCli(base + " --sae gated");
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.err.find("--sae"), std::string::npos) << bad.err;
    auto store = cs::store::ProjectStore::open(project, true);
    EXPECT_EQ(store->runs().size(), 5u);  // the refused run left nothing behind
}

// The SAE's size as a number of latents, and the sparsity term's λ, are options of the run: the
// dictionary has that many latents, a larger λ gives a sparser ReLU-L1 code, and both are stored.
TEST(RecSaeFamiliesCli, LatentCountAndSparsityCoefficientAreTheRunsOwn) {
    const auto fixture = cs::testing::buildSmallRecSaeProject(kDir + "/project");
    const std::string project = kDir + "/lambda.cstudio";
    fs::remove(project);
    const std::string base = "recsae --project " + project + " --model " + fixture.model + " --interactions " + fixture.interactions +
                             " --sae relu-l1 --latents 40 --k 4 --epochs 3";
    json summaries[2];
    const double lambdas[2] = {0.05, 2.0};
    for (int i = 0; i < 2; ++i) {
        const std::string out = kDir + "/lambda" + std::to_string(i) + ".json";
        const auto r = runCli(base + " --sparsity-coefficient " + std::to_string(lambdas[i]) + " --json " + out);
        ASSERT_EQ(r.exitCode, 0) << r.err;
        summaries[i] = readJson(out);
        EXPECT_EQ(summaries[i]["n_latents"], 40);
        auto store = cs::store::ProjectStore::open(project, true);
        const json parameters = json::parse(store->run(summaries[i]["run_id"].get<int64_t>())->parametersJson);
        EXPECT_DOUBLE_EQ(parameters["sparsity_coefficient"].get<double>(), lambdas[i]);
        EXPECT_EQ(parameters["latents"], 40);
    }
    EXPECT_LT(summaries[1]["l0"].get<double>(), summaries[0]["l0"].get<double>()) << "a larger λ must give a sparser code";
    const auto bad = runCli(base + " --sparsity-coefficient -1");
    EXPECT_EQ(bad.exitCode, 2) << bad.err;
}
