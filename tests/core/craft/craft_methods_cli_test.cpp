// The methods and metrics through the command line: a Gradient × Input run and an Integrated
// Gradients run with PCA write every metric key and the concepts' prevalence and reliability to
// their summaries; `compare` puts them side by side with the Hungarian matching of their concepts;
// the report gets a comparison section; bad uses of compare exit 1 or 2 with the problem named.
#include "cli_runner.h"
#include "split_model_fixture.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

using namespace cs::craft::test;
namespace fs = std::filesystem;
using cs::testing::CliStreams;
using cs::testing::runCli;

namespace {

const SplitModelFixture& fixture() {
    static const SplitModelFixture f = makeSplitModelFixture("methods_cli");
    return f;
}

nlohmann::json readJson(const fs::path& file) { return nlohmann::json::parse(std::ifstream(file)); }

}  // namespace

TEST(CraftMethodsCli, SummariesCarryTheMetricsAndCompareMatchesTheConcepts) {
    const auto& f = fixture();
    const fs::path project = f.dir / "methods.cstudio", first = f.dir / "gi.json", second = f.dir / "ig.json", comparison = f.dir / "cmp.json";
    fs::remove(project);
    const std::string common = "craft --project " + project.string() + " --model " + f.model.string() + " --images " + f.images.string() +
                               " --concepts 3 --patch-size 14 --map-images 1 --class class1 --layer block2";
    const auto gi = runCli(common + " --importance gradient-input --stability --json " + first.string(), CliStreams::Merged);
    ASSERT_EQ(gi.exitCode, 0) << gi.out;
    const auto ig = runCli(common + " --importance integrated-gradients --dictionary pca --no-implicit-maps --json " + second.string(),
                           CliStreams::Merged);
    ASSERT_EQ(ig.exitCode, 0) << ig.out;

    const nlohmann::json s = readJson(first);
    EXPECT_EQ(s["importance"], "gradient-input");
    ASSERT_TRUE(s.contains("metrics"));
    for (const char* key : {"relative_reconstruction_error", "sparsity", "stability", "c_deletion", "c_insertion", "c_mu_fidelity", "collinearity"})
        EXPECT_TRUE(s["metrics"].contains(key)) << key;
    for (const char* key : {"relative_reconstruction_error", "sparsity", "c_deletion", "c_insertion", "collinearity"})
        EXPECT_TRUE(s["metrics"][key].is_number()) << key;
    EXPECT_TRUE(s["metrics"]["stability"]["halves"].is_number());
    EXPECT_TRUE(s["metrics"]["stability"]["seeds"].is_number());
    EXPECT_EQ(s["metrics"]["c_deletion_curve"].size(), 4u);
    double prevalence = 0;
    for (const auto& concept : s["concepts"]) {
        ASSERT_TRUE(concept.contains("prevalence") && concept.contains("reliability"));
        prevalence += concept["prevalence"].get<double>();
    }
    EXPECT_NEAR(prevalence, 1.0, 1e-9);
    // Today's keys stay.
    for (const char* key : {"run_id", "concepts", "nmf", "sobol", "timings_s", "faithfulness", "dictionary", "importance"})
        EXPECT_TRUE(s.contains(key)) << key;
    const nlohmann::json t = readJson(second);
    EXPECT_TRUE(t["metrics"]["stability"].is_null());  // not asked for
    // PCA's codes are dense: every concept active on (almost) every crop.
    EXPECT_GT(t["metrics"]["sparsity"].get<double>(), 2.0);

    const std::string ids = std::to_string(s["run_id"].get<int64_t>()) + "," + std::to_string(t["run_id"].get<int64_t>());
    const auto compared = runCli("compare --project " + project.string() + " --runs " + ids + " --json " + comparison.string(), CliStreams::Merged);
    ASSERT_EQ(compared.exitCode, 0) << compared.out;
    EXPECT_NE(compared.out.find("gradient-input"), std::string::npos) << compared.out;
    EXPECT_NE(compared.out.find("C-Deletion"), std::string::npos) << compared.out;
    const nlohmann::json c = readJson(comparison);
    ASSERT_EQ(c["runs"].size(), 2u);
    EXPECT_EQ(c["runs"][0]["dictionary"], "nmf");
    EXPECT_EQ(c["runs"][1]["dictionary"], "pca");
    EXPECT_EQ(c["runs"][0]["metrics"], s["metrics"]);
    ASSERT_EQ(c["matchings"].size(), 1u);
    const auto& m = c["matchings"][0];
    ASSERT_EQ(m["pairs"].size(), 3u);
    // A one-to-one pairing of the two runs' concept ids, with |cosine| in [0, 1].
    std::set<int64_t> partners;
    for (const auto& pair : m["pairs"]) {
        partners.insert(pair["concept_b"].get<int64_t>());
        EXPECT_GE(pair["cosine"].get<double>(), 0.0);
        EXPECT_LE(pair["cosine"].get<double>(), 1.0 + 1e-9);
    }
    EXPECT_EQ(partners.size(), 3u);

    // The report of the project carries the same comparison.
    const fs::path reportDir = f.dir / "report";
    const auto report = runCli("report --project " + project.string() + " --out " + reportDir.string(), CliStreams::Merged);
    ASSERT_EQ(report.exitCode, 0) << report.out;
    std::ifstream html(reportDir / "report.html");
    const std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
    const auto section = page.find("Comparison of the CRAFT runs");
    ASSERT_NE(section, std::string::npos);
    EXPECT_NE(page.find("C-Deletion", section), std::string::npos);
    EXPECT_NE(page.find("gradient-input", section), std::string::npos);
    // The plots of the Methods view: the sparsity–fidelity plane with its front, the two curves.
    EXPECT_NE(page.find("Pareto front", section), std::string::npos);
    EXPECT_NE(page.find("<circle", section), std::string::npos);
    EXPECT_NE(page.find("C-Deletion: the class logit", section), std::string::npos);
    EXPECT_NE(page.find("C-Insertion: the class logit", section), std::string::npos);

    const auto missing = runCli("compare --project " + project.string() + " --runs " + ids + ",99", CliStreams::Merged);
    EXPECT_EQ(missing.exitCode, 1) << missing.out;
    EXPECT_NE(missing.out.find("methods.cstudio: has no run 99"), std::string::npos) << missing.out;
    const auto one = runCli("compare --project " + project.string() + " --runs 1", CliStreams::Merged);
    EXPECT_EQ(one.exitCode, 2) << one.out;
    const auto noProject = runCli("compare --project " + (f.dir / "absent.cstudio").string() + " --runs 1,2", CliStreams::Merged);
    EXPECT_EQ(noProject.exitCode, 1) << noProject.out;
    EXPECT_NE(noProject.out.find("absent.cstudio"), std::string::npos) << noProject.out;
}

