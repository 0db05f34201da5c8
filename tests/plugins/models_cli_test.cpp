// `concept-studio-cli models`: what a user sees, and the exit codes scripts rely on
// (0 all plugins fine, 1 a plugin failed — each named on stderr, 2 bad usage).
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

namespace {
namespace fs = std::filesystem;

using Result = cs::testing::CliResult;

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs the CLI with an empty user data folder, so only the given folders hold plugins.
Result runCli(const std::string& args) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "models-cli";
    fs::create_directories(dir / "xdg");
    return cs::testing::runCli("models " + args, cs::testing::CliStreams::Separate, "XDG_DATA_HOME=" + (dir / "xdg").string());
}

TEST(ModelsCommand, ListsBuiltInAdaptersAndPluginsAsTextAndJson) {
    const fs::path json = fs::path(CS_TEST_TMP) / "models-cli" / "models.json";
    fs::remove(json);
    Result r = runCli(std::string("--plugin-dir ") + CS_BUILT_PLUGIN_DIR + " --json " + json.string());
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("torchscript-split"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("torchscript-recommender"), std::string::npos);
    EXPECT_NE(r.out.find("torchvision"), std::string::npos);
    EXPECT_NE(r.out.find("sequential-split"), std::string::npos);

    nlohmann::json listing = nlohmann::json::parse(slurp(json));
    std::set<std::string> adapters;
    for (const auto& a : listing.at("adapters")) adapters.insert(a.at("name").get<std::string>());
    EXPECT_TRUE(adapters.count("torchscript-split") && adapters.count("torchvision") && adapters.count("sequential-split"));
    bool sawTorchvision = false;
    for (const auto& p : listing.at("plugins")) {
        EXPECT_EQ(p.at("state"), "ready") << p.dump();
        if (p.at("name") == "torchvision") {
            sawTorchvision = true;
            EXPECT_EQ(p.at("version"), "1.0.0");
            EXPECT_EQ(p.at("abi_version"), listing.at("abi_version"));
        }
    }
    EXPECT_TRUE(sawTorchvision);
}

TEST(ModelsCommand, BrokenPluginsExitOneAndAreNamedOnStderr) {
    const fs::path json = fs::path(CS_TEST_TMP) / "models-cli" / "broken.json";
    Result r = runCli(std::string("--plugin-dir ") + CS_BROKEN_PLUGIN_DIR + " --json " + json.string());
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("libcs_test_wrong_abi_plugin.so: was built for plugin ABI version 42, but this studio uses plugin ABI version 1"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("libcs_test_no_entry_plugin.so: is not a ConceptStudio plugin"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("failed"), std::string::npos) << r.out;  // the listing is still printed
    nlohmann::json listing = nlohmann::json::parse(slurp(json));
    int failed = 0;
    for (const auto& p : listing.at("plugins"))
        if (p.at("state") == "failed") {
            ++failed;
            EXPECT_FALSE(p.at("error").get<std::string>().empty());
        }
    EXPECT_EQ(failed, 2);
}

TEST(ModelsCommand, MissingPluginFolderIsBadUsage) {
    Result r = runCli("--plugin-dir /no/such/folder");
    EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("/no/such/folder"), std::string::npos) << r.err;
}

}  // namespace
