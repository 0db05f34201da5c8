// Tree files: parsing, validation messages (file named, position for malformed JSON), output JSON.
#include "common/error.h"
#include "layout/tree_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace cs::layout;

namespace {

std::string problemOf(const std::string& text) {
    try {
        parseLayoutTree(text, "t.json");
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), "t.json");
        return e.problem();
    }
    ADD_FAILURE() << "accepted: " << text;
    return {};
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(TreeJson, ParsesNamesWeightsAndChildren) {
    const LayoutNode tree = parseLayoutTree(R"({"name": "root", "weight": 99, "importance": 0.3, "children": [
        {"name": "a", "weight": 2},
        {"name": "b", "children": [{"name": "b1", "weight": 0.5}, {"name": "b2", "weight": 1e-9}]}]})", "t.json");
    EXPECT_EQ(tree.name, "root");
    ASSERT_EQ(tree.children.size(), 2u);
    EXPECT_EQ(tree.children[0].weight, 2.0);
    EXPECT_EQ(tree.children[1].children[1].weight, 1e-9);
    const auto cells = layoutInUnitSquare(tree, LayoutMethod::Fat);
    // The inner weights are the sums of the leaves (the root's "weight": 99 is ignored).
    EXPECT_DOUBLE_EQ(cells[0].weight, 2.5 + 1e-9);
    EXPECT_DOUBLE_EQ(cells[2].weight, 0.5 + 1e-9);
    EXPECT_EQ(cells[2].name, "b");
    EXPECT_EQ(cells[3].parent, 2);
}

TEST(TreeJson, BadWeightsAreRefused) {
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "z", "weight": 0}]})"), "'z' has weight 0"));
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "n", "weight": -2}]})"), "'n' has weight -2"));
    // JSON has no NaN or infinity literal: 1e999 overflows, NaN is not JSON at all.
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "i", "weight": 1e999}]})"), "overflow"));
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "i", "weight": NaN}]})"), "malformed JSON"));
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "s", "weight": "3"}]})"), "not a number"));
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "m"}]})"), "'m' has no \"weight\""));
}

TEST(TreeJson, StructureProblemsAreRefused) {
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": [{"name": "a", "weight": 1}, {"name": "a", "weight": 2}]})"),
                         "duplicate node name 'a'"));
    EXPECT_TRUE(contains(problemOf(R"({"weight": 1})"), "no \"name\""));
    EXPECT_TRUE(contains(problemOf(R"([1, 2])"), "not an object"));
    EXPECT_TRUE(contains(problemOf(R"({"name": "r", "children": {"name": "a"}})"), "not an array"));
}

TEST(TreeJson, OneLeafIsAValidTree) {
    const LayoutNode leaf = parseLayoutTree(R"({"name": "alone", "weight": 4})", "t.json");
    const auto cells = layoutInUnitSquare(leaf, LayoutMethod::Fat);
    ASSERT_EQ(cells.size(), 1u);
    EXPECT_NEAR(polygonArea(cells[0].polygon), 1.0, 1e-15);
    EXPECT_THROW(parseLayoutTree(R"({"name": "alone"})", "t.json"), cs::Error);  // still needs a weight
}

TEST(TreeJson, TwoHundredLevelChain) {
    std::string text;
    for (int level = 0; level < 200; ++level) text += R"({"name": "n)" + std::to_string(level) + R"(", "children": [)";
    text += R"({"name": "leaf", "weight": 1})";
    for (int level = 0; level < 200; ++level) text += "]}";
    const LayoutNode tree = parseLayoutTree(text, "t.json");
    const auto cells = layoutInUnitSquare(tree, LayoutMethod::Fat);
    ASSERT_EQ(cells.size(), 201u);
    EXPECT_EQ(cells.back().depth, 200);
    EXPECT_NEAR(polygonArea(cells.back().polygon), 1.0, 1e-12);
}

TEST(TreeJson, MalformedJsonNamesThePosition) {
    const std::string problem = problemOf("{\"name\": \"r\",\n \"children\": [ {\"name\": \"a\" \"weight\": 1} ]}");
    EXPECT_TRUE(contains(problem, "malformed JSON at byte")) << problem;
    EXPECT_TRUE(contains(problem, "line 2")) << problem;
    EXPECT_TRUE(contains(problem, "column")) << problem;
    EXPECT_TRUE(contains(problemOf(""), "malformed JSON"));
    EXPECT_TRUE(contains(problemOf("{\"name\": \"r\", \"weight\": 1"), "malformed JSON"));
}

TEST(TreeJson, FilesAreNamedInErrors) {
    const std::filesystem::path dir = std::filesystem::path(CS_TEST_TMP) / "layout_tree_json";
    std::filesystem::create_directories(dir);
    const std::string missing = (dir / "missing.json").string();
    try {
        loadLayoutTree(missing);
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), missing);
    }
    const std::string bad = (dir / "bad.json").string();
    std::ofstream(bad) << R"({"name": "r", "children": [{"name": "z", "weight": 0}]})";
    try {
        loadLayoutTree(bad);
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), bad);
        EXPECT_TRUE(contains(e.what(), bad));
    }
}

TEST(TreeJson, OutputFollowsTheCliContract) {
    const LayoutNode tree = parseLayoutTree(
        R"({"name": "root", "children": [{"name": "a", "weight": 1}, {"name": "b", "weight": 3}]})", "t.json");
    const auto cells = layoutInUnitSquare(tree, LayoutMethod::Fat);
    const nlohmann::json out = layoutToJson(cells, measureLayout(cells), LayoutMethod::Fat, 0.25);
    EXPECT_EQ(out["method"], "fat");
    ASSERT_EQ(out["nodes"].size(), 3u);
    EXPECT_TRUE(out["nodes"][0]["parent"].is_null());
    EXPECT_EQ(out["nodes"][2]["name"], "b");
    EXPECT_EQ(out["nodes"][2]["parent"], 0);
    EXPECT_EQ(out["nodes"][2]["weight"], 3.0);
    EXPECT_GE(out["nodes"][2]["polygon"].size(), 3u);
    EXPECT_EQ(out["nodes"][2]["polygon"][0].size(), 2u);
    for (const char* key : {"max_aspect_ratio", "p99_aspect_ratio", "mean_aspect_ratio", "max_area_error"})
        EXPECT_TRUE(out["metrics"][key].is_number()) << key;
    EXPECT_EQ(out["time_s"], 0.25);
}
