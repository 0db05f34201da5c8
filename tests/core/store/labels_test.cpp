// User labels and notes on concepts and latents (the labels table): set, replace, remove, list,
// who and when, survival across reopening, and refusal of rows that do not exist.
#include "store/project_store.h"

#include "common/error.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

using namespace cs::store;
namespace fs = std::filesystem;

namespace {

std::string freshPath(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "store";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    return p.string();
}

struct Rows {
    int64_t run = 0, otherRun = 0, concept = 0, latent = 0;
};

// Two done runs: one with a concept, one with a latent.
Rows fillProject(ProjectStore& store) {
    Rows rows;
    rows.run = store.createRun("craft", "{}");
    store.markRunning(rows.run);
    store.completeRun(rows.run, "{}", [&] {
        ConceptRecord c;
        c.runId = rows.run;
        c.layer = "layer4";
        c.vector = {{2}, {1.f, 0.5f}};
        rows.concept = store.addConcept(c);
    });
    rows.otherRun = store.createRun("recsae", "{}");
    store.markRunning(rows.otherRun);
    store.completeRun(rows.otherRun, "{}", [&] {
        LatentRecord l;
        l.runId = rows.otherRun;
        l.index = 7;
        rows.latent = store.addLatent(l);
    });
    return rows;
}

}  // namespace

TEST(Labels, SetReplaceListAndRemove) {
    setenv("USER", "ada", 1);
    auto store = ProjectStore::create(freshPath("labels.cstudio"));
    const Rows rows = fillProject(*store);
    EXPECT_FALSE(store->label(LabelTarget::Concept, rows.concept));

    store->setLabel(LabelTarget::Concept, rows.concept, "stripes", "only on zebras?");
    auto label = store->label(LabelTarget::Concept, rows.concept);
    ASSERT_TRUE(label);
    EXPECT_EQ(label->runId, rows.run) << "the label belongs to the concept's run";
    EXPECT_EQ(label->text, "stripes");
    EXPECT_EQ(label->note, "only on zebras?");
    EXPECT_EQ(label->author, "ada");
    EXPECT_TRUE(std::regex_match(label->updatedAt, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << label->updatedAt;

    setenv("USER", "grace", 1);
    store->setLabel(LabelTarget::Concept, rows.concept, "zebra stripes", "");
    label = store->label(LabelTarget::Concept, rows.concept);
    EXPECT_EQ(label->text, "zebra stripes");
    EXPECT_EQ(label->note, "");
    EXPECT_EQ(label->author, "grace") << "the last writer is the author";

    store->setLabel(LabelTarget::Latent, rows.latent, "90s comedies", "");
    ASSERT_EQ(store->labels(rows.run).size(), 1u);
    const auto latentLabels = store->labels(rows.otherRun);
    ASSERT_EQ(latentLabels.size(), 1u);
    EXPECT_EQ(latentLabels[0].target, LabelTarget::Latent);
    EXPECT_EQ(latentLabels[0].targetId, rows.latent);
    // Both rows are the first of their tables (the same row id): the targets keep them apart.
    ASSERT_EQ(rows.latent, rows.concept);
    EXPECT_EQ(store->label(LabelTarget::Concept, rows.concept)->text, "zebra stripes");
    EXPECT_EQ(store->label(LabelTarget::Latent, rows.latent)->text, "90s comedies");

    store->removeLabel(LabelTarget::Concept, rows.concept);
    EXPECT_FALSE(store->label(LabelTarget::Concept, rows.concept));
    EXPECT_TRUE(store->labels(rows.run).empty());
    store->removeLabel(LabelTarget::Concept, rows.concept);  // removing nothing is fine
}

TEST(Labels, RefuseRowsThatDoNotExist) {
    auto store = ProjectStore::create(freshPath("labels-missing.cstudio"));
    const Rows rows = fillProject(*store);
    try {
        store->setLabel(LabelTarget::Concept, rows.concept + 1000, "x", "");
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), store->path());
        EXPECT_NE(std::string(e.what()).find("no concept with row id"), std::string::npos) << e.what();
    }
    // A latent's row id is not a concept's.
    EXPECT_THROW(store->setLabel(LabelTarget::Latent, rows.concept + 1000, "x", ""), cs::Error);
    EXPECT_TRUE(store->labels(rows.run).empty());
}

TEST(Labels, SurviveReopeningAndGoWithTheirRun) {
    const std::string path = freshPath("labels-reopen.cstudio");
    Rows rows;
    {
        auto store = ProjectStore::create(path);
        rows = fillProject(*store);
        store->setLabel(LabelTarget::Concept, rows.concept, "fur", "soft texture");
        store->setLabel(LabelTarget::Latent, rows.latent, "horror", "");
    }
    {
        auto store = ProjectStore::open(path, /*readOnly=*/true);
        const auto label = store->label(LabelTarget::Concept, rows.concept);
        ASSERT_TRUE(label);
        EXPECT_EQ(label->note, "soft texture");
        EXPECT_THROW(store->setLabel(LabelTarget::Concept, rows.concept, "y", ""), cs::Error) << "read-only";
    }
    auto store = ProjectStore::open(path);
    store->deleteRun(rows.run);
    EXPECT_FALSE(store->label(LabelTarget::Concept, rows.concept)) << "deleting a run deletes its labels";
    EXPECT_TRUE(store->label(LabelTarget::Latent, rows.latent));
}
