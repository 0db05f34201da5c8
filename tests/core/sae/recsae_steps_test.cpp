// The LibTorch-free steps of a RecSAE run (sae/recsae_steps.h), each on a tiny hand-made input:
// which prefixes become training states, which rows the dictionary is built on, which latents
// are ablated first, and the summary's latent list.
#include "sae/recsae_steps.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <utility>

using namespace cs::sae;

namespace {

// Two users' sequences of internal item ids (3 and 2 items: 5 prefixes).
const std::vector<std::vector<int64_t>> kSequences = {{1, 2, 3}, {4, 5}};

// Codes of 5 rows, k = 2, 4 latents: row r holds latents (r % 4) and ((r + 1) % 4); row 2's
// second latent is selected but not active (value 0).
LatentCodes fiveRowCodes() {
    LatentCodes codes;
    codes.rows = 5;
    codes.k = 2;
    codes.latents = 4;
    for (int r = 0; r < 5; ++r) {
        codes.indices.push_back(r % 4);
        codes.values.push_back(1.0f + r);
        codes.indices.push_back((r + 1) % 4);
        codes.values.push_back(r == 2 ? 0.0f : 0.5f);
    }
    return codes;
}

}  // namespace

TEST(RecSaeSteps, EveryPrefixIsATrainingStateWhenThereAreFewEnough) {
    std::mt19937_64 rng(0);
    const auto prefixes = sampleTrainingPrefixes(kSequences, 5, rng);
    std::vector<std::pair<int32_t, int32_t>> got;
    for (const auto& p : prefixes) got.push_back({p.user, p.length});
    EXPECT_EQ(got, (std::vector<std::pair<int32_t, int32_t>>{{0, 1}, {0, 2}, {0, 3}, {1, 1}, {1, 2}}));
    // No sampling happened, so the generator is untouched for the corpus sample that follows.
    EXPECT_EQ(rng(), std::mt19937_64(0)());
}

TEST(RecSaeSteps, TooManyPrefixesAreSampledWithoutRepeats) {
    std::mt19937_64 rng(3);
    const auto prefixes = sampleTrainingPrefixes(kSequences, 3, rng);
    ASSERT_EQ(prefixes.size(), 3u);
    std::set<std::pair<int32_t, int32_t>> distinct;
    for (const auto& p : prefixes) {
        ASSERT_LT(p.user, 2);
        EXPECT_GE(p.length, 1);
        EXPECT_LE(p.length, static_cast<int32_t>(kSequences[p.user].size()));
        distinct.insert({p.user, p.length});
    }
    EXPECT_EQ(distinct.size(), 3u);
    // The same seed gives the same sample (the run is reproducible).
    std::mt19937_64 again(3);
    const auto repeat = sampleTrainingPrefixes(kSequences, 3, again);
    for (size_t i = 0; i < prefixes.size(); ++i) {
        EXPECT_EQ(repeat[i].user, prefixes[i].user);
        EXPECT_EQ(repeat[i].length, prefixes[i].length);
    }
}

TEST(RecSaeSteps, CorpusSampleKeepsRowsInOrderWithTheirCodes) {
    std::mt19937_64 rng(0);
    const auto prefixes = sampleTrainingPrefixes(kSequences, 100, rng);
    const LatentCodes codes = fiveRowCodes();

    const CorpusSample all = sampleCorpus(prefixes, codes, 5, rng);
    EXPECT_EQ(all.prefixes.size(), 5u);
    EXPECT_EQ(all.codes.rows, 5);
    EXPECT_EQ(all.codes.values, codes.values);

    const CorpusSample some = sampleCorpus(prefixes, codes, 3, rng);
    ASSERT_EQ(some.prefixes.size(), 3u);
    EXPECT_EQ(some.codes.rows, 3);
    EXPECT_EQ(some.codes.k, 2);
    EXPECT_EQ(some.codes.latents, 4);
    ASSERT_EQ(some.codes.values.size(), 6u);
    int previousRow = -1;
    for (size_t r = 0; r < 3; ++r) {
        // Row of the original codes this sample row came from, found by its prefix.
        int row = 0;
        while (prefixes[row].user != some.prefixes[r].user || prefixes[row].length != some.prefixes[r].length) ++row;
        EXPECT_GT(row, previousRow) << "sampled rows keep their order";
        previousRow = row;
        for (int j = 0; j < 2; ++j) {
            EXPECT_EQ(some.codes.indices[r * 2 + j], codes.indices[row * 2 + j]);
            EXPECT_EQ(some.codes.values[r * 2 + j], codes.values[row * 2 + j]);
        }
    }
}

TEST(RecSaeSteps, RecentItemsAreTheLastItemsOfEachPrefix) {
    const std::vector<Prefix> prefixes = {{0, 3}, {0, 1}, {1, 2}};
    EXPECT_EQ(recentItems(prefixes, kSequences, 2),
              (std::vector<std::vector<int64_t>>{{2, 3}, {1}, {4, 5}}));
}

