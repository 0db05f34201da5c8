// End-to-end: concept-studio-cli layout (docs/cli.md). Exit 0 with the JSON contract, 1 for bad
// trees with the file named on stderr, 2 for bad usage.
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

using cs::testing::runCli;
using Result = cs::testing::CliResult;

const fs::path& workDir() {
    static const fs::path dir = [] {
        fs::path d = fs::path(CS_TEST_TMP) / "layout_cli";
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string writeTree(const std::string& name, const std::string& text) {
    const fs::path path = workDir() / name;
    std::ofstream(path) << text;
    return path.string();
}

const char* kTree = R"({"name": "root", "children": [
    {"name": "vision", "children": [{"name": "wheels", "weight": 3}, {"name": "stripes", "weight": 1e-6}]},
    {"name": "texture", "weight": 2}, {"name": "colour", "weight": 1}]})";

}  // namespace

TEST(LayoutCli, WritesTheJsonContract) {
    const std::string tree = writeTree("tree.json", kTree);
    for (const char* method : {"fat", "squarified"}) {
        const fs::path json = workDir() / (std::string("out_") + method + ".json");
        fs::remove(json);
        const Result r = runCli("layout --tree '" + tree + "' --method " + method + " --json '" + json.string() + "'");
        ASSERT_EQ(r.exitCode, 0) << r.err;
        const nlohmann::json out = nlohmann::json::parse(readFile(json));
        ASSERT_EQ(out["nodes"].size(), 6u);
        EXPECT_EQ(out["nodes"][0]["name"], "root");
        EXPECT_TRUE(out["nodes"][0]["parent"].is_null());
        double leafArea = 0;
        for (const auto& node : out["nodes"]) {
            for (const char* key : {"id", "name", "parent", "weight", "polygon"}) ASSERT_TRUE(node.contains(key)) << key;
            ASSERT_GE(node["polygon"].size(), 3u);
            if (node["name"] == "stripes") EXPECT_EQ(node["parent"], 1);
            // Shoelace over the written polygon: leaves of the unit square cover it.
            if (node["name"] == "wheels" || node["name"] == "stripes" || node["name"] == "texture" ||
                node["name"] == "colour") {
                const auto& p = node["polygon"];
                double twice = 0;
                for (size_t i = 0; i < p.size(); ++i) {
                    const auto& a = p[i];
                    const auto& b = p[(i + 1) % p.size()];
                    twice += a[0].get<double>() * b[1].get<double>() - b[0].get<double>() * a[1].get<double>();
                }
                leafArea += twice / 2;
            }
        }
        EXPECT_NEAR(leafArea, 1.0, 1e-12);
        EXPECT_LE(out["metrics"]["max_area_error"].get<double>(), 1e-9);
        EXPECT_TRUE(out["metrics"]["mean_aspect_ratio"].is_number());
        EXPECT_TRUE(out["time_s"].is_number());
        if (std::string(method) == "fat") EXPECT_LE(out["metrics"]["max_aspect_ratio"].get<double>(), 2.5);
        else EXPECT_GT(out["metrics"]["max_aspect_ratio"].get<double>(), 100.0);
    }
}

TEST(LayoutCli, PrintsASummaryWithoutJson) {
    const std::string tree = writeTree("tree_summary.json", kTree);
    const Result r = runCli("layout --tree '" + tree + "' --method fat");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("6 nodes, 4 leaves"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("aspect ratio"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("area error"), std::string::npos) << r.out;
}

TEST(LayoutCli, BadTreesExitOneNamingTheFile) {
    const std::string zero = writeTree("zero.json", R"({"name": "r", "children": [{"name": "z", "weight": 0}]})");
    Result r = runCli("layout --tree '" + zero + "' --method fat");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find(zero), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'z' has weight 0"), std::string::npos) << r.err;

    const std::string malformed = writeTree("malformed.json", "{\"name\": \"r\",\n \"weight\": }");
    r = runCli("layout --tree '" + malformed + "' --method squarified");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("malformed JSON at byte"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;

    const std::string duplicate = writeTree("duplicate.json",
        R"({"name": "r", "children": [{"name": "a", "weight": 1}, {"name": "a", "weight": 1}]})");
    EXPECT_EQ(runCli("layout --tree '" + duplicate + "'").exitCode, 1);

    r = runCli("layout --tree '" + (workDir() / "does_not_exist.json").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("does_not_exist.json"), std::string::npos) << r.err;
}

TEST(LayoutCli, BadUsageExitsTwo) {
    const std::string tree = writeTree("tree_usage.json", kTree);
    EXPECT_EQ(runCli("layout --method fat").exitCode, 2);                                   // no --tree
    EXPECT_EQ(runCli("layout --tree '" + tree + "' --method slice-and-dice").exitCode, 2);  // unknown method
    EXPECT_EQ(runCli("layout --tree '" + tree + "' --bogus").exitCode, 2);
}
