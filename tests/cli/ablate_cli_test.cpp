// `concept-studio-cli ablate` end to end on a small stored RecSAE run: the JSON holds the
// before/after lists and the tags that moved, the result is stored in the project like the
// engine's own ablations (a rerun replaces it), steering is stored apart from ablation, and bad
// input (missing project, unknown run, a run of another kind, latent out of range, bad usage)
// ends with a message naming the file and the problem and a non-zero exit.
#include "cli_runner.h"
#include "small_recsae_project.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using cs::testing::runCli;

const std::string kDir = std::string(CS_TEST_TMP) + "/cli-ablate";
cs::testing::SmallRecSaeProject* fixture = nullptr;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The live latent with the most activations, so some users' lists change.
int64_t busiestLatent(const std::string& project, int64_t runId) {
    auto store = cs::store::ProjectStore::open(project, true);
    int64_t best = -1;
    double frequency = -1;
    for (const auto& l : store->latents(runId))
        if (l.frequency > frequency) {
            frequency = l.frequency;
            best = l.index;
        }
    return best;
}

int countArtifacts(const std::string& project, int64_t runId, const std::string& kind, const std::string& name) {
    auto store = cs::store::ProjectStore::open(project, true);
    int n = 0;
    for (const auto& a : store->artifacts(runId, cs::store::artifactKindFromString(kind))) n += a.name == name ? 1 : 0;
    return n;
}

class AblateCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (fixture) return;
        fixture = new cs::testing::SmallRecSaeProject(cs::testing::buildSmallRecSaeProject(kDir + "/project"));
    }
    std::string base() const { return "ablate --project " + fixture->project + " --run " + std::to_string(fixture->runId); }
};

}  // namespace

TEST_F(AblateCli, AblationWritesBeforeAfterListsAndStoresTheResult) {
    ASSERT_GT(fixture->latents, 0);
    const int64_t latent = busiestLatent(fixture->project, fixture->runId);
    const std::string jsonPath = kDir + "/ablation.json";
    fs::remove(jsonPath);
    const auto r = runCli(base() + " --latent " + std::to_string(latent) + " --top-n 5 --users 20 --json " + jsonPath);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("ablated over"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("before:"), std::string::npos) << r.out;
    const json result = json::parse(slurp(jsonPath));
    EXPECT_EQ(result["latent"].get<int64_t>(), latent);
    EXPECT_EQ(result["scale"].get<double>(), 0.0);
    EXPECT_EQ(result["top_n"].get<int>(), 5);
    EXPECT_GT(result["users"].get<int64_t>(), 0);
    EXPECT_LE(result["users"].get<int64_t>(), 20);
    ASSERT_FALSE(result["examples"].empty());
    const auto& e = result["examples"][0];
    EXPECT_EQ(e["before"].size(), 5u);
    EXPECT_EQ(e["after"].size(), 5u);
    EXPECT_EQ(e["before_titles"].size(), 5u);  // the run has item metadata with titles
    EXPECT_TRUE(result["tags_rose"].is_array());
    EXPECT_TRUE(result["tags_fell"].is_array());
    EXPECT_GE(result["mean_overlap"].get<double>(), 0.0);
    EXPECT_LE(result["mean_overlap"].get<double>(), 1.0);

    // Stored where the dashboard looks, and a rerun replaces it rather than failing or piling up.
    const std::string name = "latent_" + std::to_string(latent);
    EXPECT_EQ(countArtifacts(fixture->project, fixture->runId, "ablation", name), 1);
    const auto again = runCli(base() + " --latent " + std::to_string(latent) + " --top-n 5 --users 20");
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(countArtifacts(fixture->project, fixture->runId, "ablation", name), 1);
    auto store = cs::store::ProjectStore::open(fixture->project, true);
    const auto stored = store->artifact(fixture->runId, cs::store::ArtifactKind::Ablation, name);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(json::parse(stored->bytes)["latent"].get<int64_t>(), latent);
}

TEST_F(AblateCli, SteeringIsStoredApartFromAblation) {
    const int64_t latent = busiestLatent(fixture->project, fixture->runId);
    const std::string jsonPath = kDir + "/steering.json";
    const auto r = runCli(base() + " --latent " + std::to_string(latent) + " --scale 3 --users 10 --json " + jsonPath);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("steered x3"), std::string::npos) << r.out;
    const json result = json::parse(slurp(jsonPath));
    EXPECT_EQ(result["scale"].get<double>(), 3.0);
    EXPECT_EQ(result["stored"]["kind"], "steering");
    EXPECT_EQ(countArtifacts(fixture->project, fixture->runId, "steering", "latent_" + std::to_string(latent)), 1);
}

TEST_F(AblateCli, BadInputNamesTheProblem) {
    const auto missing = runCli("ablate --project " + kDir + "/nope.cstudio --run 1 --latent 0");
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.err.find(kDir + "/nope.cstudio"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("no such project file"), std::string::npos) << missing.err;

    const auto noRun = runCli("ablate --project " + fixture->project + " --run 999 --latent 0");
    EXPECT_EQ(noRun.exitCode, 1);
    EXPECT_NE(noRun.err.find("no run 999"), std::string::npos) << noRun.err;
    EXPECT_NE(noRun.err.find(fixture->project), std::string::npos) << noRun.err;

    const auto range = runCli(base() + " --latent " + std::to_string(fixture->latents));
    EXPECT_EQ(range.exitCode, 1);
    EXPECT_NE(range.err.find("out of range"), std::string::npos) << range.err;

    // A project whose run is not RecSAE.
    const std::string other = kDir + "/other.cstudio";
    fs::remove(other);
    int64_t craftRun = 0;
    {
        auto store = cs::store::ProjectStore::create(other);
        craftRun = store->createRun("craft", "{}");
    }
    const auto wrongKind = runCli("ablate --project " + other + " --run " + std::to_string(craftRun) + " --latent 0");
    EXPECT_EQ(wrongKind.exitCode, 1);
    EXPECT_NE(wrongKind.err.find("not a RecSAE run"), std::string::npos) << wrongKind.err;

    const auto usage = runCli("ablate --project " + fixture->project + " --latent 0");  // --run missing
    EXPECT_EQ(usage.exitCode, 2);
    const auto negative = runCli(base() + " --latent 0 --top-n 0");
    EXPECT_EQ(negative.exitCode, 2);
}
