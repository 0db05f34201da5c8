// Interaction logs and item metadata: every format reads the same fixture log the same way,
// and bad input is a cs::Error naming the file and the line.
#include "common/error.h"
#include "data/interactions.h"
#include "data/item_metadata.h"

#include <gtest/gtest.h>

#include <string>

using namespace cs::data;

namespace {

std::string fixture(const std::string& name) { return std::string(CS_TEST_FIXTURES) + "/interactions/" + name; }

// The fixture log, as file ids per user: user 4 has one interaction and is dropped.
void expectFixtureLog(const InteractionLog& log) {
    ASSERT_EQ(log.numUsers(), 3);
    EXPECT_EQ(log.userIds, (std::vector<std::string>{"1", "2", "3"}));
    auto fileIds = [&](size_t u) {
        std::vector<std::string> ids;
        for (int64_t i : log.sequences[u]) ids.push_back(log.itemIds.at(i));
        return ids;
    };
    EXPECT_EQ(fileIds(0), (std::vector<std::string>{"10", "11", "12", "13"}));
    EXPECT_EQ(fileIds(1), (std::vector<std::string>{"10", "13", "14"}));
    EXPECT_EQ(fileIds(2), (std::vector<std::string>{"12", "10", "15"}));
    EXPECT_EQ(log.numItems(), 6);  // 10..15; 99 belonged to the dropped user
    EXPECT_EQ(log.itemIds[0], "");
    EXPECT_EQ(log.usersDropped, 1);
    EXPECT_EQ(log.interactionsDropped, 1);
    EXPECT_EQ(log.numInteractions, 10);
    ASSERT_EQ(log.warnings.size(), 1u);
    EXPECT_NE(log.warnings[0].find("1 user(s)"), std::string::npos);
}

void expectErrorMentions(const std::function<void()>& f, const std::vector<std::string>& parts) {
    try {
        f();
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(Interactions, EveryFormatReadsTheSameLog) {
    for (const auto& [file, format] : std::vector<std::pair<std::string, InteractionFormat>>{
             {"sasrec_pairs.txt", InteractionFormat::SasRec},
             {"sasrec_lists.txt", InteractionFormat::SasRec},
             {"rechorus.tsv", InteractionFormat::ReChorus},
             {"ratings.dat", InteractionFormat::MovieLens},
             {"u.data", InteractionFormat::MovieLens}}) {
        SCOPED_TRACE(file);
        EXPECT_EQ(detectInteractionFormat(fixture(file)), format);
        expectFixtureLog(loadInteractions(fixture(file)));  // auto
        InteractionLoadOptions explicitFormat;
        explicitFormat.format = format;
        expectFixtureLog(loadInteractions(fixture(file), explicitFormat));
    }
}

TEST(Interactions, LeaveOneOutSplitsLastTwo) {
    auto log = loadInteractions(fixture("sasrec_lists.txt"));
    auto split = leaveOneOut(log);
    ASSERT_EQ(split.train.size(), 3u);
    EXPECT_EQ(split.train[0], (std::vector<int64_t>{log.sequences[0][0], log.sequences[0][1]}));
    EXPECT_EQ(split.valid[0], log.sequences[0][2]);
    EXPECT_EQ(split.test[0], log.sequences[0][3]);
    EXPECT_EQ(split.train[1].size(), 1u);
}

TEST(Interactions, VocabularyAndIdentityMappings) {
    InteractionLoadOptions vocab;
    vocab.vocabulary = {"", "13", "12", "11", "10"};  // 14 and 15 unknown to the "model"
    auto log = loadInteractions(fixture("sasrec_lists.txt"), vocab);
    EXPECT_EQ(log.internalItem("10"), 4);
    EXPECT_EQ(log.unknownItemInteractions, 3);  // 14, 15 and 99
    EXPECT_EQ(log.sequences[0], (std::vector<int64_t>{4, 3, 2, 1}));
    InteractionLoadOptions identity;
    identity.identityMaxItem = 20;
    auto raw = loadInteractions(fixture("sasrec_lists.txt"), identity);
    EXPECT_EQ(raw.sequences[0], (std::vector<int64_t>{10, 11, 12, 13}));
    EXPECT_EQ(raw.numItems(), 20);
}

TEST(Interactions, BadInputNamesFileAndLine) {
    expectErrorMentions([] { loadInteractions(fixture("bad_non_numeric.txt")); },
                        {"bad_non_numeric.txt:3", "item id 'x'"});
    expectErrorMentions([] { loadInteractions(fixture("bad_malformed.tsv")); }, {"bad_malformed.tsv:3", "fields"});
    expectErrorMentions([] { loadInteractions(fixture("bad_malformed.dat")); }, {"bad_malformed.dat:1", "fields"});
    expectErrorMentions([] { loadInteractions(fixture("empty.txt")); }, {"empty.txt", "empty"});
    expectErrorMentions([] { loadInteractions(fixture("one_interaction_each.txt")); },
                        {"one_interaction_each.txt", "3 user(s) dropped"});
    expectErrorMentions([] { loadInteractions(fixture("does_not_exist.txt")); }, {"does_not_exist.txt", "cannot open"});
    InteractionLoadOptions vocab;
    vocab.vocabulary = {"", "500"};
    expectErrorMentions([&] { loadInteractions(fixture("sasrec_pairs.txt"), vocab); }, {"no item", "known to the model"});
    EXPECT_THROW(interactionFormatFromString("csv"), cs::UsageError);
}

TEST(ItemMetadata, AlignsAndCountsMismatches) {
    auto log = loadInteractions(fixture("rechorus.tsv"));
    auto meta = loadItemMetadata(fixture("item_meta.tsv"));
    EXPECT_EQ(meta.attributeColumn, "genres");
    auto attrs = alignItemMetadata(meta, log);
    EXPECT_EQ(attrs.tagNames, (std::vector<std::string>{"action", "comedy", "drama", "romance", "sci-fi"}));
    const int64_t item10 = log.internalItem("10");
    ASSERT_EQ(attrs.itemTags[item10].size(), 2u);
    EXPECT_EQ(attrs.tagNames[attrs.itemTags[item10][0]], "action");
    EXPECT_EQ(attrs.titles[item10], "Galaxy Night");
    EXPECT_EQ(attrs.itemsWithoutMetadata, 1);    // 15
    EXPECT_EQ(attrs.metadataItemsNeverSeen, 1);  // 77
    EXPECT_EQ(attrs.warnings.size(), 2u);
    EXPECT_TRUE(attrs.itemTags[log.internalItem("15")].empty());
}

TEST(ItemMetadata, BadInput) {
    expectErrorMentions([] { loadItemMetadata(fixture("bad_meta_id.tsv")); }, {"bad_meta_id.tsv:3", "'abc'"});
    expectErrorMentions([] { loadItemMetadata(fixture("bad_meta_header.tsv")); }, {"bad_meta_header.tsv:1", "item_id"});
    expectErrorMentions([] { loadItemMetadata(fixture("empty.txt")); }, {"empty.txt", "empty"});
}