// A method comparison: one command, one run per dictionary × estimator, one group. Only the first
// run computes g; the others take its activation pass from the cache, and that pass is the one g
// gives (a run with the cache off finds the same concepts). A later process with another concept
// count reads the pass from the project and skips g.
TEST(CraftMethodsCli, AComparisonSharesOneActivationPassAndIsOneGroup) {
    const auto& f = fixture();
    const fs::path project = f.dir / "comparison.cstudio", out = f.dir / "comparison.json";
    fs::remove(project);
    const std::string common = "craft --project " + project.string() + " --model " + f.model.string() + " --images " + f.images.string() +
                               " --concepts 3 --patch-size 14 --map-images 1 --class class1 --layer block2";
    const auto compared = runCli(common + " --dictionary nmf,pca --importance gradient-input,occlusion --json " + out.string(), CliStreams::Merged);
    ASSERT_EQ(compared.exitCode, 0) << compared.out;
    const nlohmann::json c = readJson(out);
    ASSERT_TRUE(c["group_id"].is_number_integer());
    ASSERT_EQ(c["runs"].size(), 4u);
    const std::vector<std::pair<std::string, std::string>> pairs{
        {"nmf", "gradient-input"}, {"nmf", "occlusion"}, {"pca", "gradient-input"}, {"pca", "occlusion"}};
    for (size_t k = 0; k < pairs.size(); ++k) {
        const auto& run = c["runs"][k];
        EXPECT_EQ(run["dictionary"], pairs[k].first) << k;
        EXPECT_EQ(run["importance"], pairs[k].second) << k;
        EXPECT_EQ(run["group_id"], c["group_id"]) << k;
        EXPECT_EQ(run["activation_cache"], k == 0 ? "miss" : "hit") << k;
    }
    // PCA draws no implicit maps, and says so rather than failing.
    EXPECT_NE(c["runs"][2]["notes"].dump().find("no implicit-differentiation maps with the pca dictionary"), std::string::npos) << c["runs"][2]["notes"];
    // The same dictionary on the same (cached) activations: the same concepts whatever the estimator.
    EXPECT_DOUBLE_EQ(c["runs"][0]["metrics"]["relative_reconstruction_error"].get<double>(),
                     c["runs"][1]["metrics"]["relative_reconstruction_error"].get<double>());

    // g computed anew gives what the cache gave.
    const fs::path fresh = f.dir / "fresh.json";
    const auto uncached = runCli(common + " --dictionary nmf --importance gradient-input --no-activation-cache --json " + fresh.string(), CliStreams::Merged);
    ASSERT_EQ(uncached.exitCode, 0) << uncached.out;
    const nlohmann::json u = readJson(fresh);
    EXPECT_EQ(u["activation_cache"], "off");
    EXPECT_EQ(u.count("group_id"), 0u);
    EXPECT_NEAR(u["metrics"]["relative_reconstruction_error"].get<double>(), c["runs"][0]["metrics"]["relative_reconstruction_error"].get<double>(), 1e-5);
    EXPECT_EQ(u["n_crops"], c["runs"][0]["n_crops"]);

    // Another process, another concept count: the pass comes from the project file.
    const fs::path later = f.dir / "later.json";
    const auto more = runCli("craft --project " + project.string() + " --model " + f.model.string() + " --images " + f.images.string() +
                             " --concepts 4 --patch-size 14 --map-images 1 --class class1 --layer block2 --json " + later.string(), CliStreams::Merged);
    ASSERT_EQ(more.exitCode, 0) << more.out;
    const nlohmann::json l = readJson(later);
    EXPECT_EQ(l["activation_cache"], "hit");
    EXPECT_EQ(l["concepts"].size(), 4u);
    EXPECT_EQ(l["n_crops"], c["runs"][0]["n_crops"]);
    // Other crops are another pass.
    const fs::path other = f.dir / "other.json";
    const auto otherCrops = runCli("craft --project " + project.string() + " --model " + f.model.string() + " --images " + f.images.string() +
                                   " --concepts 3 --patch-size 12 --map-images 1 --class class1 --layer block2 --json " + other.string(),
                                   CliStreams::Merged);
    ASSERT_EQ(otherCrops.exitCode, 0) << otherCrops.out;
    EXPECT_EQ(readJson(other)["activation_cache"], "miss");

    // compare --group takes the group's finished runs.
    const fs::path grouped = f.dir / "grouped.json";
    const auto byGroup = runCli("compare --project " + project.string() + " --group " + std::to_string(c["group_id"].get<int64_t>()) +
                                " --json " + grouped.string(), CliStreams::Merged);
    ASSERT_EQ(byGroup.exitCode, 0) << byGroup.out;
    const nlohmann::json g = readJson(grouped);
    ASSERT_EQ(g["runs"].size(), 4u);
    EXPECT_EQ(g["matchings"].size(), 6u);
    for (size_t k = 0; k < 4; ++k) EXPECT_EQ(g["runs"][k]["run_id"], c["runs"][k]["run_id"]);
    const auto noGroup = runCli("compare --project " + project.string() + " --group 99", CliStreams::Merged);
    EXPECT_EQ(noGroup.exitCode, 1) << noGroup.out;
    EXPECT_NE(noGroup.out.find("has no group 99"), std::string::npos) << noGroup.out;
}