TEST(RecSaeSteps, AblationTakesTheMostConfidentLatentsAndTheirActiveRows) {
    std::vector<LatentConcept> concepts(4);
    for (int j = 0; j < 4; ++j) concepts[j].index = j;
    concepts[0].confidence = 0.5;
    concepts[1].confidence = 0.9;
    concepts[2].confidence = 0.9;
    concepts[2].mass = 2.0;  // ties on confidence go to the larger mass
    concepts[1].mass = 1.0;
    EXPECT_EQ(latentsByConfidence(concepts), (std::vector<int64_t>{2, 1, 0, 3}));

    const LatentCodes codes = fiveRowCodes();
    EXPECT_EQ(rowsActivating(codes, 3, 10), (std::vector<int64_t>{3}));  // row 2 selects latent 3 at 0: not active
    EXPECT_EQ(rowsActivating(codes, 1, 10), (std::vector<int64_t>{0, 1, 4}));
    EXPECT_EQ(rowsActivating(codes, 0, 1), (std::vector<int64_t>{0}));
}

TEST(RecSaeSteps, SummaryListsTheLatentsThatFired) {
    std::vector<LatentConcept> concepts(3);
    for (int j = 0; j < 3; ++j) concepts[j].index = j;
    concepts[0].activations = 4;
    concepts[0].frequency = 0.4;
    concepts[0].confidence = 0.85;
    concepts[0].precision = 0.9;
    concepts[0].recall = 0.8;
    concepts[0].tags = {{"comedy", 1.2}, {"drama", 0.7}};
    concepts[2].activations = 1;
    concepts[2].frequency = 0.1;
    const auto latents = latentsSummaryJson(concepts);
    ASSERT_EQ(latents.size(), 2u);  // latent 1 never fired
    EXPECT_EQ(latents[0]["id"], 0);
    EXPECT_EQ(latents[0]["tags"], nlohmann::json::array({"comedy", "drama"}));
    for (const char* key : {"id", "frequency", "tags", "confidence", "precision", "recall"})
        EXPECT_TRUE(latents[1].contains(key)) << key;
    EXPECT_EQ(latents[1]["id"], 2);
    EXPECT_EQ(confidentLatents(concepts), 1);
}

TEST(RecSaeSteps, HistogramPutsOutliersInTheEndBins) {
    const auto h = histogramJson({-1.0, 0.1, 0.6, 2.0}, 0.0, 1.0, 2, "x");
    EXPECT_EQ(h["quantity"], "x");
    EXPECT_EQ(h["edges"], nlohmann::json::array({0.0, 0.5, 1.0}));
    EXPECT_EQ(h["counts"], nlohmann::json::array({2, 2}));
}

// A user far longer than the model's window gives only the window's last positions as training
// states (enumerating 10^5 positions, each copied, was quadratic), and the users within the
// window keep exactly the prefixes they had.
TEST(RecSaeSteps, ALongUserGivesOnlyItsLastWindowOfPrefixes) {
    std::vector<std::vector<int64_t>> sequences = kSequences;
    sequences.push_back(std::vector<int64_t>(100000, 7));
    std::mt19937_64 rng(0);
    const auto prefixes = sampleTrainingPrefixes(sequences, 1000000, rng, 3);
    std::vector<std::pair<int32_t, int32_t>> got;
    for (const auto& p : prefixes) got.push_back({p.user, p.length});
    EXPECT_EQ(got, (std::vector<std::pair<int32_t, int32_t>>{
                       {0, 1}, {0, 2}, {0, 3}, {1, 1}, {1, 2}, {2, 99998}, {2, 99999}, {2, 100000}}));
}

// Matryoshka's tree: one nested node per prefix, each holding only its own group's latents.
TEST(RecSaeSteps, MatryoshkaHierarchyNestsThePrefixesCoarseToFine) {
    const LatentCodes codes = fiveRowCodes();
    std::vector<LatentConcept> concepts(4);
    for (int j = 0; j < 4; ++j) {
        concepts[j].index = j;
        concepts[j].mass = 1.0 + j;
        concepts[j].activations = 2;
    }
    const auto tree = nlohmann::json::parse(matryoshkaHierarchyJson(codes, concepts, {1, 2, 4}, {0.5, 0.3, 0.1}, 16));
    EXPECT_EQ(tree["name"], "latents");
    ASSERT_EQ(tree["children"].size(), 1u);
    // Leaf names start "latent <i>"; collect them per nesting depth.
    std::vector<std::set<std::string>> leavesAtLevel;
    const nlohmann::json* node = &tree["children"][0];
    for (int level = 0; node; ++level) {
        EXPECT_EQ(node->at("name").get<std::string>().find(level == 0 ? "prefix 1: latents 0-0 (FVU 0.500)" : "+ prefix"), 0u)
            << node->at("name");
        leavesAtLevel.emplace_back();
        const nlohmann::json* next = nullptr;
        std::function<void(const nlohmann::json&)> collect = [&](const nlohmann::json& n) {
            const std::string name = n.at("name");
            if (name.rfind("latent ", 0) == 0) leavesAtLevel.back().insert(name.substr(0, name.find(':')));
            else if (name.rfind("+ prefix", 0) == 0) next = &n;
            else if (n.contains("children"))
                for (const auto& c : n["children"]) collect(c);
        };
        for (const auto& c : node->at("children")) collect(c);
        node = next;
    }
    ASSERT_EQ(leavesAtLevel.size(), 3u);
    EXPECT_EQ(leavesAtLevel[0], (std::set<std::string>{"latent 0"}));
    EXPECT_EQ(leavesAtLevel[1], (std::set<std::string>{"latent 1"}));
    EXPECT_EQ(leavesAtLevel[2], (std::set<std::string>{"latent 2", "latent 3"}));
}
