// A user's own item concept (docs/recsae.md, "Your own item concepts"): latentsForItemSet finds the
// latent planted to fire exactly for the set with precision and recall 1 and ranks a latent that
// ignores it below; `user-concept` gives the same latents for a tag and for the list of its items,
// and refuses an unknown tag, an unknown item and a concept given twice.
#include "sae/concept_dictionary.h"

#include "cli_runner.h"
#include "small_recsae_project.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using nlohmann::json;
using cs::testing::runCli;

TEST(LatentsForItemSet, FindsThePlantedLatent) {
    // 200 states, k = 1 of 3 latents; items 1..10, the set = {1, 2}.
    // Latent 0 fires exactly when a recent item is in the set; latent 1 on every other state at random.
    std::mt19937_64 rng(3);
    cs::sae::LatentCodes codes;
    codes.rows = 200;
    codes.k = 1;
    codes.latents = 3;
    std::vector<std::vector<int64_t>> recent;
    for (int64_t r = 0; r < codes.rows; ++r) {
        const bool withSet = r % 3 == 0;
        recent.push_back({static_cast<int64_t>(3 + rng() % 8), withSet ? static_cast<int64_t>(1 + rng() % 2) : static_cast<int64_t>(3 + rng() % 8)});
        codes.indices.push_back(withSet ? 0 : (rng() % 2 == 0 ? 1 : 2));
        codes.values.push_back(1.0f);
    }
    std::vector<char> inSet(11, 0);
    inSet[1] = inSet[2] = 1;
    const auto matches = cs::sae::latentsForItemSet(codes, recent, inSet);
    ASSERT_FALSE(matches.empty());
    EXPECT_EQ(matches[0].latent, 0);
    EXPECT_DOUBLE_EQ(matches[0].precision, 1.0);
    EXPECT_DOUBLE_EQ(matches[0].recall, 1.0);
    for (size_t i = 1; i < matches.size(); ++i) EXPECT_LT(matches[i].f1, 0.5) << "latent " << matches[i].latent;
}

namespace {

// Item ids (first column) of the metadata rows whose tag column lists `tag`.
std::vector<std::string> itemsWithTag(const std::string& metaPath, const std::string& tag) {
    std::ifstream in(metaPath);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header, ids;
    std::stringstream hs(line);
    for (std::string f; std::getline(hs, f, '\t');) header.push_back(f);
    size_t tagColumn = 0;
    for (size_t c = 0; c < header.size(); ++c)
        if (header[c] == "tags" || header[c] == "genres" || header[c] == "categories") tagColumn = c;
    while (std::getline(in, line)) {
        std::vector<std::string> fields;
        std::stringstream ls(line);
        for (std::string f; std::getline(ls, f, '\t');) fields.push_back(f);
        if (fields.size() <= tagColumn) continue;
        std::stringstream ts(fields[tagColumn]);
        for (std::string t; std::getline(ts, t, '|');)
            if (t == tag) ids.push_back(fields[0]);
    }
    return ids;
}

json readJson(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
}

}  // namespace

TEST(UserConceptCli, TagAndItsItemsGiveTheSameLatentsAndBadInputIsRefused) {
    const std::string dir = std::string(CS_TEST_TMP) + "/user-concept";
    const auto p = cs::testing::buildSmallRecSaeProject(dir);
    // A tag the dictionary gave a latent: the first tag of the first latent with one.
    std::string tag;
    {
        auto store = cs::store::ProjectStore::open(p.project, true);
        for (const auto& l : store->latents(p.runId)) {
            const json tags = json::parse(l.tagsJson);
            if (tag.empty() && !tags.empty()) tag = tags[0].is_string() ? tags[0].get<std::string>() : tags[0].value("tag", std::string());
        }
    }
    ASSERT_FALSE(tag.empty());
    const std::vector<std::string> items = itemsWithTag(p.itemMeta, tag);
    ASSERT_FALSE(items.empty());
    std::string list;
    for (const auto& id : items) list += (list.empty() ? "" : ",") + id;

    const std::string base = "user-concept --project '" + p.project + "' --run " + std::to_string(p.runId);
    const auto byTag = runCli(base + " --tag '" + tag + "' --json '" + dir + "/tag.json'");
    ASSERT_EQ(byTag.exitCode, 0) << byTag.err;
    const auto byItems = runCli(base + " --items " + list + " --json '" + dir + "/items.json'");
    ASSERT_EQ(byItems.exitCode, 0) << byItems.err;
    const json t = readJson(dir + "/tag.json"), i = readJson(dir + "/items.json");
    EXPECT_EQ(t["n_items"].get<int64_t>(), static_cast<int64_t>(items.size()));
    EXPECT_EQ(t["latents"], i["latents"]);
    ASSERT_FALSE(t["latents"].empty());
    double previous = 2.0;
    for (const auto& l : t["latents"]) {
        EXPECT_LE(l["f1"].get<double>(), previous);
        previous = l["f1"].get<double>();
        EXPECT_GE(l["precision"].get<double>(), 0.0);
        EXPECT_LE(l["recall"].get<double>(), 1.0);
    }
    // The tag was read off a latent by the dictionary, so some latent fires for its items.
    EXPECT_GT(t["latents"][0]["f1"].get<double>(), 0.5);

    const auto unknownTag = runCli(base + " --tag no-such-tag");
    EXPECT_EQ(unknownTag.exitCode, 1);
    EXPECT_NE(unknownTag.err.find("no tag 'no-such-tag'"), std::string::npos) << unknownTag.err;
    const auto unknownItem = runCli(base + " --items 987654321");
    EXPECT_EQ(unknownItem.exitCode, 1);
    EXPECT_NE(unknownItem.err.find("no item 987654321"), std::string::npos) << unknownItem.err;
    EXPECT_EQ(runCli(base + " --tag '" + tag + "' --items 1").exitCode, 2);
    EXPECT_EQ(runCli(base).exitCode, 2);
}
